"""API fuzzing of the mock from Twilio's OpenAPI file, with schemathesis.

    python tests/fuzzing.py [--seed N|random] [--examples N] [--max-time S]    (what ./run fuzz runs)

Every operation gets a workspace of its own with everything its path names (activity, channel,
worker and worker channel, queues, workflow, task, reservation, event), and its path SIDs are
pinned to them, so requests get past 404 and a DELETE only ever removes its own operation's
objects. Callbacks never leave loopback: every URL the mock would post to is redirected to a
local receiver. Spec quirks are corrected in a copy of the spec, each with its reason below.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import random
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from helpers import build_tutorial_workspace  # noqa: E402
from spec import load_spec  # noqa: E402

from trkit.mock import MockServer  # noqa: E402
from trkit.mock.serving import keep_alive_server  # noqa: E402

ERROR_STATUSES = {"400": "Bad request", "401": "Authentication failed", "404": "Not found",
                  "405": "Method not allowed", "410": "Gone (a rescinded reservation)", "412": "Precondition failed"}


def fuzz_spec() -> dict:
    """Twilio's spec with its quirks corrected for fuzzing, each on purpose."""
    spec = copy.deepcopy(load_spec())
    schemas = spec["components"]["schemas"]
    # Quirk 1: the spec documents only success statuses, yet Twilio answers 400/401/404/405/410/412
    # with its error JSON. Documenting them (with that JSON's schema) keeps status-code and schema
    # checks on for every answer instead of turning them off.
    schemas["twilio_error"] = {
        "type": "object", "required": ["code", "message", "more_info", "status"], "additionalProperties": False,
        "properties": {"code": {"type": "integer"}, "message": {"type": "string"},
                       "more_info": {"type": "string", "format": "uri"}, "status": {"type": "integer"}},
    }
    for ops in spec["paths"].values():
        for method, op in ops.items():
            if isinstance(op, dict) and method in ("get", "post", "delete"):
                for status, text in ERROR_STATUSES.items():
                    op["responses"].setdefault(status, {"description": text, "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/twilio_error"}}}})
    # Quirk 2: the bulk queue statistics operation takes a JSON body {"QueueSids": [...]} that the
    # spec does not describe at all; describe it so the fuzzer sends bodies of that shape (and breaks them).
    bulk = spec["paths"]["/v1/Workspaces/{WorkspaceSid}/TaskQueues/RealTimeStatistics"]["post"]
    bulk["requestBody"] = {"content": {"application/json": {"schema": {
        "type": "object", "required": ["QueueSids"],
        "properties": {"QueueSids": {"type": "array", "minItems": 1, "maxItems": 50,
                                     "items": {"type": "string", "pattern": "^WQ[0-9a-fA-F]{32}$"}}}}}}}
    # Quirk 3: servers name taskrouter.twilio.com; the mock is reached at --url instead.
    spec["servers"] = [{"url": "/"}]
    for ops in spec["paths"].values():
        ops.pop("servers", None)
    return spec


class Receiver:
    """A loopback endpoint taking every callback the mock sends while it is fuzzed."""

    def __init__(self) -> None:
        from flask import Flask, Response

        self.count = 0
        app = Flask("fuzz-receiver")

        @app.route("/<path:anything>", methods=["GET", "POST"])
        def take(anything: str):
            self.count += 1
            return Response("{}", 200, mimetype="application/json")

        self._server = keep_alive_server("127.0.0.1", 0, app)
        self.url = f"http://127.0.0.1:{self._server.server_port}/callback"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()


def keep_callbacks_on_loopback(mock: MockServer, receiver: Receiver) -> None:
    """Whatever URL a fuzzed request set, the mock posts to the local receiver."""
    original = mock.dispatcher._post
    mock.dispatcher._post = lambda url, params, timeout: original(receiver.url, params, timeout)


def scene(mock: MockServer, receiver: Receiver) -> dict[str, str]:
    """One workspace holding an object of every kind a path can name."""
    client = mock.client()
    tw = build_tutorial_workspace(client, callback_url=receiver.url)
    api = tw.api
    api.update(event_callback_url=receiver.url)
    task = tw.create_task("es")
    tw.set_activity("Alice", "Idle")
    spare_queue = api.task_queues.create(friendly_name="Spare", target_workers="1==1").sid
    return {
        "ws": tw.sid, "worker": tw.workers["Alice"], "queue": tw.queues["es"], "spare_queue": spare_queue,
        "workflow": tw.workflow_sid, "task": task.sid, "reservation": tw.reservations(task.sid)[0].sid,
        "activity": api.activities.create(friendly_name="Spare", available=False).sid,
        "channel": api.task_channels.create(friendly_name="Spare", unique_name="spare").sid,
        "worker_channel": api.workers(tw.workers["Alice"]).worker_channels.list()[0].sid,
        "spare_workflow": api.workflows.create(friendly_name="Spare", configuration=json.dumps(
            {"task_routing": {"default_filter": {"queue": tw.queues["en"]}}})).sid,
        "event": api.events.list(limit=1)[0].sid,
    }


SID_FOR_PATH = [  # what {Sid} names, by the path's collection
    ("/Reservations/{Sid}", "reservation"), ("/Channels/{Sid}", "worker_channel"), ("/Activities/{Sid}", "activity"),
    ("/TaskChannels/{Sid}", "channel"), ("/TaskQueues/{Sid}", "spare_queue"), ("/Tasks/{Sid}", "task"),
    ("/Workers/{Sid}", "worker"), ("/Workflows/{Sid}", "spare_workflow"), ("/Events/{Sid}", "event"), ("/Workspaces/{Sid}", "ws"),
]
NAMED = {"WorkspaceSid": "ws", "WorkerSid": "worker", "TaskSid": "task", "TaskQueueSid": "queue", "WorkflowSid": "workflow"}


def pinned(path: str, ids: dict[str, str]) -> dict[str, str]:
    values = {name: ids[key] for name, key in NAMED.items() if "{" + name + "}" in path}
    if "{Sid}" in path:
        values["Sid"] = ids[next(key for suffix, key in SID_FOR_PATH if path.endswith(suffix))]
    return values


def scenes(spec: dict, mock: MockServer, receiver: Receiver) -> dict[str, dict[str, str]]:
    """A scene of its own for every operation, by label."""
    return {f"{method.upper()} {path}": scene(mock, receiver)
            for path, ops in spec["paths"].items() for method in ops if method in ("get", "post", "delete")}


def add_examples(spec: dict, by_label: dict[str, dict[str, str]]) -> None:
    """Quirk 4: the spec types JSON documents and SIDs as bare strings; give the form fields an
    example from the operation's own workspace, so the examples phase sends a write that can succeed."""
    for label, ids in by_label.items():
        method, path = label.split(" ", 1)
        body = spec["paths"][path][method.lower()].get("requestBody", {}).get("content", {})
        fields = body.get("application/x-www-form-urlencoded", {}).get("schema", {}).get("properties", {})
        examples = {
            "Attributes": '{"selected_language": "es", "priority": 1}',
            "Configuration": json.dumps({"task_routing": {"filters": [
                {"filter_friendly_name": "Spanish", "expression": 'selected_language == "es"', "targets": [{"queue": ids["queue"]}]}]}}),
            "WorkflowSid": ids["workflow"], "TaskQueueSid": ids["queue"], "ActivitySid": ids["activity"],
        }
        for name, example in examples.items():
            if name in fields:
                fields[name]["example"] = example


def config_toml(by_label: dict[str, dict[str, str]]) -> str:
    lines = []
    for label, ids in by_label.items():
        values = pinned(label.split(" ", 1)[1], ids)
        if values:
            # one filter (the operation's label): several include- keys would match any of them
            lines += ["[[operations]]", f'include-name = "{label}"',
                      "parameters = { " + ", ".join(f'"path.{k}" = "{v}"' for k, v in values.items()) + " }", ""]
    return "\n".join(lines)


CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def run(seed: int, examples: int, max_time: int | None = None, workdir: Path | None = None) -> dict:
    """Fuzz a fresh mock; returns the figures (and the schemathesis output)."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    workdir = Path(workdir or tempfile.mkdtemp(prefix="trkit-fuzz-"))
    receiver = Receiver()
    with MockServer() as mock:
        keep_callbacks_on_loopback(mock, receiver)
        spec = fuzz_spec()
        by_label = scenes(spec, mock, receiver)
        add_examples(spec, by_label)
        spec_path = workdir / "taskrouter-fuzz.json"
        spec_path.write_text(json.dumps(spec))
        config_path = workdir / "schemathesis.toml"
        config_path.write_text(config_toml(by_label))
        report = workdir / "events.ndjson"
        command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config_path), "run", str(spec_path),
                   "--url", mock.base_url, "--auth", f"{mock.account_sid}:{mock.auth_token}",
                   "--phases", "examples,coverage,fuzzing,stateful", "--checks", CHECKS,
                   "--seed", str(seed), "--max-examples", str(examples), "--request-timeout", "20", "--workers", "1",
                   "--suppress-health-check", "all", "--report", "ndjson", "--report-ndjson-path", str(report), "--no-color"]
        if max_time:
            command += ["--max-time", str(max_time)]
        finished = subprocess.run(command, capture_output=True, text=True, cwd=workdir, timeout=3600)
        figures = figures_from(report, finished.stdout)
    receiver.stop()
    figures.update({"seed": seed, "examples": examples, "exit_code": finished.returncode, "callbacks_received": receiver.count})
    figures["output"] = finished.stdout[-6000:] + finished.stderr[-2000:]
    return figures


def figures_from(report: Path, stdout: str) -> dict:
    """Requests sent, their statuses, operations answered with a 2xx, failed checks by name (ndjson events)."""
    statuses: Counter = Counter()
    ok_operations: set[str] = set()
    failures: Counter = Counter()
    for line in report.read_text().splitlines() if report.exists() else []:
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished["recorder"]
        for interaction in recorder.get("interactions", {}).values():
            status = (interaction.get("response") or {}).get("status_code")
            statuses[status] += 1
            # a 2xx counts for the operation only if it answered the operation's own method
            if status is not None and 200 <= status < 300 and recorder["label"].split(" ")[0] == interaction["request"]["method"]:
                ok_operations.add(recorder["label"])
        for results in recorder.get("checks", {}).values():
            for check in results:
                if check.get("status") == "failure":
                    failures[check["name"]] += 1
    return {"requests": sum(statuses.values()), "statuses": {str(k): v for k, v in sorted(statuses.items(), key=lambda kv: kv[0] or 0)},
            "server_errors": sum(n for s, n in statuses.items() if s and s >= 500), "operations_with_2xx": len(ok_operations),
            "failures": dict(failures), "summary": stdout[stdout.rfind("SUMMARY"):][:1500]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tests/fuzzing.py")
    parser.add_argument("--seed", default="random")
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--max-time", type=int, default=None)
    options = parser.parse_args(argv)
    seed = random.randrange(2**31) if options.seed == "random" else int(options.seed)
    figures = run(seed, options.examples, options.max_time)
    print(figures.pop("output"))
    print(json.dumps(figures, indent=2))
    return figures["exit_code"]


if __name__ == "__main__":
    raise SystemExit(main())
