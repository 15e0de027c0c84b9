"""The rules of versions, through Scenario.

From Twilio's pages:
- https://www.twilio.com/docs/taskrouter/api
- https://www.twilio.com/docs/taskrouter/api/task
"""

from __future__ import annotations

import pytest
from desks import watched
from scenario import EPOCH, Scenario

from trkit.mock.engine.errors import TaskRouterError


@pytest.mark.parametrize(("header", "ok"), [
    (None, True), ('"{v}"', True), ("{v}", True), ('W/"{v}"', True), ('"1", "{v}"', True), ("*", True),
    ('"{stale}"', False), ("nonsense", False),
])
def test_if_match_on_a_task_update(header, ok):
    s = watched()
    task = s.task()
    version = s.fetch_task(task).version
    value = header.format(v=version, stale=version - 1) if header else None
    if ok:
        s.update_task(task, priority=3, if_match=value)
        assert s.fetch_task(task).priority == 3 and s.fetch_task(task).version > version
    else:
        with pytest.raises(TaskRouterError) as info:
            s.update_task(task, priority=3, if_match=value)
        assert info.value.status == 412 and f'current ETag "{version}"' in info.value.message
        assert s.fetch_task(task).priority == 0


def test_every_change_moves_the_version_of_worker_and_reservation():
    s = watched()
    alice = s.fetch("worker", s.workers["Alice"])
    before = alice.version
    s.set_activity("Alice", "Idle")
    assert s.fetch("worker", s.workers["Alice"]).version > before
    task = s.task()
    res = s.record("reservation", s.offer(task))
    with pytest.raises(TaskRouterError):
        s.update_reservation(res.sid, task, reservation_status="accepted", if_match=str(res.version + 1))
    s.update_reservation(res.sid, task, reservation_status="accepted", if_match=str(res.version))
    with pytest.raises(TaskRouterError):
        s.delete_worker(s.workers["Alice"], if_match="0")
    with pytest.raises(TaskRouterError):
        s.delete_task(task, if_match="0")


def test_an_update_moves_date_updated_and_names_stay_unique():
    s = watched()
    task = s.task()
    s.advance(10)
    s.update_task(task, priority=2)
    assert s.fetch_task(task).date_updated == EPOCH + 10
    with pytest.raises(TaskRouterError) as info:
        s.worker("Alice")
    assert info.value.message == f"FriendlyName 'Alice' is already used by Worker {s.workers['Alice']} in this Workspace"
    s.update_worker(s.workers["Alice"], friendly_name="Alice")  # keeping its own name is fine
    Scenario(engine=s.engine).worker("Alice")  # and another workspace may use it
