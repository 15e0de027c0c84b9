"""The mock's control plane from Python: seed, reset, state, clock, callbacks."""

from __future__ import annotations

import pytest

from trkit.mock import MockServer
from trkit.mock.client import MockRefused


def make_some(client) -> list[str]:
    ws = client.taskrouter.v1.workspaces.create(friendly_name="Seeded")
    api = client.taskrouter.v1.workspaces(ws.sid)
    worker = api.workers.create(friendly_name="Alice")
    queue = api.task_queues.create(friendly_name="q", target_workers="1==1")
    return [ws.sid, worker.sid, queue.sid]


def test_seed_makes_the_same_script_give_the_same_sids():
    with MockServer() as mock:
        control, client = mock.control(), mock.client()
        control.seed(11)
        first = make_some(client)
        control.reset()
        control.seed(11)
        assert make_some(client) == first
        control.seed(12)
        assert not set(make_some(client)) & set(first)


def test_reset_forgets_everything_and_state_shows_it():
    with MockServer() as mock:
        control, client = mock.control(), mock.client()
        sids = make_some(client)
        state = control.state()
        dumped = str(state)
        assert all(sid in dumped for sid in sids)
        control.reset()
        assert client.taskrouter.v1.workspaces.list() == []
        assert not any(sid in str(control.state()) for sid in sids)


def test_clock_and_refusals():
    with MockServer() as mock:
        control = mock.control()
        before = control.clock()
        after = control.advance(3600)
        # the clock moved by what was asked (its offset), and real time only adds to that
        assert after["offset_seconds"] - before["offset_seconds"] == pytest.approx(3600, abs=0.5)
        assert after["epoch"] - before["epoch"] >= 3600
        assert control.callbacks() == []
        with pytest.raises(MockRefused, match="Advance") as refused:  # the mock's own typed error
            control.advance(-5)
        assert (refused.value.status, refused.value.code) == (400, 20001)
