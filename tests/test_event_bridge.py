"""The worker SDK's event bridge at protocol level (https://www.twilio.com/docs/taskrouter/js-sdk): tokens minted with
the twilio library and checked by the mock, the HTTP channel answering in the SDK's representation with
CORS, and the WebSocket channel's init, heartbeats and pushed events in order."""

from __future__ import annotations

import json
import time

import pytest
import requests
import simple_websocket
from helpers import build_tutorial_workspace, wait_until
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import TaskRouterGrant
from twilio.jwt.taskrouter.capabilities import WorkerCapabilityToken

WORKER_KEYS = {"account_sid", "activity_name", "activity_sid", "attributes", "available", "date_created", "date_status_changed",
               "date_updated", "friendly_name", "sid", "workspace_sid", "version"}  # the v2 SDK's WorkerProperties
RESERVATION_KEYS = {"account_sid", "date_created", "date_updated", "reservation_status", "sid", "task", "reservation_timeout",
                    "worker_sid", "workspace_sid", "version"}
TASK_KEYS = {"addons", "age", "attributes", "date_created", "date_updated", "priority", "queue_name", "queue_sid", "reason",
             "routing_target", "sid", "assignment_status", "task_channel_unique_name", "task_channel_sid", "timeout",
             "workflow_name", "workflow_sid", "version", "virtual_start_time"}


@pytest.fixture
def desk(mock):
    mock.app.config["TRKIT_BRIDGE_HEARTBEAT"] = 0.3
    client = mock.client()
    tw = build_tutorial_workspace(client)
    key = client.new_keys.create(friendly_name="agent page")
    return tw, key


class SocketClient(simple_websocket.Client):
    """simple_websocket's client, keeping the frames that arrive with the handshake's answer: the bridge sends
    ``init`` at once, and the stock client leaves a frame read with the handshake unread until more data comes
    (15 s later, at the next heartbeat), where a browser's WebSocket delivers it."""

    def handshake(self):
        super().handshake()
        self._handle_events()


def access_token(mock, tw, key, worker: str = "Alice", ttl: int = 3600) -> str:
    token = AccessToken(mock.account_sid, key.sid, key.secret, identity=worker.lower(), ttl=ttl)
    token.add_grant(TaskRouterGrant(workspace_sid=tw.sid, worker_sid=tw.workers[worker], role="worker"))
    return token.to_jwt()


def post(mock, body: dict, path: str = "/v1/wschannels") -> requests.Response:
    return requests.post(mock.base_url + path, data=json.dumps(body), timeout=10,
                         headers={"Content-Type": "text/plain;charset=UTF-8", "Origin": "http://127.0.0.1:1"})


def test_the_http_channel_answers_the_sdk_in_its_own_shape(mock, desk):
    tw, key = desk
    token = access_token(mock, tw, key)
    reply = post(mock, {"url": f"Workspaces/{tw.sid}/Workers/{tw.workers['Alice']}", "method": "GET", "token": token})
    assert reply.status_code == 200 and reply.headers["Access-Control-Allow-Origin"] == "*"
    worker = reply.json()["payload"]
    assert WORKER_KEYS <= set(worker) and worker["friendly_name"] == "Alice"
    assert isinstance(worker["date_created"], int)  # epoch seconds, as the v2 SDK reads dates
    activities = post(mock, {"url": f"Workspaces/{tw.sid}/Activities", "method": "GET", "params": {"PageSize": 1000},
                             "token": token}).json()["payload"]
    assert {"contents", "after_sid"} <= set(activities)
    assert "Idle" in {a["friendly_name"] for a in activities["contents"]}


def test_the_preflight_allows_the_sdks_headers(mock, desk):
    reply = requests.options(mock.base_url + "/v1/wschannels", timeout=10, headers={
        "Origin": "http://127.0.0.1:1", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "apiversion,clientversion,if-match,content-type"})
    assert reply.status_code == 200
    allowed = reply.headers["Access-Control-Allow-Headers"].lower()
    assert all(h in allowed for h in ("apiversion", "clientversion", "if-match", "content-type"))


def test_a_forged_an_expired_or_a_strangers_token_is_refused(mock, desk):
    tw, key = desk
    url = f"Workspaces/{tw.sid}/Workers/{tw.workers['Alice']}"
    forged = AccessToken(mock.account_sid, key.sid, "not-the-secret", identity="alice")
    forged.add_grant(TaskRouterGrant(workspace_sid=tw.sid, worker_sid=tw.workers["Alice"], role="worker"))
    reply = post(mock, {"url": url, "method": "GET", "token": forged.to_jwt()})
    assert reply.status_code == 401 and "signature" in reply.json()["message"]
    short = access_token(mock, tw, key, ttl=60)
    mock.control().advance(61)  # the mock's clock decides when a token expires
    reply = post(mock, {"url": url, "method": "GET", "token": short})
    assert reply.status_code == 401 and reply.json()["code"] == 20104
    bob = access_token(mock, tw, key, worker="Bob")
    reply = post(mock, {"url": url, "method": "GET", "token": bob})
    assert reply.status_code == 403  # Bob's token does not reach Alice


def test_the_socket_pushes_init_heartbeats_and_a_whole_lifecycle_in_order(mock, desk):
    tw, key = desk
    token = access_token(mock, tw, key)
    ws = SocketClient.connect(mock.base_url.replace("http", "ws") + f"/v1/wschannels?token={token}&closeExistingSessions=true")
    try:
        init = json.loads(ws.receive(timeout=5))
        assert init["event_type"] == "init" and init["payload"]["channel_id"] == tw.workers["Alice"]
        assert init["payload"]["token_lifetime"] > 3_500_000  # milliseconds
        assert ws.receive(timeout=5).strip() == ""  # a heartbeat
        tw.set_activity("Alice", "Idle")  # by REST: the page hears of it
        task = tw.create_task("es")
        (reservation,) = tw.reservations(task.sid)
        post(mock, {"url": f"Workspaces/{tw.sid}/Workers/{tw.workers['Alice']}/Reservations/{reservation.sid}", "method": "POST",
                    "params": {"ReservationStatus": "accepted"}, "token": token})
        tw.api.tasks(task.sid).update(assignment_status="completed", reason="done")
        frames = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "task.completed" not in [f["event_type"] for f in frames]:
            text = ws.receive(timeout=5)
            if text and text.strip():
                frames.append(json.loads(text))
    finally:
        ws.close()
    types = [f["event_type"] for f in frames]
    assert types[0] == "worker.activity.update" and frames[0]["payload"]["activity_name"] == "Idle"
    assert types.index("reservation.created") < types.index("reservation.accepted") < types.index("reservation.completed")
    assert types.index("reservation.accepted") < types.index("task.completed")
    created = frames[types.index("reservation.created")]["payload"]
    assert RESERVATION_KEYS <= set(created) and TASK_KEYS <= set(created["task"])
    assert created["task"]["queue_name"] == "Customer Care Requests - Spanish"


def test_a_second_session_coexists_and_close_existing_sessions_closes_the_others(mock, desk):
    tw, key = desk
    token = access_token(mock, tw, key)
    base = mock.base_url.replace("http", "ws") + f"/v1/wschannels?token={token}"
    first = SocketClient.connect(base)
    second = SocketClient.connect(base)
    try:
        assert json.loads(first.receive(timeout=5))["event_type"] == "init"
        assert json.loads(second.receive(timeout=5))["event_type"] == "init"
        tw.set_activity("Alice", "Idle")
        for session in (first, second):  # both pages hear of it
            frame = ""
            while not frame.strip():
                frame = session.receive(timeout=5)
            assert json.loads(frame)["event_type"] == "worker.activity.update"
        third = SocketClient.connect(base + "&closeExistingSessions=true")
        assert json.loads(third.receive(timeout=5))["event_type"] == "init"
        for session in (first, second):
            with pytest.raises(simple_websocket.ConnectionClosed):
                while True:
                    session.receive(timeout=5)
        third.close()
    finally:
        for session in (first, second):
            if session.connected:
                session.close()


def test_the_quickstart_pages_v1_token_and_channel(mock, desk):
    tw, _ = desk
    capability = WorkerCapabilityToken(mock.account_sid, mock.auth_token, tw.sid, tw.workers["Alice"])
    capability.allow_update_activities()
    capability.allow_update_reservations()
    token = capability.to_jwt()
    channel = f"/v1/wschannels/{mock.account_sid}/{tw.workers['Alice']}"
    reply = post(mock, {"url": f"https://taskrouter.twilio.com/v1/Workspaces/{tw.sid}/Workers/{tw.workers['Alice']}",
                        "method": "GET", "token": token, "event_type": "ready"}, path=channel)
    assert reply.status_code == 200
    body = reply.json()
    assert body["event_type"] == "ready" and body["payload"]["sid"] == tw.workers["Alice"]  # v1 gets the REST shape
    updated = post(mock, {"url": f"https://taskrouter.twilio.com/v1/Workspaces/{tw.sid}/Workers/{tw.workers['Alice']}",
                          "method": "POST", "params": {"ActivitySid": tw.activities["Idle"]}, "token": token}, path=channel)
    assert updated.json()["payload"]["activity_name"] == "Idle"


def test_a_worker_whose_socket_closes_goes_offline_when_the_sdk_asks(mock, desk):
    tw, key = desk
    tw.set_activity("Alice", "Idle")
    token = access_token(mock, tw, key)
    ws = SocketClient.connect(mock.base_url.replace("http", "ws") +
                                         f"/v1/wschannels?token={token}&setWorkerOfflineIfDisconnected=true")
    assert json.loads(ws.receive(timeout=5))["event_type"] == "init"
    ws.close()
    wait_until(lambda: tw.api.workers(tw.workers["Alice"]).fetch().activity_name == "Offline", 5, "Alice Offline")


def test_every_route_the_v2_sdk_uses_is_answered(mock, desk):
    """The v2 SDK (https://twilio.github.io/twilio-taskrouter.js/): worker, activities, worker channels, reservations (apiVersion v2, Active=true), a reservation
    update on the worker path, task fetch and completion."""
    tw, key = desk
    token = access_token(mock, tw, key)
    ws, wk = tw.sid, tw.workers["Alice"]
    channels = post(mock, {"url": f"Workspaces/{ws}/Workers/{wk}/WorkerChannels", "method": "GET", "token": token}).json()
    assert {"account_sid", "assigned_tasks", "available", "configured_capacity", "task_channel_unique_name", "worker_sid",
            "last_reserved_time"} <= set(channels["payload"]["contents"][0])
    tw.set_activity("Alice", "Idle")
    task = tw.create_task("es")
    (reservation,) = tw.reservations(task.sid)
    active = post(mock, {"url": f"Workspaces/{ws}/Workers/{wk}/Reservations", "method": "GET", "params": {"Active": "true"},
                         "token": token}).json()["payload"]["contents"]
    assert [r["sid"] for r in active] == [reservation.sid] and active[0]["task"]["sid"] == task.sid
    accepted = post(mock, {"url": f"Workspaces/{ws}/Workers/{wk}/Reservations/{reservation.sid}", "method": "POST",
                           "params": {"ReservationStatus": "accepted"}, "token": token}).json()["payload"]
    assert accepted["reservation_status"] == "accepted"
    fetched = post(mock, {"url": f"Workspaces/{ws}/Tasks/{task.sid}", "method": "GET", "token": token}).json()["payload"]
    assert TASK_KEYS <= set(fetched) and fetched["assignment_status"] == "assigned"
    done = post(mock, {"url": f"Workspaces/{ws}/Tasks/{task.sid}", "method": "POST",
                       "params": {"AssignmentStatus": "completed", "Reason": "done on the page"}, "token": token}).json()["payload"]
    assert done["assignment_status"] == "completed" and done["reason"] == "done on the page"


def test_a_refused_rest_request_reads_as_taskrouters_own_message(mock, desk):
    tw, key = desk
    token = access_token(mock, tw, key)
    reply = post(mock, {"url": f"Workspaces/{tw.sid}/Workers/{tw.workers['Alice']}", "method": "POST",
                        "params": {"ActivitySid": "WA" + "0" * 32}, "token": token})
    assert reply.status_code == 400 and "ActivitySid" in reply.json()["message"]
    other_task = tw.create_task("en")  # not Alice's: her token does not reach it
    reply = post(mock, {"url": f"Workspaces/{tw.sid}/Tasks/{other_task.sid}", "method": "GET", "token": token})
    assert reply.status_code == 403


def test_every_route_the_v1_sdk_uses_is_answered_within_its_tokens_policies(mock, desk):
    """The v1 SDK (https://www.twilio.com/docs/taskrouter/js-sdk-v1/workspace/worker): ready (the worker), pending reservations, the task and its reservation, accept on the task path."""
    tw, _ = desk
    ws, wk = tw.sid, tw.workers["Alice"]
    capability = WorkerCapabilityToken(mock.account_sid, mock.auth_token, ws, wk)
    capability.allow_update_activities()
    capability.allow_update_reservations()
    token = capability.to_jwt()
    channel = f"/v1/wschannels/{mock.account_sid}/{wk}"
    base = f"https://taskrouter.twilio.com/v1/Workspaces/{ws}"
    tw.set_activity("Alice", "Idle")
    task = tw.create_task("es")
    pending = post(mock, {"url": f"{base}/Workers/{wk}/Reservations", "method": "GET", "params": {"ReservationStatus": "pending"},
                          "token": token}, path=channel).json()["payload"]
    (reservation,) = pending["reservations"]
    assert post(mock, {"url": f"{base}/Tasks/{task.sid}", "method": "GET", "token": token}, path=channel).status_code == 200
    accepted = post(mock, {"url": f"{base}/Tasks/{task.sid}/Reservations/{reservation['sid']}", "method": "POST",
                           "params": {"ReservationStatus": "accepted"}, "token": token}, path=channel).json()["payload"]
    assert accepted["reservation_status"] == "accepted"
    # a token without allow_update_activities may read the worker but not change its activity
    reader = WorkerCapabilityToken(mock.account_sid, mock.auth_token, ws, wk).to_jwt()
    refused = post(mock, {"url": f"{base}/Workers/{wk}", "method": "POST", "params": {"ActivitySid": tw.activities["Offline"]},
                          "token": reader}, path=channel)
    assert refused.status_code == 403
    assert post(mock, {"url": f"{base}/Workers/{wk}", "method": "GET", "token": reader}, path=channel).status_code == 200


def _client_token(account: str, tw, key, minted: int, ttl: int) -> str:
    """A token as the twilio library mints one at client time ``minted`` (its jti ends with it), without nbf."""
    import jwt

    claims = {"jti": f"{key.sid}-{minted}", "iss": key.sid, "sub": account,
              "exp": minted + ttl, "grants": {"identity": "alice", "task_router": {
                  "workspace_sid": tw.sid, "worker_sid": tw.workers["Alice"], "role": "worker"}}}
    return jwt.encode(claims, key.secret, algorithm="HS256", headers={"cty": "twilio-fpa;v=1"})


def test_a_token_minted_after_an_advance_is_accepted_by_a_mock_restarted_on_the_same_file(tmp_path):
    """The clock's advances are kept with its offset: a mock restarted on its state still reads a token minted
    on the client's clock after two hours' advance as fresh, and one minted before it as expired."""
    from trkit.mock.server import MockServer

    db = str(tmp_path / "state.sqlite3")
    with MockServer(db_path=db) as first:
        client = first.client()
        tw = build_tutorial_workspace(client)
        key = client.new_keys.create(friendly_name="agent page")
        wall = int(time.time())
        first.control().advance(7200)
    with MockServer(db_path=db) as second:
        before = _client_token(second.account_sid, tw, key, wall - 5, ttl=3600)
        after = _client_token(second.account_sid, tw, key, wall + 2, ttl=3600)  # minted in a second after the advance's
        url = f"Workspaces/{tw.sid}/Workers/{tw.workers['Alice']}"
        assert post(second, {"url": url, "method": "GET", "token": after}).status_code == 200
        assert post(second, {"url": url, "method": "GET", "token": before}).json()["code"] == 20104


@pytest.mark.parametrize(("query", "after"), [("", "Offline"), ("&setWorkerOfflineIfDisconnected=true", "Offline"),
                                              ("&setWorkerOfflineIfDisconnected=false", "Idle")])
def test_a_closed_socket_is_noticed_at_once_and_the_sdks_default_sets_the_worker_offline(mock, desk, query, after):
    """The SDK's WorkerOptions: setWorkerOfflineIfDisconnected "Defaults to true" (WorkerOptions, https://twilio.github.io/twilio-taskrouter.js/global.html),
    and the SDK sends it only when the page sets it. The socket's close is noticed when it closes (within a second),
    not at the next heartbeat (15 s)."""
    mock.app.config["TRKIT_BRIDGE_HEARTBEAT"] = 15.0  # the real interval: the close must not wait for a heartbeat
    tw, key = desk
    tw.set_activity("Alice", "Idle")
    ws = SocketClient.connect(mock.base_url.replace("http", "ws") +
                                         f"/v1/wschannels?token={access_token(mock, tw, key)}{query}")
    assert json.loads(ws.receive(timeout=5))["event_type"] == "init"
    ws.close()
    # well inside the 15 s heartbeat, and room for a busy machine
    wait_until(lambda: tw.api.workers(tw.workers["Alice"]).fetch().activity_name == after, 5, f"Alice {after}")
    time.sleep(0.3 if after == "Idle" else 0)  # staying Idle: give a wrong move the time to happen
    assert tw.api.workers(tw.workers["Alice"]).fetch().activity_name == after
