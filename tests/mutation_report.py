"""The mutation score of the last `./run mutants`, with the equivalent mutants set aside.

    python tests/mutation_report.py [--list] [--write docs/mutation.md]

Reads mutmut's results in-process (one interpreter for every mutant's diff, so that the report of
two thousand survivors takes seconds, not the half-second a `mutmut show` each); mutants named in tests/equivalent_mutants.txt (one per line,
name then a reason after '#') are left out of the score, because no test could tell them from
the original. Prints the score per file and, with --list, every mutant that survived.
"""

from __future__ import annotations

import argparse
import os
import re
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


def results() -> dict[str, tuple[str, Path]]:
    """Each mutant's status and the source file it mutates, as `mutmut results --all true` lists them."""
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.stats import status_by_exit_code
    from mutmut.utils.file_utils import walk_mutatable_files

    found = {}
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        found.update({name: (status_by_exit_code[code], path) for name, code in data.exit_code_by_key.items()})
    return found


def module_of(name: str) -> str:
    return name.split(".x_")[0].split(".xǁ")[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tests/mutation_report.py")
    parser.add_argument("--list", action="store_true", help="list the surviving mutants")
    parser.add_argument("--write", metavar="FILE", help="write the score and every surviving mutant's change as Markdown")
    options = parser.parse_args(argv)
    os.chdir(HERE.parent)  # mutmut reads its configuration and the mutants/ folder from the project's root
    equivalent = equivalent_mutants()
    by_module: dict[str, Counter] = defaultdict(Counter)
    survivors = []
    sql_cased = 0
    for name, (status, path) in results().items():
        change = change_of(name, path) if status not in ("killed", "timeout") and name not in equivalent else ""
        if name in equivalent or sql_case_only(change):
            by_module[module_of(name)]["equivalent"] += 1
            sql_cased += name not in equivalent
            continue
        by_module[module_of(name)][status] += 1
        if status not in ("killed", "timeout"):
            survivors.append((name, status, change))
    total = Counter()
    for module, counts in sorted(by_module.items()):
        total.update(counts)
        print(f"{module:<32} {score_line(counts)}")
    print(f"{'all':<32} {score_line(total)}")
    if options.list:
        for name, status, _ in survivors:
            print(f"  {status:<10} {name}")
    if options.write:
        Path(options.write).write_text(markdown(by_module, total, survivors, equivalent, sql_cased))
        print(f"written {options.write}")
    return 0


# SQLite reads keywords and names without regard to case ("SQL keywords are case-insensitive", and so are identifiers:
# https://www.sqlite.org/lang_keywords.html): a mutant that only changes their case in an SQL statement is the same
# statement. Quoted values ('table') are compared as they are: changing their case changes the statement.
SQL = re.compile(r"^\s*(SELECT|INSERT|DELETE|UPDATE|PRAGMA|CREATE|DROP|ALTER|WITH)\b|^[\w.]+\s*(=|<|>|<=|>=)\s*\?$", re.I)
LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')


def sql_case_only(change: str) -> bool:
    """Is this change (``before → after``) only the case of SQL keywords or names in a string literal?"""
    before, _, after = change.partition(" → ")
    if before == after or before.lower() != after.lower():
        return False
    olds, news = LITERAL.findall(before), LITERAL.findall(after)
    if len(olds) != len(news):
        return False
    differing = [(old, new) for old, new in zip(olds, news, strict=True) if old != new]
    return bool(differing) and all(
        SQL.search(old) and old.split("'")[1::2] == new.split("'")[1::2] for old, new in differing)


def change_of(name: str, path: Path) -> str:
    """The mutated line, as `mutmut show` shows it (the first - and + lines of its diff)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    shown = get_diff_for_mutant(name, path=path)
    lines = [line[1:].strip() for line in shown.splitlines() if line[:1] in "-+" and line[:3] not in ("---", "+++")]
    return " → ".join(lines[:2])


def markdown(by_module: dict[str, Counter], total: Counter, survivors: list[tuple[str, str, str]], equivalent: dict[str, str],
             sql_cased: int = 0) -> str:
    out = ["# Mutation testing of the mock's rules", "",
           "Generated by `./run mutants` (mutmut over the files `[tool.mutmut]` names in `pyproject.toml`, "
           "the rule tests run against each mutant). Do not edit by hand.", "",
           "| module | score |", "|---|---|"]
    out += [f"| `{module}` | {score_line(counts)} |" for module, counts in sorted(by_module.items())]
    out += [f"| all | {score_line(total)} |", ""]
    if equivalent or sql_cased:
        out += ["## Equivalent mutants (left out of the score)", ""]
        out += [f"- `{name}`: {reason}" for name, reason in sorted(equivalent.items())]
        if sql_cased:
            out.append(f"- {sql_cased} mutants that only change the case of SQL keywords or names in a statement: SQLite reads "
                       "them without regard to case (https://www.sqlite.org/lang_keywords.html)")
        out.append("")
    out += ["## Surviving mutants", "", "Each is a change no rule test notices yet: a test to write, or an equivalent mutant to "
            "name in `tests/equivalent_mutants.txt` with its reason.", ""]
    function = None
    for name, status, change in sorted(survivors):
        owner = name.rsplit("__mutmut_", 1)[0]
        if owner != function:
            function = owner
            out += ["", f"### `{owner}`", ""]
        out.append(f"- `{name.rsplit('__mutmut_', 1)[1]}` ({status}): `{change}`")
    return "\n".join(out) + "\n"


def score_line(counts: Counter) -> str:
    scored = sum(n for status, n in counts.items() if status != "equivalent")
    killed = counts["killed"] + counts["timeout"]
    percent = 100 * killed / scored if scored else 100.0
    rest = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()) if status not in ("killed", "timeout"))
    return f"{percent:5.1f}% killed ({killed} of {scored})" + (f"; {rest}" if rest else "")


if __name__ == "__main__":
    raise SystemExit(main())
