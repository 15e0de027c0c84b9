"""The store's costs beside another commit's, in one run: ``python -m bench.versus REF [--large N]``.

A change to how the state is kept (its format, its indexes) must not cost more than it did. This
checks REF out into a temporary worktree and measures the store there and here in turns (REF, here,
REF, here), each in a fresh process with its own code, so both see the same machine at the same time;
it prints the median of each figure for both.
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


def measure(tree: Path, large: int, repeats: int) -> dict:
    code = ("import json; from bench.store import store_costs; "
            f"print(json.dumps(store_costs(large={large}, small=100, repeats={repeats})))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True, text=True, check=True, timeout=1800)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return {**found, **found["at_large"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.versus")
    parser.add_argument("ref", help="the commit to compare with, e.g. HEAD~1")
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        other = Path(tmp) / "other"
        subprocess.run(["git", "worktree", "add", "--detach", str(other), options.ref], cwd=ROOT, check=True, capture_output=True)
        try:
            runs: dict[str, list[dict]] = {"ref": [], "here": []}
            for _ in range(options.rounds):
                runs["ref"].append(measure(other, options.large, options.repeats))
                runs["here"].append(measure(ROOT, options.large, options.repeats))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, check=True, capture_output=True)
    print(f"| at {options.large:,} tasks | {options.ref} | this tree |")
    print("|---|---|---|")
    for key, label in FIGURES:
        ref, here = (statistics.median(run[key] for run in runs[side]) for side in ("ref", "here"))
        print(f"| {label} | {ref:g} | {here:g} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
