"""A worker who keeps rejecting: a reject without an activity leaves the only available worker available, so
TaskRouter offers them the task again. A thousand offers in a row are delivered one after another, each
answered, applied and logged, over HTTP and under the plugin. The thousandth is the last: TaskRouter cancels a
task reserved 1,000 times (https://www.twilio.com/docs/taskrouter/limits, "Max assignment count").
One offer fewer and the last answer (an accept) assigns the task."""

from __future__ import annotations

import json
import threading

from flask import Flask, Response
from helpers import build_tutorial_workspace, wait_until

from trkit.testing import mock_taskrouter

REJECTS = 1000


CANCELED_REASON = "Task TTL Exceeded or Max assignment count exceeded"


class Rejecter:
    """Answers reject (no activity) to the first ``times`` assignment callbacks, then accept."""

    def __init__(self, times: int) -> None:
        self.times = times
        self.seen = 0
        self._lock = threading.Lock()

    def __call__(self, *_: object) -> dict:
        with self._lock:
            self.seen += 1
            return {"instruction": "reject"} if self.seen <= self.times else {"instruction": "accept"}


def assert_every_offer_was_delivered_and_logged(log: list[dict], answers: Rejecter) -> None:
    assert answers.seen == REJECTS
    offers = [entry for entry in log if entry["kind"] == "assignment"]
    assert len(offers) == REJECTS, "every delivery is in the callback log"
    assert len({entry["reservation_sid"] for entry in offers}) == REJECTS  # a new reservation each time
    assert all(entry["status"] == 200 and entry["outcome"] == "reject applied" for entry in offers)


def test_a_thousand_rejects_in_a_row_over_http(client, listener, mock, mock_mode):
    answers = Rejecter(REJECTS)
    listener.answer = answers
    tw = build_tutorial_workspace(client, callback_url=listener.url("/assignment"))
    tw.set_activity("Alice", "Idle")  # Bob stays Offline: Alice is the only one to offer the task to
    task = tw.create_task("es")
    wait_until(lambda: tw.api.tasks(task.sid).fetch().assignment_status == "canceled", 60, "the task canceled")
    assert tw.api.tasks(task.sid).fetch().reason == CANCELED_REASON
    assert_every_offer_was_delivered_and_logged(mock.control().callbacks(), answers)


def test_the_answer_to_the_last_offer_allowed_is_applied(client, listener, mock_mode):
    listener.answer = Rejecter(REJECTS - 1)
    tw = build_tutorial_workspace(client, callback_url=listener.url("/assignment"))
    tw.set_activity("Alice", "Idle")
    task = tw.create_task("es")
    wait_until(lambda: tw.api.tasks(task.sid).fetch().assignment_status == "assigned", 60, "the task assigned")
    assert tw.api.workers(tw.workers["Alice"]).fetch().activity_name == "Busy"


def test_a_thousand_rejects_in_a_row_under_the_plugin():
    answers = Rejecter(REJECTS)
    app = Flask("rejecter")
    app.add_url_rule("/assignment", "assignment", lambda: Response(json.dumps(answers()), mimetype="application/json"),
                     methods=["POST"])
    with mock_taskrouter() as mock:
        base = mock.deliver_to(app)
        tw = build_tutorial_workspace(mock.client, callback_url=base + "/assignment")
        tw.set_activity("Alice", "Idle")
        task = tw.create_task("es")
        mock.wait_for(lambda: tw.api.tasks(task.sid).fetch().assignment_status == "canceled", timeout=60,
                      what="the task canceled after a thousand rejects")
        assert_every_offer_was_delivered_and_logged(mock.callbacks(), answers)


def test_a_failure_inside_the_mock_while_delivering_is_logged_with_the_delivery_and_reported(listener, caplog):
    """Never swallowed: the delivery's entry in the callback log says what failed, and the mock's log has the
    traceback; the deliveries queued behind it still go."""
    from trkit.mock.callbacks import HttpDispatcher
    from trkit.mock.engine.transaction import Outbound

    class BrokenEngine:
        log: list[dict] = []

        def record_callback(self, entry: dict) -> None:
            self.log.append(entry)

        def now(self) -> float:
            return 0.0

        class reservations:  # noqa: N801 (the engine's reservations service, broken)
            @staticmethod
            def apply_assignment_answer(reservation_sid: str, instruction: dict) -> str:
                raise RuntimeError(f"the engine broke on {reservation_sid}")

    listener.answer = lambda received: {"instruction": "accept"}
    dispatcher = HttpDispatcher("token")
    engine = BrokenEngine()
    item = Outbound(kind="assignment", url=listener.url("/assignment"), params={"ReservationSid": "WR1"}, workspace_sid="WS1",
                    reservation_sid="WR1")
    try:
        (future,) = dispatcher.submit([item], engine)
        outcome = future.result(timeout=10)
    finally:
        dispatcher.shutdown()
    assert outcome == "failed inside the mock (RuntimeError: the engine broke on WR1)"
    assert [entry["outcome"] for entry in engine.log] == [outcome]
    assert "the engine broke on WR1" in caplog.text and "delivering assignment" in caplog.text
