"""Measure the mock against the limits of its own stack; print a table and write JSON.

    python -m bench [--quick] [--json bench/results.json]

Every comparison is measured side by side in the same run on the same machine.
These are benchmark figures with targets beside them, not pass/fail tests.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from flask import Flask, Response, request

from trkit.mock import MockServer, mock_client
from trkit.mock.serving import keep_alive_server

from .bridge import bridge_latency
from .fixtures import fixture_cost
from .profile import lines as profile_lines
from .profile import parts_line, post_parts, post_profile, routing_profile
from .reference import bare_tasks_app, reference_mocks, tasks_endpoint
from .scale import drain
from .simulation import simulation_speed
from .site import site_build
from .store import steady_month, store_costs
from .voice import call_cost
from .wallboard import wallboard_cost

ROOT = Path(__file__).resolve().parent.parent
logging.getLogger("werkzeug").setLevel(logging.ERROR)


def _serve(app) -> tuple[object, str]:
    server = keep_alive_server("127.0.0.1", 0, app)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def _hammer(make_call, total: int, concurrency: int) -> float:
    """Requests per second for ``total`` calls spread over ``concurrency`` client threads."""
    per_thread = total // concurrency

    def worker(index: int) -> None:
        session = requests.Session()
        session.trust_env = False
        call = make_call(session)
        for i in range(per_thread):
            call(index * per_thread + i)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    return per_thread * concurrency / (time.perf_counter() - started)


# ------------------------------------------------------------------ 1. REST
def _posting(url: str, workflow_sid: str, auth: tuple[str, str], created: list[str] | None = None):
    """For ``_hammer``: POST Tasks to ``url`` (noting the new SIDs in ``created``)."""
    def make(session):
        def call(i):
            response = session.post(url, data={"Attributes": json.dumps({"n": i}), "WorkflowSid": workflow_sid}, auth=auth, timeout=30)
            if created is not None:
                created.append(response.json()["sid"])
        return call
    return make


def _getting(url: str, created: list[str], auth: tuple[str, str]):
    """For ``_hammer``: GET the tasks ``created`` (in turn) under the Tasks ``url``."""
    def make(session):
        def call(i):
            session.get(f"{url}/{created[i % len(created)]}", auth=auth, timeout=30).raise_for_status()
        return call
    return make


def rest_throughput(total: int, concurrency: int, rounds: int = 5) -> dict:
    """The mock's POST and GET beside a bare endpoint answering the same requests; and, as references, POST on a mock
    that writes nothing down (no state file, no event log): what the rest of the mock costs; and on one that records
    its events (as for a subscriber, the event bridge) but stores nothing: what the event log's records cost to make."""
    with reference_mocks() as (mock, unwritten, recorded):
        tasks_url, workflow, auth = tasks_endpoint(mock)
        body = requests.post(tasks_url, data={"Attributes": '{"n": 0}', "WorkflowSid": workflow}, auth=auth, timeout=10).content
        created: list[str] = []
        # the bare endpoint answers at the mock's own paths: the client sends both the same requests (the same
        # request line, form and credentials), so what the mock costs beyond it is the mock's own work
        server, bare_url = _serve(bare_tasks_app(body))
        bare_tasks_url = tasks_url.replace(mock.base_url, bare_url)
        calls = {"mock_post_rps": _posting(tasks_url, workflow, auth, created), "bare_post_rps": _posting(bare_tasks_url, workflow, auth),
                 "unwritten_post_rps": _posting(*tasks_endpoint(unwritten)), "recorded_post_rps": _posting(*tasks_endpoint(recorded)),
                 "mock_get_rps": _getting(tasks_url, created, auth),
                 "bare_get_rps": _getting(bare_tasks_url, created, auth)}
        try:
            # interleaved rounds: the mocks and the bare endpoint take turns, so a slow moment of the machine
            # falls on all; each figure is the median of its rounds and each ratio the median of the rounds' ratios
            per_round = total // rounds
            measured: dict[str, list[float]] = {name: [] for name in calls}
            for _ in range(rounds):
                for name, call in calls.items():
                    measured[name].append(_hammer(call, per_round, concurrency))
        finally:
            server.shutdown()
    results = {name: round(statistics.median(values), 1) for name, values in measured.items()}
    for kind, served, bare in (("post", "mock_post_rps", "bare_post_rps"), ("get", "mock_get_rps", "bare_get_rps"),
                               ("unwritten_post", "unwritten_post_rps", "bare_post_rps"), ("recorded_post", "recorded_post_rps", "bare_post_rps")):
        ratios = [m / b for m, b in zip(measured[served], measured[bare], strict=True)]
        results[f"{kind}_ratio"] = round(statistics.median(ratios), 3)
        results[f"{kind}_ratio_rounds"] = [round(r, 3) for r in ratios]
    results["post_budget"] = post_budget(measured, target=0.85)
    results.update({"requests": per_round * rounds, "rounds": rounds, "concurrency": concurrency, "body_bytes": len(body)})
    return results


def post_budget(measured: dict[str, list[float]], target: float) -> dict:
    """What a POST may take beyond the bare endpoint's for ``target``, beside what the mock takes without storing
    anything (its events made) and what storing takes, each in parts of a bare request's time (1/rate) and round by
    round, so that the machine's pace, which drifts between rounds, cancels. The rounds are too noisy to part the
    events from the rest (some 60 µs of about 1.4 ms): the profile's ``post_parts`` does that without sockets."""
    bare = measured["bare_post_rps"]
    unstored = [b / r for b, r in zip(bare, measured["recorded_post_rps"], strict=True)]  # a request's time over bare's
    stored = [b / m for b, m in zip(bare, measured["mock_post_rps"], strict=True)]
    return {"target": target, "allowed": round(1 / target - 1, 3),
            "without_storing": round(statistics.median(u - 1 for u in unstored), 3),
            "storing": round(statistics.median(m - u for m, u in zip(stored, unstored, strict=True)), 3),
            "storing_rounds": [round(m - u, 3) for m, u in zip(stored, unstored, strict=True)],
            "bare_request_us": round(1e6 / statistics.median(bare), 1)}


# -------------------------------------------------------- 2. routing latency
def routing_latency(routings: int, workers: int, waiting: int, over_socket: bool = False, rounds: int = 1) -> dict:
    """``over_socket``: the twilio library reaches the mock over loopback, as the kit reaches its mock in another
    process; else as ``trkit.testing`` and ``MockServer.client()`` reach a mock in their own process (handed to its app).
    With several ``rounds`` (each a fresh mock), each figure is the median of the rounds' figures: a slow moment of the
    machine spoils one round, not the figure."""
    measured = [_routing_round(routings, workers, waiting, over_socket) for _ in range(rounds)]
    figures = {name: round(statistics.median(m[name] for m in measured), 2) for name in measured[0] if name.endswith("_ms")}
    return {**measured[0], **figures, "rounds": rounds, "p50_ms_rounds": [m["p50_ms"] for m in measured],
            "p99_ms_rounds": [m["p99_ms"] for m in measured]}


def _routing_round(routings: int, workers: int, waiting: int, over_socket: bool) -> dict:
    arrivals: dict[str, float] = {}
    arrived = threading.Condition()
    listener = Flask("listener")

    @listener.route("/assignment", methods=["POST"])
    def assignment():
        with arrived:
            arrivals[request.form["WorkerSid"]] = time.perf_counter()
            arrived.notify_all()
        return Response('{"instruction": "accept"}', 200, mimetype="application/json")

    server, listener_url = _serve(listener)
    latencies, from_receipt = [], []
    received: list[float] = []  # when the mock's app was handed each request (Flask's wsgi_app middleware hook)
    with tempfile.TemporaryDirectory() as tmp, MockServer(db_path=str(Path(tmp) / "bench.sqlite3")) as mock:
        answering = mock.app.wsgi_app

        def noting(environ, start_response):
            received.append(time.perf_counter())
            return answering(environ, start_response)

        mock.app.wsgi_app = noting
        client = mock_client(mock.base_url, mock.account_sid, mock.auth_token) if over_socket else mock.client()
        ws = client.taskrouter.v1.workspaces.create(friendly_name="Latency", multi_task_enabled=False)
        api = client.taskrouter.v1.workspaces(ws.sid)
        idle = api.activities.create(friendly_name="Idle", available=True).sid
        busy = api.activities.create(friendly_name="Busy", available=False).sid
        queue = api.task_queues.create(friendly_name="All", target_workers="1==1", assignment_activity_sid=busy).sid
        config = json.dumps({"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": queue}]}]}})
        workflow = api.workflows.create(friendly_name="Flow", configuration=config, assignment_callback_url=listener_url + "/assignment",
                                        task_reservation_timeout=86400).sid
        staff = [api.workers.create(friendly_name=f"W{i}").sid for i in range(workers)]
        for i in range(routings + waiting):
            api.tasks.create(attributes=json.dumps({"n": i}), workflow_sid=workflow, timeout=1_209_600)
        holding: dict[str, str] = {}
        for i in range(routings):
            worker = staff[i % workers]
            if worker in holding:
                api.tasks(holding.pop(worker)).update(assignment_status="completed", reason="bench")
            with arrived:
                arrivals.pop(worker, None)
            started = time.perf_counter()
            api.workers(worker).update(activity_sid=idle)
            with arrived:
                arrived.wait_for(lambda w=worker: w in arrivals, timeout=10)
                latencies.append(arrivals[worker] - started)
                from_receipt.append(arrivals[worker] - next(t for t in received if t >= started))
            received.clear()
            holding[worker] = api.workers(worker).reservations.list(reservation_status="accepted")[0].task_sid
    server.shutdown()
    ms = sorted(v * 1000 for v in latencies)
    inside = sorted(v * 1000 for v in from_receipt)
    # the whole: the twilio library sending the change, the mock routing, its callback reaching the server; and the
    # mock's part alone: from its app being handed the change to the callback received
    return {"routings": routings, "workers": workers, "waiting_tasks": waiting,
            "p50_ms": round(statistics.median(ms), 2), "p99_ms": round(ms[int(0.99 * (len(ms) - 1))], 2), "max_ms": round(ms[-1], 2),
            "from_receipt_p50_ms": round(statistics.median(inside), 2), "from_receipt_p99_ms": round(inside[int(0.99 * (len(inside) - 1))], 2)}


# ------------------------------------------------------------------- 3. scale
def scale(sizes: list[tuple[int, int]]) -> dict:
    rows = [drain(t, w) for t, w in sizes]
    base = rows[0]["us_per_reservation"]
    for row in rows:
        row["cost_vs_smallest"] = round(row["us_per_reservation"] / base, 2)
    return {"runs": rows}


# --------------------------------------------------------------- 4. notebooks
# one kernel per notebook, each running an empty cell and stopped at once, as nbval starts and stops them: what
# nbval cannot avoid. (nbclient's NotebookClient, used here before, stops each kernel gracefully and waits: it
# took twice as long per kernel, 1.38 against 0.67 s, and so made a floor that nbval itself beat)
# The same with the kit's first cell instead of an empty one gives the kit's own floor: every notebook starts by
# importing the kit and connecting (pandas, the twilio library, Flask for the callback server), whatever it then teaches.
FLOOR_SCRIPT = (
    "import sys\n"
    "from jupyter_client.manager import start_new_kernel\n"
    "for _ in range(int(sys.argv[1])):\n"
    "    manager, client = start_new_kernel(kernel_name='python3')\n"
    "    reply = client.execute_interactive(sys.argv[2], timeout=60)\n"
    "    assert reply['content']['status'] == 'ok', reply['content']\n"
    "    client.stop_channels()\n"
    "    manager.shutdown_kernel(now=True)\n"
)
KIT_FIRST_CELL = "import trkit\nkit = trkit.connect()"
DURATION = re.compile(r"^([0-9.]+)s (setup|call|teardown)\s+notebooks/(\S+?\.ipynb)::", re.MULTILINE)


def notebooks(rounds: int = 3) -> dict:
    """nbval over every notebook beside the kernel floor, in interleaved rounds (medians: the machine's slow
    moments fall on both), and where nbval's time goes: each notebook's cells, apart from its kernel."""
    env = {**os.environ}
    env.pop("TWILIO_ACCOUNT_SID", None)
    env.pop("TWILIO_AUTH_TOKEN", None)
    books = sorted((ROOT / "notebooks").glob("*.ipynb"))
    nbval, floor, kit_floor, collect, passed, ok, cells = [], [], [], [], 0, True, defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        env["TRKIT_HOME"] = str(Path(tmp) / "home")
        # warm the shared mock first, as a learner's first notebook would
        subprocess.run([sys.executable, "-m", "trkit", "mock", "start"], env=env, capture_output=True, timeout=60)
        for _ in range(rounds):
            started = time.perf_counter()
            run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=0", "--durations-min=0",
                                  *map(str, books)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
            nbval.append(time.perf_counter() - started)
            ok = ok and run.returncode == 0
            count = re.search(r"(\d+) passed", run.stdout)
            passed = int(count.group(1)) if count else 0
            spent: dict[str, float] = defaultdict(float)
            for seconds, phase, book in DURATION.findall(run.stdout):
                spent[book if phase == "call" else "kernels"] += float(seconds)
            for name, seconds in spent.items():
                cells[name].append(seconds)
            started = time.perf_counter()  # pytest's start and nbval's collection, no kernel: also before any cell
            subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--collect-only", *map(str, books)],
                           cwd=ROOT, env=env, capture_output=True, timeout=300, check=True)
            collect.append(time.perf_counter() - started)
            for first_cell, times in (("", floor), (KIT_FIRST_CELL, kit_floor)):
                started = time.perf_counter()
                subprocess.run([sys.executable, "-c", FLOOR_SCRIPT, str(len(books)), first_cell], env=env, capture_output=True,
                               timeout=600, check=True)
                times.append(time.perf_counter() - started)
        subprocess.run([sys.executable, "-m", "trkit", "mock", "stop"], env=env, capture_output=True, timeout=60)
    ratios = [n / f for n, f in zip(nbval, floor, strict=True)]
    kit_ratios = [k / f for k, f in zip(kit_floor, floor, strict=True)]
    least_ratios = [(k + c) / f for k, c, f in zip(kit_floor, collect, floor, strict=True)]
    return {"notebooks": len(books), "rounds": rounds, "nbval_seconds": round(statistics.median(nbval), 2),
            "floor_seconds": round(statistics.median(floor), 2), "ratio": round(statistics.median(ratios), 2),
            "ratio_rounds": [round(r, 2) for r in ratios], "cells_passed": passed, "nbval_ok": ok,
            # the kernels of the floor each running the kit's first cell instead of an empty one
            "kit_floor_seconds": round(statistics.median(kit_floor), 2), "kit_floor_ratio": round(statistics.median(kit_ratios), 2),
            "kit_floor_ratio_rounds": [round(r, 2) for r in kit_ratios],
            # and with pytest's start and collection beside them: what nbval over these notebooks cannot go below
            "collect_seconds": round(statistics.median(collect), 2), "least_ratio": round(statistics.median(least_ratios), 2),
            # medians over the rounds: "kernels" is every notebook's kernel started and stopped (setup and teardown),
            # each notebook the time its own cells ran
            "seconds_by_part": {name: round(statistics.median(values), 2) for name, values in sorted(cells.items())}}


# ---------------------------------------------------------------- 5. startup
def serving_during_callback(samples: int) -> dict:
    """GET latency while an assignment callback is held open by its endpoint, against the same GET idle."""
    release = threading.Event()
    arrived = threading.Event()
    app = Flask("held")

    @app.post("/assignment")
    def held():
        arrived.set()
        release.wait(60)
        return Response("{}", 200, mimetype="application/json")

    server, listener_url = _serve(app)
    with MockServer(assignment_timeout=60.0) as mock:
        client = mock.client()
        ws = client.taskrouter.v1.workspaces.create(friendly_name="Held", multi_task_enabled=False)
        api = client.taskrouter.v1.workspaces(ws.sid)
        idle = api.activities.create(friendly_name="Idle", available=True).sid
        queue = api.task_queues.create(friendly_name="Q", target_workers="1==1").sid
        config = json.dumps({"task_routing": {"filters": [{"expression": "1==1", "targets": [{"queue": queue}]}]}})
        api.workflows.create(friendly_name="W", configuration=config, assignment_callback_url=listener_url + "/assignment")
        worker = api.workers.create(friendly_name="Kim").sid
        api.tasks.create(attributes="{}")
        session = requests.Session()
        session.trust_env = False
        auth = (mock.account_sid, mock.auth_token)

        def median_get_ms() -> float:
            times = []
            for _ in range(samples):
                started = time.perf_counter()
                session.get(f"{mock.base_url}/v1/Workspaces/{ws.sid}", auth=auth, timeout=30).raise_for_status()
                times.append((time.perf_counter() - started) * 1000)
            return statistics.median(times)

        idle_ms = median_get_ms()
        other = threading.Thread(target=lambda: api.workers(worker).update(activity_sid=idle))
        other.start()
        arrived.wait(30)
        held_ms = median_get_ms()
        release.set()
        other.join(60)
    server.shutdown()
    return {"idle_ms": round(idle_ms, 2), "held_ms": round(held_ms, 2), "ratio": round(held_ms / idle_ms, 2), "samples": samples}


def startup(repeats: int = 3) -> dict:
    from trkit.mock.server import DEFAULT_ACCOUNT_SID, new_auth_token

    env, token = {**os.environ}, new_auth_token()
    imports, mocks = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import trkit"], env=env, check=True, timeout=60)
        imports.append(time.perf_counter() - started)
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "trkit.mock", "--port", "0"], stdout=subprocess.PIPE, text=True,
                                env={**env, "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": token})
        url = re.search(r"(http://[\d.]+:\d+)", proc.stdout.readline()).group(1)
        requests.get(url + "/v1/Workspaces", auth=(DEFAULT_ACCOUNT_SID, token), timeout=10).raise_for_status()
        mocks.append(time.perf_counter() - started)
        proc.terminate()
        proc.wait(timeout=10)
    return {"import_trkit_s": round(min(imports), 3), "mock_cold_start_s": round(min(mocks), 3), "repeats": repeats}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--json", default=str(ROOT / "bench" / "results.json"))
    options = parser.parse_args(argv)
    quick = options.quick
    results = {
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "rest": rest_throughput(total=400 if quick else 3000, concurrency=4, rounds=2 if quick else 5),
        "routing": routing_latency(routings=100 if quick else 1000, workers=100, waiting=100 if quick else 1000, rounds=1 if quick else 3),
        "routing_over_socket": routing_latency(routings=100 if quick else 1000, workers=100, waiting=100 if quick else 1000,
                                               over_socket=True, rounds=1 if quick else 3),
        "scale": scale([(100, 10), (1000, 100)] if quick else [(100, 10), (1000, 10), (1000, 100), (10000, 100), (10000, 1000)]),
        "during_callback": serving_during_callback(samples=50 if quick else 300),
        "notebooks": notebooks(rounds=1 if quick else 3),
        "startup": startup(),
        "store": store_costs(large=10_000 if quick else 100_000, small=100, repeats=100 if quick else 300),
        "month": steady_month(days=33 if quick else 40, every_seconds=3600 if quick else 300),
        "voice": call_cost(repeats=20 if quick else 100),
        "bridge": bridge_latency(changes=50 if quick else 200),
        "fixtures": fixture_cost(tests=20 if quick else 150, rounds=1 if quick else 3, comparable_tests=10 if quick else 40),
        "wallboard": wallboard_cost(repeats=10 if quick else 50),
        "simulation": simulation_speed(hours=2 if quick else 8),
        "site": site_build(),
        "profile": {"post": post_profile(posts=200 if quick else 1000), "post_parts": post_parts(posts=100 if quick else 500, rounds=2 if quick else 8),
                    "routing": routing_profile(routings=50 if quick else 300, waiting=100 if quick else 1000)},
    }
    rows = [
        ("REST POST Tasks vs bare Flask", f"{results['rest']['mock_post_rps']} vs {results['rest']['bare_post_rps']} req/s = {results['rest']['post_ratio']:.0%}",
         ">= 85%", results["rest"]["post_ratio"] >= 0.85),
        ("  for reference: REST POST Tasks on a mock that writes nothing down (no state file, no event log) vs bare Flask",
         f"{results['rest']['unwritten_post_rps']} vs {results['rest']['bare_post_rps']} req/s = {results['rest']['unwritten_post_ratio']:.0%}",
         "", None),
        ("  for reference: REST POST Tasks on a mock that makes its events but stores nothing (no state file) vs bare Flask",
         f"{results['rest']['recorded_post_rps']} vs {results['rest']['bare_post_rps']} req/s = {results['rest']['recorded_post_ratio']:.0%}",
         "", None),
        ("  a POST's time beyond a bare request's, in parts of that: allowed for 85% / the mock storing nothing / storing (rounds)",
         " / ".join(f"{results['rest']['post_budget'][k]:.2f}" for k in ("allowed", "without_storing", "storing"))
         + " (" + " / ".join(f"{x:.2f}" for x in results["rest"]["post_budget"]["storing_rounds"]) + ")", "", None),
        ("REST GET Tasks/{sid} vs bare Flask", f"{results['rest']['mock_get_rps']} vs {results['rest']['bare_get_rps']} req/s = {results['rest']['get_ratio']:.0%}",
         ">= 95%", results["rest"]["get_ratio"] >= 0.95),
        ("routing latency p50 (median of the rounds')", f"{results['routing']['p50_ms']} ms (rounds: "
         + " / ".join(map(str, results["routing"]["p50_ms_rounds"])) + ")", "<= 1 ms", results["routing"]["p50_ms"] <= 1),
        ("routing latency p99 (median of the rounds')", f"{results['routing']['p99_ms']} ms (rounds: "
         + " / ".join(map(str, results["routing"]["p99_ms_rounds"])) + ")", "<= 3 ms", results["routing"]["p99_ms"] <= 3),
        ("routing latency from the mock receiving the change, p50 / p99",
         f"{results['routing']['from_receipt_p50_ms']} / {results['routing']['from_receipt_p99_ms']} ms", "", None),
        ("routing latency with the change sent over loopback (as the kit's mock in its own process), p50 / p99",
         f"{results['routing_over_socket']['p50_ms']} / {results['routing_over_socket']['p99_ms']} ms", "", None),
    ]
    held = results["during_callback"]
    rows.append(("GET while a callback is held open vs idle", f"{held['held_ms']} vs {held['idle_ms']} ms = x{held['ratio']}",
                 "<= x2", held["ratio"] <= 2))
    for run in results["scale"]["runs"]:
        rows.append((f"drain {run['tasks']} tasks x {run['workers']} workers",
                     f"{run['reservations_per_s']} res/s, {run['us_per_reservation']} us/res (x{run['cost_vs_smallest']})",
                     ">= 2000 res/s at 10000x1000" if (run["tasks"], run["workers"]) == (10000, 1000) else "",
                     run["reservations_per_s"] >= 2000 if (run["tasks"], run["workers"]) == (10000, 1000) else None))
    biggest = [r for r in results["scale"]["runs"] if r["tasks"] == max(x["tasks"] for x in results["scale"]["runs"])]
    growth = max(r["cost_vs_smallest"] for r in biggest)
    rows.append(("cost per reservation, largest vs 100 tasks", f"x{growth}", "<= x2", growth <= 2))
    nb = results["notebooks"]
    rows.append(("notebooks under nbval vs kernel-start floor", f"{nb['nbval_seconds']} s vs {nb['floor_seconds']} s = x{nb['ratio']}",
                 "<= x1.5", nb["ratio"] <= 1.5 and nb["nbval_ok"]))
    rows.append(("  for reference: the same kernels each running only the kit's first cell (import trkit, connect) vs the floor",
                 f"{nb['kit_floor_seconds']} s vs {nb['floor_seconds']} s = x{nb['kit_floor_ratio']}", "", None))
    rows.append(("  for reference: those kernels plus pytest starting and collecting the notebooks (nbval's least) vs the floor",
                 f"{nb['kit_floor_seconds']} + {nb['collect_seconds']} s vs {nb['floor_seconds']} s = x{nb['least_ratio']}", "", None))
    parts = nb["seconds_by_part"]
    heaviest = sorted((name for name in parts if name != "kernels"), key=parts.get, reverse=True)[:3]
    rows.append(("  of which: kernels started and stopped / cells (heaviest)",
                 f"{parts.get('kernels', 0)} s / {round(sum(v for k, v in parts.items() if k != 'kernels'), 2)} s ("
                 + ", ".join(f"{name[:2]} {parts[name]} s" for name in heaviest) + ")", "", None))
    st = results["startup"]
    rows.append(("import trkit", f"{st['import_trkit_s']} s", "< 1 s", st["import_trkit_s"] < 1))
    rows.append(("cold mock start to first answer", f"{st['mock_cold_start_s']} s", "< 1 s", st["mock_cold_start_s"] < 1))
    store = results["store"]
    big = f"{store['large']:,}"
    rows.append((f"refused vs accepted POST Tasks at {big} tasks", f"{store['at_large']['refused_ms']} vs {store['at_large']['accepted_ms']} ms"
                 f" = x{store['refused_vs_accepted']}", "<= x2", store["refused_vs_accepted"] <= 2))
    rows.append((f"GET Tasks/{{sid}} at {big} vs {store['small']} tasks", f"{store['at_large']['fetch_ms']} vs {store['at_small']['fetch_ms']} ms"
                 f" = x{store['fetch_large_vs_small']}", "<= x2", store["fetch_large_vs_small"] <= 2))
    rows.append((f"GET Tasks page of 50 at {big} vs {store['small']} tasks", f"{store['at_large']['page_ms']} vs {store['at_small']['page_ms']} ms"
                 f" = x{store['page_large_vs_small']}", "<= x2", store["page_large_vs_small"] <= 2))
    rows.append(("memory per stored task vs its attributes", f"{store['memory_per_task_bytes']} vs {store['attribute_bytes']} bytes"
                 f" = x{store['memory_vs_attributes']}", "", None))
    rows.append(("disk per stored task vs its attributes", f"{store['disk_per_task_bytes']} vs {store['attribute_bytes']} bytes"
                 f" = x{store['disk_vs_attributes']}", "", None))
    month = results["month"]
    sizes = month["sizes"]
    rows.append((f"events stored after {month['days']} days vs 31 days ({month['tasks_per_day']} tasks/day)",
                 f"{sizes[month['days']]['events']} vs {sizes[31]['events']} = x{month['end_vs_day_31']}", "<= x1.05 (bounded)",
                 month["end_vs_day_31"] <= 1.05))
    voice = results["voice"]
    rows.append(("one phone call (dial, key, enqueue, dequeue, answer, hang up) vs a task lifecycle",
                 f"{voice['call_ms']} vs {voice['lifecycle_ms']} ms = x{voice['ratio']}", "<= x3", voice["ratio"] <= 3))
    bridge = results["bridge"]
    for run in bridge["runs"]:
        rows.append((f"event bridge push (REST change → frame), {run['connected']} worker(s) connected",
                     f"p50 {run['p50_ms']} ms, p99 {run['p99_ms']} ms", "", None))
    rows.append(("push p50 with 100 workers connected vs 1", f"x{bridge['p50_100_vs_1']}", "<= x2", bridge["p50_100_vs_1"] <= 2))
    fx = results["fixtures"]
    rows.append(("pytest: per test with taskrouter (fresh mock) / shared_taskrouter (reset) / no fixture",
                 f"{fx['fresh_ms']} / {fx['shared_ms']} / {fx['none_ms']} ms", "fresh <= 15 ms, shared <= 3 ms",
                 fx["fresh_ms"] <= 15 and fx["shared_ms"] <= 3))
    rows.append(("a comparable test on a fresh double: trkit `taskrouter` (workspace, task, fetch) vs moto `mock_aws` (SQS queue, send, receive)",
                 f"{fx['trkit_three_calls_ms']} vs {fx['moto_three_calls_ms']} ms = x{fx['trkit_vs_moto']}", "<= x1.5", fx["trkit_vs_moto"] <= 1.5))
    wb = results["wallboard"]
    rows.append(("wallboard refresh (2 statistics reads), 2q×2w / 10q×100w / 50q×1000w",
                 " / ".join(f"{r['refresh_ms']} ms" for r in wb["runs"]) + f" (x{wb['largest_vs_smallest']})", "<= x3",
                 wb["largest_vs_smallest"] <= 3))
    sim = results["simulation"]
    rows.append((f"trkit.simulate: {sim['calls']:,} calls, {sim['agents']} agents", f"{sim['seconds']} s, {sim['calls_per_s']} calls/s",
                 ">= 2000 calls/s, a day <= 10 s", sim["calls_per_s"] >= 2000 and sim["seconds"] <= 10))
    rows.append(("trkit.simulate vs a pure SimPy M/M/c of the same day", f"{sim['seconds']} vs {sim['simpy_seconds']} s = x{sim['vs_simpy']}",
                 "<= x10", sim["vs_simpy"] <= 10))
    rows.append(("trkit.simulate, a day vs a week (10 agents): records the mock holds at the end",
                 f"{sim['day_held_records']} vs {sim['week_held_records']}", "bounded", sim["week_held_records"] <= 2 * sim["day_held_records"]))
    rows.append(("trkit.simulate peak memory, a day vs a week (the result keeps a row per call)",
                 f"{sim['day_peak_mb']} vs {sim['week_peak_mb']} MB", "", None))
    site = results["site"]
    rows.append((f"./run site: {site['pages']} pages, not executed", f"{site['seconds']} s, heaviest page {site['heaviest_mb']} MB"
                 f" ({site['heaviest_page']})", "<= 60 s, <= 2 MB", site["seconds"] <= 60 and site["heaviest_mb"] <= 2 and not site["problems"]))
    results["table"] = [{"measure": m, "figure": f, "target": t, "met": ok} for m, f, t, ok in rows]
    width = max(len(m) for m, *_ in rows)
    print(f"machine: {results['machine']}")
    for measure, figure, target, ok in rows:
        mark = "" if ok is None else ("met" if ok else "NOT MET")
        print(f"{measure:<{width}}  {figure:<55} {target:<28} {mark}")
    print("where the time goes (cProfile, the mock's own work):")
    for line in profile_lines("POST Tasks", results["profile"]["post"]) + profile_lines("a routing pass", results["profile"]["routing"]):
        print(line)
    print(parts_line(results["profile"]["post_parts"]))
    Path(options.json).write_text(json.dumps(results, indent=2))
    print(f"written {options.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
