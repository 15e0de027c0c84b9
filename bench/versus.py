"""This tree's costs beside another commit's, in one run: ``python -m bench.versus REF [--only store|engine]``.

A change to how the state is kept (its format, its indexes) or to how the engine is put together must
not cost more than it did. This checks REF out into a temporary worktree and measures there and here in
turns (REF, here, REF, here), each in a fresh process with its own code, so both see the same machine at
the same time; it prints the median of each figure for both. ``store``: memory, disk and latencies at a
large store; ``engine``: REST throughput beside a bare endpoint, routing latency, and the drain rate.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = (("memory_per_task_bytes", "memory per stored task, bytes"), ("disk_per_task_bytes", "disk per stored task, bytes"),
           ("refused_ms", "refused POST Tasks at the large size, ms"), ("page_ms", "a page of 50 tasks at the large size, ms"),
           ("fetch_ms", "GET Tasks/{sid} at the large size, ms"))
ENGINE_FIGURES = (("mock_post_rps", "POST Tasks, requests/s"), ("bare_post_rps", "the bare endpoint's POST, requests/s"),
                  ("post_ratio", "POST Tasks, share of a bare endpoint's rate"),
                  ("mock_get_rps", "GET Task, requests/s"), ("bare_get_rps", "the bare endpoint's GET, requests/s"),
                  ("get_ratio", "GET Task, share of a bare endpoint's rate"),
                  ("p50_ms", "routing p50, ms (100 workers, 1,000 waiting)"), ("p99_ms", "routing p99, ms"),
                  ("reservations_per_s", "drain 5,000 tasks x 500 workers, reservations/s"))
ENGINE_CODE = ("import json; from bench.run import rest_throughput, routing_latency; from bench.scale import drain; "
               "print(json.dumps({**rest_throughput(total=1500, concurrency=4), **routing_latency(routings=300, workers=100, waiting=1000), "
               "**drain(5000, 500)}))")


def measure(tree: Path, large: int, repeats: int, only: str) -> dict:
    found: dict = {}
    if only in ("store", "all"):
        code = ("import json; from bench.store import store_costs; "
                f"print(json.dumps(store_costs(large={large}, small=100, repeats={repeats})))")
        store = _run(tree, code)
        found.update({**store, **store["at_large"]})
    if only in ("engine", "all"):
        found.update(_run(tree, ENGINE_CODE))
    return found


def _run(tree: Path, code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True, text=True, check=True, timeout=1800)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.versus")
    parser.add_argument("ref", help="the commit to compare with, e.g. HEAD~1")
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", choices=("store", "engine", "all"), default="all")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "other"
        subprocess.run(["git", "worktree", "add", "--detach", str(other), options.ref], cwd=ROOT, check=True, capture_output=True)
        try:
            runs: dict[str, list[dict]] = {"ref": [], "here": []}
            for _ in range(options.rounds):
                runs["ref"].append(measure(other, options.large, options.repeats, options.only))
                runs["here"].append(measure(ROOT, options.large, options.repeats, options.only))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, check=True, capture_output=True)
    print(f"| median of {options.rounds} rounds | {options.ref} | this tree |")
    print("|---|---|---|")
    shown = {"store": FIGURES, "engine": ENGINE_FIGURES, "all": FIGURES + ENGINE_FIGURES}[options.only]
    for key, label in shown:
        ref, here = (statistics.median(run[key] for run in runs[side]) for side in ("ref", "here"))
        print(f"| {label} | {ref:g} | {here:g} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
