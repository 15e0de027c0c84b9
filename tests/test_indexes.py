"""The indexes routing reads, below the rules: who is free in each workspace, in the order they became
free, and which reservations each worker holds; a worker deleted leaves neither; a rebuild reads both back
from the stored records alone."""

from __future__ import annotations

from types import SimpleNamespace

from trkit.mock.engine.indexes import Indexes


class StoredRecords:
    """The store as a rebuild reads it: records by kind and SID."""

    def __init__(self, *records: SimpleNamespace) -> None:
        self.records = records

    def all(self, kind: str) -> list[SimpleNamespace]:
        return [r for r in self.records if r.KIND == kind]

    def get(self, kind: str, sid: str) -> SimpleNamespace | None:
        return next((r for r in self.all(kind) if r.sid == sid), None)


class Heard:
    """A part whose every call is written down, for the parts a rebuild asks to start again."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def __getattr__(self, name: str):
        return lambda *args: self.calls.append((name, *args))


def test_free_workers_are_kept_in_the_order_they_became_free_and_leave_when_no_longer_free():
    indexes = Indexes()
    for worker in ("WK2", "WK1", "WK3"):
        indexes.set_available("WS1", worker, True)
    indexes.set_available("WS1", "WK1", False)
    indexes.set_available("WS1", "WK4", False)  # was not free: nothing to take away
    assert list(indexes.available_in("WS1")) == ["WK2", "WK3"]


def test_a_workspace_nobody_was_ever_free_in_has_an_empty_set_of_free_workers():
    indexes = Indexes()
    assert indexes.available_in("WS9") == {} and "WK1" not in indexes.available_in("WS9")


def test_a_worker_holds_reservations_until_each_is_let_go():
    indexes = Indexes()
    indexes.hold("WK1", "WR1")
    indexes.hold("WK1", "WR2")
    indexes.hold("WK1", "WR1", held=False)
    indexes.hold("WK2", "WR3", held=False)  # never held: nothing to let go
    assert indexes.held("WK1") == {"WR2"} and not indexes.held("WK2")


def test_a_deleted_worker_is_neither_free_nor_holding_anything():
    indexes = Indexes()
    indexes.set_available("WS1", "WK1", True)
    indexes.set_available("WS1", "WK2", True)
    indexes.hold("WK1", "WR1")
    indexes.forget_worker("WS1", "WK1")
    assert list(indexes.available_in("WS1")) == ["WK2"] and not indexes.held("WK1")


def test_a_worker_that_was_never_free_is_deleted_without_fuss():
    indexes = Indexes()
    indexes.set_available("WS1", "WK2", True)
    indexes.forget_worker("WS1", "WK1")  # offline all along
    indexes.forget_worker("WS9", "WK9")  # in a workspace where nobody was ever free
    assert list(indexes.available_in("WS1")) == ["WK2"] and indexes.available_in("WS9") == {}


def test_a_rebuild_reads_the_free_workers_and_what_they_hold_from_the_stored_records_alone():
    idle, offline = (SimpleNamespace(KIND="activity", sid=sid, available=free) for sid, free in (("WA1", True), ("WA2", False)))
    workers = [SimpleNamespace(KIND="worker", sid=sid, workspace_sid="WS1", activity_sid=activity)
               for sid, activity in (("WK1", "WA2"), ("WK2", "WA1"), ("WK3", "WA2"))]
    reservations = [SimpleNamespace(KIND="reservation", sid=sid, worker_sid="WK1", reservation_status=status)
                    for sid, status in (("WR1", "accepted"), ("WR2", "rejected"), ("WR3", "wrapping"))]
    routing, offers, timers = Heard(), Heard(), Heard()
    indexes = Indexes()
    indexes.connect({"store": StoredRecords(idle, offline, *workers, *reservations), "routing": routing, "offers": offers,
                     "timers": timers})
    indexes.set_available("WS1", "WK3", True)  # what memory said before: the store decides
    indexes.hold("WK2", "WR9")
    indexes.rebuild()
    assert list(indexes.available_in("WS1")) == ["WK2"]
    assert indexes.held("WK1") == {"WR1", "WR3"} and not indexes.held("WK2")
    assert routing.calls == [("forget_heaps",)] and offers.calls == [("forget_direct",)]
    assert timers.calls == [("rebuild_timers",)]


def test_after_a_rollback_the_records_it_put_back_are_indexed_as_stored_and_those_it_undid_not_at_all():
    idle, offline = (SimpleNamespace(KIND="activity", sid=sid, available=free) for sid, free in (("WA1", True), ("WA2", False)))

    def worker(sid: str, activity: str) -> SimpleNamespace:
        return SimpleNamespace(KIND="worker", sid=sid, workspace_sid="WS1", activity_sid=activity)

    def reservation(sid: str, status: str) -> SimpleNamespace:
        return SimpleNamespace(KIND="reservation", sid=sid, worker_sid="WK1", task_sid="WT1", reservation_status=status)

    back_idle, back_offline, undone_idle = worker("WK1", "WA1"), worker("WK2", "WA2"), worker("WK3", "WA1")
    back_held, back_rejected, undone_offer = reservation("WR1", "accepted"), reservation("WR2", "rejected"), reservation("WR3", "pending")
    task, undone_task = (SimpleNamespace(KIND="task", sid=sid) for sid in ("WT1", "WT2"))
    queue = SimpleNamespace(KIND="task_queue", sid="WQ1")
    routing, offers = Heard(), Heard()
    indexes = Indexes()
    indexes.connect({"store": StoredRecords(idle, offline, back_idle, back_offline, back_held, back_rejected, task, queue),
                     "routing": routing, "offers": offers, "timers": Heard()})
    for sid in ("WK2", "WK3"):  # what the undone change had made of them
        indexes.set_available("WS1", sid, True)
    for sid in ("WR2", "WR3"):
        indexes.hold("WK1", sid)
    indexes.rederive([back_idle, back_offline, undone_idle, back_held, back_rejected, undone_offer, task, undone_task, queue])
    assert list(indexes.available_in("WS1")) == ["WK1"]
    assert indexes.held("WK1") == {"WR1"}
    assert routing.calls == [("need_workers", task), ("rebuild_queue_heap", "WQ1")]
    assert offers.calls == [("wait_for_worker_again", task)]
