"""The desks the rule tests set up (workspaces, queues, workers, tasks in given states) and their small verbs."""

from __future__ import annotations

import json

from scenario import Scenario


def spanish_desk(**queue_options) -> Scenario:
    """One queue for everyone, one filter, Alice and Bob offline."""
    s = Scenario()
    s.queue("Everyone", **queue_options)
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Everyone"}]}])
    s.worker("Alice")
    s.worker("Bob")
    return s


def layered() -> Scenario:
    s = Scenario()
    for name in ("Spanish", "French", "VIP", "Fallback", "Default"):
        s.queue(name)
    s.workflow([
        {"filter_friendly_name": "es", "expression": 'lang == "es"',
         "targets": [{"queue": "Spanish", "timeout": 30, "priority": 5}, {"queue": "Fallback", "timeout": 20}]},
        {"filter_friendly_name": "fr", "expression": 'lang == "fr"', "targets": [{"queue": "French"}]},
        {"filter_friendly_name": "vip", "expression": "vip == true", "targets": [{"queue": "VIP", "timeout": 40}]},
    ], default="Default")
    return s


def three_waiting(order: str) -> tuple[Scenario, list[str]]:
    s = spanish_desk(task_order=order)
    tasks = []
    for n in range(3):
        tasks.append(s.task(n=n))
        s.advance(10)
    return s, tasks


def scripted_day() -> tuple[Scenario, dict[str, str]]:
    """Three tasks: one accepted after 40 s and completed, one rejected then timed out, both others canceled."""
    s = spanish_desk()
    a, b, c = s.task(name="a"), s.task(name="b"), s.task(name="c")   # t = 0
    s.advance(10)
    s.set_activity("Alice", "Idle")                                   # t = 10: Alice reserved for a
    s.advance(30)
    s.accept(a)                                                       # t = 40: a accepted at age 40
    s.advance(60)
    s.set_task(a, "completed")                                        # t = 100
    s.set_activity("Bob", "Idle")                                     # Bob reserved for b
    s.advance(10)
    s.reject(b, activity="Offline")                                   # t = 110
    s.advance(10)
    s.set_activity("Alice", "Idle")                                   # t = 120: Alice reserved for b
    s.advance(120)                                                    # t = 240: timed out (default 120 s)
    s.advance(60)
    s.set_task(b, "canceled")                                         # t = 300
    s.set_task(c, "canceled")
    return s, {"a": a, "b": b, "c": c}


def two_queue_day() -> tuple[Scenario, dict[str, str]]:
    """Spanish and English queues under one workflow; two tasks accepted after 20 s and 60 s, one moved on."""
    s = Scenario()
    s.queue("Spanish", 'languages HAS "es"')
    s.queue("English", 'languages HAS "en"')
    s.workflow([{"expression": 'lang == "es"', "targets": [{"queue": "Spanish", "timeout": 100}, {"queue": "English"}]},
                {"expression": 'lang == "en"', "targets": [{"queue": "English"}]}])
    s.worker("Alice", languages=["es"])
    s.worker("Bob", languages=["en"])
    es, en, late = s.task(lang="es"), s.task(lang="en"), s.task(lang="es")  # t = 0
    s.advance(20)
    s.set_activity("Alice", "Idle")          # t = 20: Alice takes es
    s.accept(es)                              # accepted at age 20
    s.advance(40)
    s.set_activity("Bob", "Idle")            # t = 60: Bob takes en
    s.accept(en)                              # accepted at age 60
    s.advance(40)                             # t = 100: late moves from Spanish to English
    return s, {"es": es, "en": en, "late": late}


def lifecycle_events() -> tuple[Scenario, list]:
    s = Scenario()
    s.queue("Spanish", 'languages HAS "es"')
    s.queue("English")
    s.workflow([{"filter_friendly_name": "es", "expression": 'lang == "es"',
                 "targets": [{"queue": "Spanish", "timeout": 30}, {"queue": "English", "timeout": 30}]}], task_reservation_timeout=60)
    start = len(s.events())
    s.worker("Alice", languages=["es"])
    done = s.task(lang="es")
    s.set_activity("Alice", "Idle")
    s.accept(done)
    s.set_task(done, "wrapping")
    s.set_task(done, "completed", reason="helped")
    s.names[done] = "done"
    dropped = s.task(lang="es")
    s.names[dropped] = "dropped"
    s.advance(60)
    s.advance(300)
    events = sorted(s.events(), key=lambda e: e.event_date)[start:]
    return s, events


def two_workflows() -> Scenario:
    s = Scenario()
    for name in ("A", "B", "C"):
        s.queue(name)
    s.workflow([{"expression": "1==1", "targets": [{"queue": "A", "timeout": 50}, {"queue": "B"}]}], name="wf")
    s.workflow([{"expression": "1==1", "targets": [{"queue": "A"}]}], name="other")
    s.worker("Alice")
    return s


def configure(s: Scenario, targets: list[dict], re_evaluate: bool = False, name: str = "wf") -> None:
    config = {"task_routing": {"filters": [{"expression": "1==1", "targets": [{**t, "queue": s.queues[t["queue"]]} for t in targets]}]}}
    s.update_workflow(name, re_evaluate_tasks=re_evaluate, configuration=json.dumps(config))


def desk(**queue_options) -> Scenario:
    s = Scenario()
    s.queue("Spanish", 'languages HAS "es"', **queue_options)
    s.queue("English", 'languages HAS "en"')
    s.workflow([{"expression": 'lang == "es"', "targets": [{"queue": "Spanish"}]},
                {"expression": 'lang == "en"', "targets": [{"queue": "English"}]}])
    s.worker("Alice", languages=["es", "en"], level=3, contact_uri="client:alice")
    s.worker("Bob", languages=["en"], level=1)
    return s


def reserved_for_alice(**queue_options) -> tuple[Scenario, str]:
    s = desk(**queue_options)
    task = s.task(lang="es")
    s.set_activity("Alice", "Idle")
    return s, task


def instruct(s: Scenario, task: str, instruction: str, **params):
    return s.update_reservation(s.offer(task), task, instruction=instruction, instruction_params=params)


def stored_instruction(s: Scenario, task: str) -> dict | None:
    (res,) = s.reservation_records(task)
    return res.instruction


def update(s: Scenario, task: str, res: str, **changes):
    return s.update_reservation(res, task, **changes)


def spec_fields(name: str) -> set[str]:
    from spec import load_spec

    return set(load_spec()["components"]["schemas"][name]["properties"]) - {"url"}


def busy_neighbour(s: Scenario) -> Scenario:
    """Another workspace on the same engine, with its own task, worker and reservation."""
    other = Scenario(engine=s.engine)
    other.queue("Theirs")
    other.workflow([{"expression": "1==1", "targets": [{"queue": "Theirs"}]}])
    other.worker("Zed", "Idle")
    other.task()
    other.task(priority=7)
    return other


def multitasking() -> Scenario:
    s = Scenario(multi_task=True)
    s.queue("All")
    s.workflow([{"expression": "1==1", "targets": [{"queue": "All"}]}])
    s.worker("Alice")
    return s


def channel(s: Scenario, worker: str, unique_name: str):
    return s.worker_channel(s.workers[worker], unique_name)


def skipping_desk(skip_if: str) -> Scenario:
    """Spanish first (with ``skip_if``), then English; Alice speaks both, Bob English."""
    s = desk()
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Spanish", "skip_if": skip_if}, {"queue": "English"}]}], name="skipping")
    return s


def routed_to(worker: str, **options) -> tuple[Scenario, str]:
    s = desk()
    task = s.create_task(attributes='{"lang": "es"}', routing_target=s.workers[worker], **options).sid
    return s, task


def watched(events_filter: str | None = None) -> Scenario:
    s = Scenario()
    s.update_workspace(event_callback_url="http://127.0.0.1:9/events", events_filter=events_filter)
    s.queue("Spanish", 'languages HAS "es"')
    s.workflow([{"expression": "1==1", "targets": [{"queue": "Spanish"}]}])
    s.worker("Alice", languages=["es"])
    return s


def sent_events(s: Scenario) -> list:
    return [o for o in s.sent() if o.kind == "event"]


QUEUE = "{queue}"


def reopened(s: Scenario, path: str) -> Scenario:
    """The same state read back from SQLite by a new engine, at the same mock time."""
    from scenario import new_engine

    now = s.now()
    s.engine.store.close()
    again = Scenario.__new__(Scenario)
    again.__dict__.update(s.__dict__)
    again.engine = new_engine(seed=99, path=path, start=now)
    return again


def on_file(tmp_path) -> tuple[Scenario, str]:
    from scenario import new_engine

    path = str(tmp_path / "state.sqlite3")
    return Scenario(engine=new_engine(path=path)), path


def offers_of(s: Scenario, task: str) -> dict[str, str]:
    return {s.names[r.worker_sid]: r.sid for r in s.reservation_records(task) if r.reservation_status == "pending"}


def agents() -> Scenario:
    s = Scenario()
    s.queue("Support")
    s.worker("Alice", level=1)
    s.worker("Bob", level=5, tenure=2)
    s.worker("Carla", level=5, tenure=7)
    s.worker("Dan")
    return s


def accepted_by_alice(s: Scenario) -> tuple[str, str]:
    """A new task, offered to Alice (made Idle) and accepted: (task, its reservation)."""
    task = s.task()
    s.set_activity("Alice", "Idle")
    res = s.offer(task)
    s.accept(task)
    return task, res
