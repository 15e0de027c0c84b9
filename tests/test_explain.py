"""'Why is my task pending?': every reason, and agreement with the mock's own routing decisions."""

from __future__ import annotations

import json

import pytest
from helpers import build_tutorial_workspace
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trkit.explain import explain_task, explain_worker
from trkit.mock import MockServer


def verdicts(explanation) -> dict[str, tuple[str, str]]:
    return {w.worker: (w.verdict, "; ".join(w.reasons + w.notes)) for w in explanation.workers}


def test_nobody_available_and_bob_not_eligible(tutorial):
    task = tutorial.create_task("es")
    tutorial.set_activity("Bob", "Idle")
    explanation = explain_task(tutorial.api, task.sid)
    assert explanation.summary == 'No available worker matches languages HAS "es": Alice is Offline; Bob lacks "es" in languages (has ["en"])'
    found = verdicts(explanation)
    assert found["Alice"] == ("not eligible", "activity Offline is not available")
    assert found["Bob"][0] == "not eligible" and 'lacks "es" in languages' in found["Bob"][1]
    assert [(f.name, f.matched, f.chosen) for f in explanation.filters] == [
        ("Language - Spanish", True, True), ("Language - English", False, False), ("Default Filter", False, False)]
    assert explanation.queue == "Customer Care Requests - Spanish" and not explanation.routable
    assert "Alice" in explanation._repr_html_() and "lacks" in repr(explanation)


def test_reserved_assigned_and_pending_elsewhere(tutorial):
    first = tutorial.create_task("es")
    second = tutorial.create_task("es")
    tutorial.set_activity("Alice", "Idle")
    explanation = explain_task(tutorial.api, first.sid)
    assert explanation.summary.startswith("Task is reserved for Alice")
    assert verdicts(explanation)["Alice"][0] == "reserved for this task"
    other = explain_task(tutorial.api, second.sid)
    assert "is Reserved" in other.summary or "already holds" in other.summary
    reservation = tutorial.reservations(first.sid)[0]
    tutorial.api.tasks(first.sid).reservations(reservation.sid).update(reservation_status="accepted")
    assert explain_task(tutorial.api, first.sid).summary.startswith("Task is assigned to Alice")
    tutorial.set_activity("Alice", "Idle")  # Idle again while still holding the assigned task
    found = verdicts(explain_task(tutorial.api, second.sid))
    assert "already holds an accepted task" in found["Alice"][1]


def test_target_expression_and_earlier_rejection(client, listener):
    tw = build_tutorial_workspace(client, callback_url=listener.url("/assignment"))
    config = {"task_routing": {"filters": [{"filter_friendly_name": "VIP", "expression": "vip == true", "targets": [
        {"queue": tw.queues["en"], "expression": "task.agent == worker.friendly_name", "timeout": 60}]}],
        "default_filter": {"queue": tw.queues["en"]}}}
    tw.api.workflows(tw.workflow_sid).update(configuration=json.dumps(config))
    task = tw.api.tasks.create(attributes=json.dumps({"vip": True, "agent": "Alice"}), workflow_sid=tw.workflow_sid)
    tw.set_activity("Bob", "Idle")
    explanation = explain_task(tw.api, task.sid)
    found = verdicts(explanation)
    assert "fails the target expression" in found["Bob"][1] and 'worker.friendly_name is "Bob"' in found["Bob"][1]
    assert explanation.target_timeout == 60 and explanation.seconds_in_queue is not None
    tw.set_activity("Alice", "Idle")
    reservation = tw.reservations(task.sid)[0]
    tw.api.tasks(task.sid).reservations(reservation.sid).update(reservation_status="rejected")  # back to Idle: offered again
    found = verdicts(explain_task(tw.api, task.sid))
    assert found["Alice"][0] == "reserved for this task"


def test_rejected_note_and_default_filter(client, listener):
    tw = build_tutorial_workspace(client, callback_url=listener.url("/assignment"))
    task = tw.create_task("fr")  # matches no filter: the default filter's queue (English)
    explanation = explain_task(tw.api, task.sid)
    assert [f.chosen for f in explanation.filters] == [False, False, True]
    tw.set_activity("Bob", "Idle")
    reservation = tw.reservations(task.sid)[0]
    tw.api.tasks(task.sid).reservations(reservation.sid).update(reservation_status="rejected", worker_activity_sid=tw.activities["Offline"])
    found = verdicts(explain_task(tw.api, task.sid))
    assert found["Bob"] == ("not eligible", "activity Offline is not available; rejected this task before")


def test_worker_explanations(tutorial):
    assert "Offline" in explain_worker(tutorial.api, tutorial.workers["Bob"]).summary
    tutorial.set_activity("Bob", "Idle")
    tutorial.create_task("es")
    bob = explain_worker(tutorial.api, tutorial.workers["Bob"])
    assert bob.summary == "Bob is available and in Customer Care Requests - English, but no task is waiting there."
    rows = bob.frame().set_index("Queue")
    assert not rows.loc["Customer Care Requests - Spanish", "Member"]
    assert rows.loc["Customer Care Requests - Spanish", "Waiting tasks"] == 1


LANGS = st.lists(st.sampled_from(["en", "es", "fr"]), max_size=3, unique=True)
# the expressions the property draws from, each with its meaning written out in plain Python
# (https://www.twilio.com/docs/taskrouter/expression-syntax), so the expected verdicts do not come from the mock's own evaluator
QUEUE_RULES = {
    'languages HAS "es"': lambda w: "es" in w["languages"],
    'languages HAS "en"': lambda w: "en" in w["languages"],
    "1==1": lambda w: True,
    "level > 2": lambda w: w["level"] > 2,
    'languages HAS "fr" OR level >= 4': lambda w: "fr" in w["languages"] or w["level"] >= 4,
}
TARGET_RULES = {
    None: lambda t, w: True,
    "worker.level >= task.min_level": lambda t, w: w["level"] >= t["min_level"],
    "task.lang IN worker.languages": lambda t, w: t["lang"] in w["languages"],
}


def expected_verdict(task_sid: str, worker: dict, queue_rule, target_rule, task: dict, reservations: list) -> str:
    """Single-tasking eligibility as the reference states it (https://www.twilio.com/docs/taskrouter/lifecycle-task-workflows-and-assignment)."""
    mine = [r for r in reservations if r.worker_sid == worker["sid"] and r.reservation_status in ("pending", "accepted", "wrapping")]
    if any(r.task_sid == task_sid and r.reservation_status == "pending" for r in mine):
        return "reserved for this task"
    if worker["available"] and queue_rule(worker) and target_rule(task, worker) and not mine:
        return "eligible"
    return "not eligible"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    workers=st.lists(st.tuples(LANGS, st.integers(0, 5), st.booleans()), min_size=1, max_size=4),
    queue_expression=st.sampled_from(list(QUEUE_RULES)),
    target_expression=st.sampled_from(list(TARGET_RULES)),
    tasks=st.lists(st.tuples(st.sampled_from(["en", "es", "fr"]), st.integers(0, 5)), min_size=1, max_size=3),
)
def test_explanations_agree_with_the_reference_rules(shared_mock, workers, queue_expression, target_expression, tasks):
    client = shared_mock.client()
    ws = client.taskrouter.v1.workspaces.create(friendly_name="Property", multi_task_enabled=False)
    api = client.taskrouter.v1.workspaces(ws.sid)
    idle = api.activities.create(friendly_name="Idle", available=True).sid
    offline = next(a.sid for a in api.activities.list(friendly_name="Offline"))
    queue = api.task_queues.create(friendly_name="Q", target_workers=queue_expression).sid
    target = {"queue": queue, **({"expression": target_expression} if target_expression else {})}
    api.workflows.create(friendly_name="F", configuration=json.dumps({"task_routing": {"filters": [{"expression": "1==1", "targets": [target]}]}}))
    staff = [{"sid": api.workers.create(friendly_name=f"W{i}", attributes=json.dumps({"languages": langs, "level": level}),
                                        activity_sid=idle if available else offline).sid,
              "languages": langs, "level": level, "available": available}
             for i, (langs, level, available) in enumerate(workers)]
    created = {api.tasks.create(attributes=json.dumps({"lang": lang, "min_level": level})).sid: {"lang": lang, "min_level": level}
               for lang, level in tasks}
    for task_sid, task in created.items():
        explanation = explain_task(api, task_sid)
        reservations = [r for t in created for r in api.tasks(t).reservations.list()]
        verdicts = {w.sid: w.verdict for w in explanation.workers}
        expected = {w["sid"]: expected_verdict(task_sid, w, QUEUE_RULES[queue_expression], TARGET_RULES[target_expression], task, reservations)
                    for w in staff}
        assert verdicts == expected, explanation.summary
        # the mock has routed everything it could: a pending task never has an eligible worker
        if explanation.status == "pending":
            assert "eligible" not in expected.values()
    # prediction: a blocked task whose only obstacle for some worker is the activity gets reserved once that worker is Idle
    for task_sid in created:
        explanation = explain_task(api, task_sid)
        if explanation.status != "pending":
            continue
        only_offline = [w for w in explanation.workers if w.reasons and all(r.startswith("activity ") for r in w.reasons)]
        for w in only_offline:
            api.workers(w.sid).update(activity_sid=idle)
        status = api.tasks(task_sid).fetch().assignment_status
        assert (status == "reserved") == bool(only_offline), (explanation.summary, status)
        break


@pytest.fixture(scope="module")
def shared_mock():
    with MockServer() as server:
        yield server
