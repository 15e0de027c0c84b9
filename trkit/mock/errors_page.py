"""docs/errors.md, written from the mock's error catalogue: ``python -m trkit.mock.errors_page --write docs/errors.md``."""

from __future__ import annotations

import sys
from pathlib import Path

from .engine.errors import CATALOGUE

BEGIN, END = "<!-- errors: written by python -m trkit.mock.errors_page -->", "<!-- end of errors -->"


def markdown() -> str:
    """The table of every error the mock answers with, between its markers."""
    lines = [BEGIN, "", "| code | status | class | when the mock answers it | message |", "|---|---|---|---|---|"]
    for error in sorted(CATALOGUE, key=lambda e: (e.code, e.status, e.__name__)):
        message = "names what is wrong" if error.template == "{detail}" else f"`{error.template}`"
        lines.append(f"| [{error.code}](https://www.twilio.com/docs/errors/{error.code}) | {error.status} | `{error.__name__}` "
                     f"| {' '.join((error.__doc__ or '').split())} | {message} |")
    return "\n".join([*lines, "", END]) + "\n"


def written_into(text: str) -> str:
    """``text`` with the table between its markers brought up to date (appended when it has none)."""
    if BEGIN not in text:
        return text + markdown()
    return text.split(BEGIN)[0] + markdown() + text.split(END, 1)[1]


def main(argv: list[str]) -> int:
    if argv[:1] == ["--write"] and len(argv) == 2:
        path = Path(argv[1])
        path.write_text(written_into(path.read_text() if path.exists() else ""))
    else:
        print(markdown(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
