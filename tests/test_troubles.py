"""The README's troubleshooting table and the kit's own messages cannot drift apart.

Every message the kit raises as a ``KitError`` from a literal must be in ``trkit/troubles.py``; every
entry there must still be a message the code can produce; the README's table is the one written
from that list.
"""

from __future__ import annotations

import ast
from pathlib import Path

from trkit import troubles

ROOT = Path(__file__).resolve().parent.parent
KIT_MODULES = sorted(p for p in (ROOT / "trkit").glob("*.py") if p.name != "troubles.py")


def _template(node: ast.AST) -> str | None:
    """A string literal as the learner sees it, "…" where an f-string varies, newlines as spaces."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(part.value if isinstance(part, ast.Constant) else "…" for part in node.values)
    else:
        return None
    return text.replace("\n", " ")


def _literals() -> tuple[list[str], list[str]]:
    """(the KitError messages raised from a literal, every string literal) in the kit's modules."""
    raised, every = [], []
    for path in KIT_MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            template = _template(node)
            if template:
                every.append(template)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "KitError" and node.args:
                message = _template(node.args[0])
                if message:
                    raised.append(message)
    return raised, every


def _matches(entry: str, template: str) -> bool:
    position = 0
    for fragment in (f.strip() for f in entry.split("…")):
        if not fragment:
            continue
        found = template.find(fragment, position)
        if found < 0:
            return False
        position = found + len(fragment)
    return True


def test_every_message_the_kit_raises_is_in_the_troubleshooting_list():
    raised, _ = _literals()
    assert len(raised) >= 10
    missing = [m for m in raised if not any(_matches(t.message, m) for t in troubles.TROUBLES)]
    assert not missing, f"add these to trkit/troubles.py (and run python -m trkit.troubles): {missing}"


def test_every_entry_of_the_list_is_a_message_the_code_still_produces():
    _, every = _literals()
    stale = [t.message for t in troubles.TROUBLES if not any(_matches(t.message, literal) for literal in every)]
    assert not stale, f"no code says these any more: {stale}"


def test_the_readme_table_is_the_one_written_from_the_list():
    readme = (ROOT / "README.md").read_text()
    assert troubles.START + "\n" + troubles.markdown() + troubles.END in readme, "run python -m trkit.troubles"
