"""The wallboard: TaskRouter's statistics as live charts, and a busy hour on the mock's clock to fill it."""

from __future__ import annotations

import pytest

from trkit.errors import KitError


def test_the_board_draws_tasks_by_status_and_workers_by_activity(kit):
    tutorial = kit.tutorial()
    board = kit.wallboard()
    try:
        board.close()
        tutorial.create_task("es")
        tutorial.create_task("en")
        drawn = board.refresh()
        # nobody is available: both tasks wait (real-time statistics count them by status)
        assert drawn["tasks"]["pending"] == 2 and drawn["workers"]["Offline"] == 2
        assert list(board.tasks_bars.x) == ["pending", "reserved", "assigned", "wrapping"]
        assert list(board.tasks_bars.y)[0] == 2
        assert list(board.workers_bars.y)[list(board.workers_bars.x).index("Offline")] == 2
    finally:
        board.close()


def test_a_busy_hour_fills_the_totals_and_the_longest_wait_climbs(kit):
    kit.tutorial()
    board = kit.wallboard(minutes=60)
    try:
        board.close()
        summary = kit.busy_hour(minutes=15, tasks_per_minute=2, board=board)
        assert summary["created"] == 30 and summary["completed"] > 0
        drawn = board.refresh()
        assert drawn["totals"]["completed"] == summary["completed"]  # cumulative statistics count what finished
        assert drawn["longest_wait"] >= 60  # two people cannot keep up with two tasks a minute
        waits = list(board.charts.wait_line.y)
        assert waits[-1] >= waits[0] and len(waits) >= 15
    finally:
        board.close()


def test_a_burst_of_callbacks_draws_the_board_once_after_it_and_not_if_it_was_drawn_meanwhile(kit, monkeypatch):
    import time

    from helpers import wait_until

    from trkit import wallboard

    kit.tutorial()
    board = kit.wallboard()  # polls every 5 s: longer than this test
    drawn: list[float] = []
    real_refresh = board.refresh

    def counted() -> dict:
        drawn.append(time.monotonic())
        return real_refresh()

    monkeypatch.setattr(board, "refresh", counted)
    try:
        for _ in range(20):  # the events of a few changes, arriving together
            board._redraw.poke(None)
        wait_until(lambda: drawn, what="the board's drawing")
        time.sleep(wallboard.SETTLE_SECONDS * 4)  # time for a second drawing, which must not come
        assert len(drawn) == 1
        board._redraw.poke(None)
        real_refresh()  # drawn meanwhile (a busy hour draws it every minute itself)
        time.sleep(wallboard.SETTLE_SECONDS * 4)
        assert len(drawn) == 1
    finally:
        board.close()


def test_a_busy_hour_is_for_the_mocks_clock_only(mock, monkeypatch, trkit_home):
    from helpers import connect_as_real_twilio

    kit = connect_as_real_twilio(mock, monkeypatch)
    kit.tutorial()
    with pytest.raises(KitError, match="on real Twilio, make the traffic yourself"):
        kit.busy_hour(minutes=1)


def test_the_dashboard_carries_the_wallboard_and_it_follows_the_state(kit):
    board = kit.dashboard()
    try:
        assert board.wallboard is None  # charts drawn in a hidden tab would get no size: made when the tab opens
        board.show_tab("Wallboard")
        assert board.wallboard in board.wallboard_box.children
        board.close()
        board.create_task("es")
        board.refresh()
        assert list(board.wallboard.tasks_bars.y)[0] == 1  # one task pending
        board.set_activity("Alice", "Idle")
        board.refresh()
        assert list(board.wallboard.tasks_bars.y)[:2] == [0, 1]  # now reserved
    finally:
        board.close()
