"""Where a POST Tasks and a routing pass spend their time: a cProfile summary for the bench's output.

Requests go through the Flask test client (no sockets: what is left is the mock's own work, from the
WSGI call to the answer); a routing pass is one worker made available with tasks waiting, at the
engine. Time is grouped by area (Flask and Werkzeug, the API's parsing and rendering, the engine's
rules, the store, SQLite, JSON, the language) and the functions that cost most on their own are listed,
so the next person sees what is left to win.
"""

from __future__ import annotations

import base64
import cProfile
import json
import pstats
import statistics
import tempfile
import time
from pathlib import Path

from trkit.mock import MockServer

from .reference import bare_tasks_app, reference_mocks, tasks_endpoint

AREAS = (  # (what a path or built-in's name contains, the area), first match wins
    ("sqlite3", "SQLite"), ("orjson", "JSON"), ("json", "JSON"), ("zstandard", "compression"),
    ("trkit/mock/engine/store", "store (journal, rows, commit)"), ("trkit/mock/engine/records", "store (journal, rows, commit)"),
    ("trkit/mock/engine/codec", "store (journal, rows, commit)"), ("trkit/mock/engine/event_table", "store (journal, rows, commit)"),
    ("trkit/mock/engine", "engine rules"), ("trkit/mock/api", "API (parse, check, render)"), ("trkit/language", "language"),
    ("werkzeug", "Flask and Werkzeug"), ("flask", "Flask and Werkzeug"), ("threading", "locks and threads"),
)


def _area(filename: str, name: str) -> str:
    where = f"{filename} {name}"
    return next((area for needle, area in AREAS if needle in where), "other (Python, stdlib)")


def _summary(profile: cProfile.Profile, calls: int, top: int) -> dict:
    stats = pstats.Stats(profile).stats  # (file, line, function) -> (calls, primitive calls, tottime, cumtime, callers)
    total = sum(entry[2] for entry in stats.values())
    areas: dict[str, float] = {}
    for (filename, _, name), entry in stats.items():
        areas[_area(filename, name)] = areas.get(_area(filename, name), 0.0) + entry[2]
    heaviest = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)[:top]
    return {
        "us_per_call": round(1e6 * total / calls, 1),
        "areas": {area: round(share / total, 3) for area, share in sorted(areas.items(), key=lambda item: -item[1])},
        "functions": [{"function": f"{Path(filename).name}:{line} {name}", "share": round(entry[2] / total, 3)}
                      for (filename, line, name), entry in heaviest],
    }


def _poster(mock: MockServer):
    """``post(i)``: one POST Tasks through Flask's test client, to a workspace of its own on ``mock`` (warmed)."""
    web = mock.app.test_client()
    url, workflow, (account, token) = tasks_endpoint(mock)
    path = url.removeprefix(mock.base_url)
    auth = {"Authorization": "Basic " + base64.b64encode(f"{account}:{token}".encode()).decode()}

    def post(i: int) -> None:
        answer = web.post(path, data={"Attributes": json.dumps({"n": i}), "WorkflowSid": workflow}, headers=auth)
        assert answer.status_code == 201, answer.get_data(as_text=True)

    for i in range(100):  # warm: parse caches, first rows
        post(i)
    return post


def post_profile(posts: int = 1000, top: int = 8) -> dict:
    with tempfile.TemporaryDirectory() as tmp, MockServer(db_path=str(Path(tmp) / "profile.sqlite3")) as mock:
        post = _poster(mock)
        profile = cProfile.Profile()
        profile.enable()
        for i in range(posts):
            post(i)
        profile.disable()
    return _summary(profile, posts, top)


def post_parts(posts: int = 500, rounds: int = 8) -> dict:
    """A POST Tasks's own work, part by part, in microseconds: without sockets or the profiler, on one thread, the
    variants taking turns for ``rounds`` rounds (medians): the bare endpoint (the form parsed, a fixed answer); the mock
    writing nothing down (no state file, no events made); the same making its events (as for a subscriber) but storing
    nothing; the mock as it is, its state file on disk."""
    bare_web = bare_tasks_app(b"{}" * 682).test_client()  # as long as a task's answer

    def bare_call(i: int) -> None:
        bare_web.post("/v1/Workspaces/WS0/Tasks", data={"Attributes": json.dumps({"n": i}), "WorkflowSid": "WW0"})

    with reference_mocks() as (stored, unwritten, recorded):
        calls = {"bare": bare_call, "unwritten": _poster(unwritten), "recorded": _poster(recorded), "stored": _poster(stored)}
        spent: dict[str, list[float]] = {name: [] for name in calls}
        for _ in range(rounds):
            for name, call in calls.items():
                started = time.perf_counter()
                for i in range(posts):
                    call(i)
                spent[name].append(1e6 * (time.perf_counter() - started) / posts)
    us = {name: statistics.median(values) for name, values in spent.items()}
    return {"bare_us": round(us["bare"], 1), "mock_without_events_or_storage_us": round(us["unwritten"] - us["bare"], 1),
            "making_events_us": round(us["recorded"] - us["unwritten"], 1), "storing_us": round(us["stored"] - us["recorded"], 1),
            "posts": posts, "rounds": rounds}


def parts_line(found: dict) -> str:
    return (f"POST Tasks part by part (no sockets, no profiler, one thread, {found['rounds']} interleaved rounds): the bare endpoint "
            f"{found['bare_us']} us; beyond it, the mock writing nothing down {found['mock_without_events_or_storage_us']} us, "
            f"making its events {found['making_events_us']} us, storing the task and its events {found['storing_us']} us")


def routing_profile(routings: int = 300, workers: int = 100, waiting: int = 1000, top: int = 8) -> dict:
    with MockServer() as mock:
        engine = mock.engine
        ws = engine.configuration.create_workspace("Profile", multi_task_enabled=False).sid
        idle = engine.configuration.create_activity(ws, "Idle", True).sid
        busy = engine.configuration.create_activity(ws, "Busy", False).sid
        queue = engine.queues.create_task_queue(ws, "All", "1==1", assignment_activity_sid=busy).sid
        config = json.dumps({"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": queue}]}]}})
        workflow = engine.queues.create_workflow(ws, "Flow", config, task_reservation_timeout=86400).sid
        staff = [engine.workers.create_worker(ws, f"W{i}").sid for i in range(workers)]
        for i in range(routings + waiting):
            engine.tasks.create_task(ws, attributes=json.dumps({"n": i}), workflow_sid=workflow, timeout=1_209_600)
        profile = cProfile.Profile()
        for i in range(routings):
            worker = staff[i % workers]
            for res in engine.reservations.list_reservations(ws, worker_sid=worker, reservation_status="pending"):
                engine.tasks.update_task(ws, res.task_sid, assignment_status="canceled", reason="profile")
            engine.workers.update_worker(ws, worker, activity_sid=busy)
            profile.enable()
            engine.workers.update_worker(ws, worker, activity_sid=idle)  # free: routing reserves her a task
            profile.disable()
    return _summary(profile, routings, top)


def lines(name: str, found: dict) -> list[str]:
    """The summary as the bench prints it."""
    areas = ", ".join(f"{area} {share:.0%}" for area, share in found["areas"].items() if share >= 0.01)
    heaviest = "; ".join(f"{f['function']} {f['share']:.0%}" for f in found["functions"])
    return [f"{name}: {found['us_per_call']} us of profiled work each — {areas}", f"  heaviest on their own: {heaviest}"]
