"""Every error the mock answers with is a class of the catalogue (trkit/mock/engine/errors.py), and docs/errors.md
shows the catalogue as it is."""

from __future__ import annotations

import ast
from pathlib import Path

from trkit.mock.engine.errors import CATALOGUE, NotFound, ReservationRescinded, TaskRouterError
from trkit.mock.errors_page import markdown

ROOT = Path(__file__).resolve().parent.parent


def test_docs_errors_shows_the_catalogue_as_it_is():
    assert markdown() in (ROOT / "docs" / "errors.md").read_text(), "run python -m trkit.mock.errors_page --write docs/errors.md"


def test_no_rule_writes_a_status_or_code_of_its_own():
    # a refusal is raised as its catalogue class: TaskRouterError itself is never built with numbers in place
    inline = []
    for path in sorted((ROOT / "trkit").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "TaskRouterError":
                inline.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert inline == []


def test_each_error_is_one_named_twilio_error_with_a_reason():
    names = [error.__name__ for error in CATALOGUE]
    assert len(names) == len(set(names)) and TaskRouterError not in CATALOGUE
    for error in CATALOGUE:
        assert error.status in (400, 401, 404, 405, 410, 412, 500) and 20000 <= error.code <= 99999, error
        assert error.__doc__ and error.__doc__ != TaskRouterError.__doc__, f"{error.__name__} says nothing of when it is raised"


def test_an_error_renders_as_twilio_shapes_it():
    assert NotFound(path="/v1/Workspaces/WS1").to_json() == {
        "code": 20404, "message": "The requested resource /v1/Workspaces/WS1 was not found",
        "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404}
    rescinded = ReservationRescinded("Reservation WR1 has been rescinded")
    assert (rescinded.status, rescinded.code, rescinded.message) == (410, 20001, "Reservation WR1 has been rescinded")
