"""A bounded load on loopback, then the concurrency invariants checked from REST state and Events.

    python -m bench.load --clients 50 --seconds 60

Each client mixes task creation, worker activity flips, accepts and completions
for a fixed time; afterwards nothing may be double-assigned, lost, or left with
two final states, and no request may have failed with a 5xx.
"""

from __future__ import annotations

import argparse
import json
import random
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import requests

from trkit.mock import MockServer

FINAL = {"reservation.rejected": "rejected", "reservation.timeout": "timeout", "reservation.canceled": "canceled",
         "reservation.rescinded": "rescinded", "reservation.completed": "completed"}


class Client:
    def __init__(self, base: str, auth: tuple[str, str], ws: str) -> None:
        self.session = requests.Session()
        self.session.trust_env = False
        self.base = f"{base}/v1/Workspaces/{ws}"
        self.auth = auth
        self.statuses: Counter = Counter()

    def call(self, method: str, path: str, data: dict | None = None) -> requests.Response:
        response = self.session.request(method, self.base + path, data=data, auth=self.auth, timeout=60)
        self.statuses[response.status_code] += 1
        return response


def run_load(clients: int = 50, seconds: float | None = 60.0, workers: int = 20, seed: int = 7, db_path: str = ":memory:",
             operations: int | None = None) -> dict:
    """Run the load against a fresh in-process mock and return the counts and the invariant report.

    Each client runs for ``seconds`` or, when ``operations`` is given, for that many operations
    (a bound by count, not by time: what the tests use, so that the machine's speed does not matter).
    """
    with MockServer(db_path=db_path) as mock:
        twilio = mock.client()
        ws = twilio.taskrouter.v1.workspaces.create(friendly_name="Load", multi_task_enabled=False)
        api = twilio.taskrouter.v1.workspaces(ws.sid)
        idle = api.activities.create(friendly_name="Idle", available=True).sid
        offline = [a.sid for a in api.activities.list(friendly_name="Offline")][0]
        busy = api.activities.create(friendly_name="Busy", available=False).sid
        reserved = api.activities.create(friendly_name="Reserved", available=False).sid
        queues = {lang: api.task_queues.create(friendly_name=lang, target_workers=f'languages HAS "{lang}"',
                                               reservation_activity_sid=reserved, assignment_activity_sid=busy).sid for lang in ("en", "es")}
        config = {"task_routing": {"filters": [{"expression": f'lang == "{lang}"', "targets": [{"queue": q}]} for lang, q in queues.items()]}}
        workflow = api.workflows.create(friendly_name="Flow", configuration=json.dumps(config), task_reservation_timeout=3600).sid
        staff = [api.workers.create(friendly_name=f"W{i}", attributes=json.dumps({"languages": ["en", "es"] if i % 2 else ["en"]})).sid
                 for i in range(workers)]
        auth = (mock.account_sid, mock.auth_token)
        created: list[str] = []
        lock = threading.Lock()
        deadline = time.monotonic() + seconds if operations is None else float("inf")
        totals: Counter = Counter()

        def client_loop(index: int) -> Counter:
            rng = random.Random(seed * 1000 + index)
            client = Client(mock.base_url, auth, ws.sid)
            done = 0
            while time.monotonic() < deadline and (operations is None or done < operations):
                done += 1
                roll = rng.random()
                if roll < 0.35:
                    response = client.call("POST", "/Tasks", {"Attributes": json.dumps({"lang": rng.choice(["en", "es"])}), "WorkflowSid": workflow})
                    if response.status_code == 201:
                        with lock:
                            created.append(response.json()["sid"])
                elif roll < 0.65:
                    client.call("POST", f"/Workers/{rng.choice(staff)}", {"ActivitySid": rng.choice([idle, idle, offline])})
                elif roll < 0.9:
                    worker = rng.choice(staff)
                    pending = client.call("GET", f"/Workers/{worker}/Reservations?ReservationStatus=pending")
                    for reservation in pending.json().get("reservations", [])[:1]:
                        status = rng.choice(["accepted", "accepted", "rejected"])
                        client.call("POST", f"/Workers/{worker}/Reservations/{reservation['sid']}", {"ReservationStatus": status})
                else:
                    assigned = client.call("GET", "/Tasks?AssignmentStatus=assigned&PageSize=5")
                    for task in assigned.json().get("tasks", [])[:1]:
                        client.call("POST", f"/Tasks/{task['sid']}", {"AssignmentStatus": "completed", "Reason": "load"})
            return client.statuses

        started = time.monotonic()
        with ThreadPoolExecutor(clients) as pool:
            for statuses in pool.map(client_loop, range(clients)):
                totals.update(statuses)
        elapsed = time.monotonic() - started
        report = check_invariants(api, created, staff)
    requests_made = sum(totals.values())
    return {
        "clients": clients, "seconds": round(elapsed, 1), "requests": requests_made, "requests_per_s": round(requests_made / elapsed, 1),
        "statuses": {str(k): v for k, v in sorted(totals.items())}, "server_errors": sum(v for k, v in totals.items() if k >= 500),
        "tasks_created": len(created), **report,
    }


def check_invariants(api, created: list[str], staff: list[str]) -> dict:
    problems: list[str] = []
    tasks = {t.sid: t for t in api.tasks.list(page_size=1000)}
    lost = [sid for sid in created if sid not in tasks]
    if lost:
        problems.append(f"{len(lost)} acknowledged tasks are missing")
    reservations = []
    active_by_worker: Counter = Counter()
    for task in tasks.values():
        mine = api.tasks(task.sid).reservations.list(page_size=1000)
        reservations.extend(mine)
        won = [r for r in mine if r.reservation_status in ("accepted", "wrapping", "completed")]
        if len(won) > 1:
            problems.append(f"task {task.sid} has {len(won)} accepted reservations")
        if (task.assignment_status in ("assigned", "wrapping", "completed")) != (len(won) == 1):
            problems.append(f"task {task.sid} is {task.assignment_status} with {len(won)} accepted reservations")
        for r in mine:
            if r.reservation_status in ("pending", "accepted", "wrapping"):
                active_by_worker[r.worker_sid] += 1
    for worker, count in active_by_worker.items():
        if count > 1:
            problems.append(f"worker {worker} holds {count} active reservations")
    finals: dict[str, list[str]] = defaultdict(list)
    for event in api.events.list(minutes=60, page_size=1000):
        if event.event_type in FINAL:
            finals[event.resource_sid].append(FINAL[event.event_type])
    for reservation in reservations:
        ends = finals.get(reservation.sid, [])
        if len(ends) > 1:
            problems.append(f"reservation {reservation.sid} ended twice: {ends}")
        if reservation.reservation_status in FINAL.values() and ends != [reservation.reservation_status]:
            problems.append(f"reservation {reservation.sid} is {reservation.reservation_status} but its events say {ends}")
        if reservation.reservation_status not in FINAL.values() and reservation.reservation_status not in ("pending", "accepted", "wrapping"):
            problems.append(f"reservation {reservation.sid} has status {reservation.reservation_status}")
    statuses = Counter(r.reservation_status for r in reservations)
    return {"reservations": len(reservations), "reservation_statuses": dict(statuses),
            "task_statuses": dict(Counter(t.assignment_status for t in tasks.values())), "problems": problems}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    options = parser.parse_args(argv)
    report = run_load(options.clients, options.seconds)
    print(json.dumps(report, indent=2))
    return 0 if not report["problems"] and not report["server_errors"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
