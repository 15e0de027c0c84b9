"""The event bridge's push latency: a worker's activity changed by REST → the frame on that worker's socket.

Measured with 1, 10 and 100 workers connected at once (each with its own socket), so the figure shows
what every other connected page costs a change.
"""

from __future__ import annotations

import json
import statistics
import threading
import time

import requests
import simple_websocket
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import TaskRouterGrant

from trkit.mock import MockServer


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


def push_latency(connected: int, changes: int) -> dict:
    with MockServer() as mock:
        engine = mock.engine
        ws = engine.configuration.create_workspace("Bridge").sid
        activities = {a.friendly_name: a.sid for a in engine.configuration.list_activities(ws)}
        idle = engine.configuration.create_activity(ws, "Idle", True).sid
        workers = [engine.workers.create_worker(ws, f"W{n}", activity_sid=activities["Offline"]).sid for n in range(connected)]
        key = engine.keys.create_api_key("bench")
        arrived: dict[str, list[float]] = {sid: [] for sid in workers}
        sockets = []
        for sid in workers:
            token = AccessToken(mock.account_sid, key.sid, key.secret, identity=sid, ttl=3600)
            token.add_grant(TaskRouterGrant(workspace_sid=ws, worker_sid=sid, role="worker"))
            client = simple_websocket.Client.connect(mock.base_url.replace("http", "ws") + f"/v1/wschannels?token={token.to_jwt()}")
            client.receive(timeout=10)  # init
            sockets.append(client)

        def listen(sid: str, client) -> None:
            while True:
                try:
                    text = client.receive(timeout=30)
                except simple_websocket.ConnectionClosed:
                    return
                if text and text.strip() and json.loads(text)["event_type"] == "worker.activity.update":
                    arrived[sid].append(time.perf_counter())

        threads = [threading.Thread(target=listen, args=(sid, c), daemon=True) for sid, c in zip(workers, sockets, strict=True)]
        for thread in threads:
            thread.start()
        session = requests.Session()
        session.trust_env = False
        auth = (mock.account_sid, mock.auth_token)
        latencies = []
        for n in range(changes):
            sid = workers[n % connected]
            before = len(arrived[sid])
            activity = idle if (n // connected) % 2 == 0 else activities["Offline"]
            started = time.perf_counter()
            session.post(f"{mock.base_url}/v1/Workspaces/{ws}/Workers/{sid}", data={"ActivitySid": activity}, auth=auth, timeout=10)
            deadline = started + 5
            while len(arrived[sid]) == before and time.perf_counter() < deadline:
                time.sleep(0.0002)
            if len(arrived[sid]) > before:
                latencies.append((arrived[sid][before] - started) * 1000)
        for client in sockets:
            client.close()
    return {"connected": connected, "changes": changes, "p50_ms": _percentile(latencies, 0.5),
            "p99_ms": _percentile(latencies, 0.99), "mean_ms": round(statistics.mean(latencies), 2), "delivered": len(latencies)}


def bridge_latency(changes: int) -> dict:
    runs = [push_latency(n, changes) for n in (1, 10, 100)]
    return {"runs": runs, "p50_100_vs_1": round(runs[-1]["p50_ms"] / runs[0]["p50_ms"], 2)}
