"""The mutation score of the last `./run mutants`, with the equivalent mutants set aside.

    python tests/mutation_report.py [--list]

Reads `mutmut results --all true`; mutants named in tests/equivalent_mutants.txt (one per line,
name then a reason after '#') are left out of the score, because no test could tell them from
the original. Prints the score per file and, with --list, every mutant that survived.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
EQUIVALENT = HERE / "equivalent_mutants.txt"


def equivalent_mutants() -> dict[str, str]:
    found = {}
    for line in EQUIVALENT.read_text().splitlines() if EQUIVALENT.exists() else []:
        name, _, reason = line.partition("#")
        if name.strip():
            found[name.strip()] = reason.strip()
    return found


def results() -> dict[str, str]:
    output = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], capture_output=True, text=True,
                            cwd=HERE.parent, check=True).stdout
    return {m.group(1): m.group(2) for m in re.finditer(r"^\s*(\S+__mutmut_\d+): (.+)$", output, re.M)}


def module_of(name: str) -> str:
    return name.split(".x_")[0].split(".xǁ")[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tests/mutation_report.py")
    parser.add_argument("--list", action="store_true", help="list the surviving mutants")
    options = parser.parse_args(argv)
    equivalent = equivalent_mutants()
    by_module: dict[str, Counter] = defaultdict(Counter)
    survivors = []
    for name, status in results().items():
        if name in equivalent:
            by_module[module_of(name)]["equivalent"] += 1
            continue
        by_module[module_of(name)][status] += 1
        if status != "killed":
            survivors.append((name, status))
    total = Counter()
    for module, counts in sorted(by_module.items()):
        total.update(counts)
        print(f"{module:<32} {score_line(counts)}")
    print(f"{'all':<32} {score_line(total)}")
    if options.list:
        for name, status in survivors:
            print(f"  {status:<10} {name}")
    return 0


def score_line(counts: Counter) -> str:
    scored = sum(n for status, n in counts.items() if status != "equivalent")
    killed = counts["killed"] + counts["timeout"]
    percent = 100 * killed / scored if scored else 100.0
    rest = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()) if status not in ("killed", "timeout"))
    return f"{percent:5.1f}% killed ({killed} of {scored})" + (f"; {rest}" if rest else "")


if __name__ == "__main__":
    raise SystemExit(main())
