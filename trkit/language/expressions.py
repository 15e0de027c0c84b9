"""TaskRouter's expression language: parse once, evaluate against attributes.

Used for queue ``target_workers`` (bare worker attribute keys), workflow filter
expressions (bare task attribute keys) and target expressions (``task.`` and
``worker.`` prefixes). A missing attribute never raises: the comparison that
uses it is simply false, as on TaskRouter.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Transformer, UnexpectedInput

from .errors import LanguageError

GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr (_OR and_expr)*
?and_expr: atom (_AND atom)*
?atom: "(" or_expr ")"
     | comparison
comparison: operand OPERATOR operand
?operand: literal | path
path: NAME ("." NAME | "[" INT "]")*
?literal: STRING -> string
        | SIGNED_NUMBER -> number
        | TRUE -> true
        | FALSE -> false
        | NULL -> null
        | "[" [literal ("," literal)*] "]" -> array

OPERATOR.3: /NOT\s+IN\b/i | /HAS\b/i | /IN\b/i | /CONTAINS\b/i
          | "==" | "!=" | ">=" | "<=" | ">-" | "<-" | "=" | ">" | "<"
_AND.3: /AND\b/i
_OR.3: /OR\b/i
TRUE.3: /true\b/i
FALSE.3: /false\b/i
NULL.3: /null\b/i
STRING: /"[^"]*"/ | /'[^']*'/
NAME: /[A-Za-z_][A-Za-z0-9_]*/

%import common.SIGNED_NUMBER
%import common.INT
%import common.WS
%ignore WS
"""

@lru_cache(maxsize=1)
def _parser() -> Lark:
    """The grammar's LALR parser, built the first time an expression is read (building it is most of what importing
    this module would otherwise cost every kernel and every mock that starts)."""
    return Lark(GRAMMAR, parser="lalr", maybe_placeholders=False)

MISSING = object()


class ExpressionError(LanguageError):
    """A syntax error, with the 1-based column where it was found."""

    def __init__(self, expression: str, position: int, reason: str) -> None:
        self.expression = expression
        self.position = position
        self.reason = reason
        super().__init__(f"{reason} at position {position} of {expression!r}")


@dataclass(frozen=True)
class Path:
    parts: tuple[Any, ...]

    def root(self) -> str:
        return self.parts[0]


class _Builder(Transformer):
    def string(self, items):
        return ("lit", items[0][1:-1])

    def number(self, items):
        text = str(items[0])
        value = float(text) if any(c in text for c in ".eE") else int(text)
        return ("lit", value)

    def true(self, _):
        return ("lit", True)

    def false(self, _):
        return ("lit", False)

    def null(self, _):
        return ("lit", None)

    def array(self, items):
        return ("lit", [item[1] for item in items if item is not None])

    def path(self, items):
        parts = tuple(int(t) if t.type == "INT" else str(t) for t in items)
        return ("path", Path(parts))

    def comparison(self, items):
        left, op, right = items
        return ("cmp", " ".join(str(op).upper().split()), left, right)

    def and_expr(self, items):
        return ("and", items)

    def or_expr(self, items):
        return ("or", items)


_ALIASES = {"=": "==", ">-": "HAS", "<-": "IN"}


def _resolve(path: Path, context: dict) -> Any:
    value: Any = context
    for part in path.parts:
        if isinstance(part, int):
            if isinstance(value, list) and -len(value) <= part < len(value):
                value = value[part]
            else:
                return MISSING
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return MISSING
    return value


def attribute_at(document: dict, parts: tuple) -> Any:
    """The value at an attribute path (``("skills", "spanish")``) of a JSON document, None when absent."""
    value = _resolve(Path(parts), document)
    return None if value is MISSING else value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same_kind(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return True
    return type(a) is type(b)


def _compare(op: str, left: Any, right: Any) -> bool:
    if op in ("==", "!=") and (left is None or right is None):
        # null compares equal only to null or an absent attribute
        left_null = left is None or left is MISSING
        right_null = right is None or right is MISSING
        return (left_null and right_null) if op == "==" else (left_null != right_null)
    if left is MISSING or right is MISSING:
        return False
    if op == "HAS":
        return isinstance(left, list) and not isinstance(right, (list, dict)) and right in left
    if op == "IN":
        return isinstance(right, list) and not isinstance(left, (list, dict)) and left in right
    if op == "NOT IN":
        return isinstance(right, list) and not isinstance(left, (list, dict)) and left not in right
    if isinstance(left, (list, dict)) or isinstance(right, (list, dict)):
        return False
    if op == "CONTAINS":
        return isinstance(left, str) and isinstance(right, str) and right in left
    if not _same_kind(left, right):
        return False
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if isinstance(left, bool):
        return False
    if op == ">":
        return left > right
    if op == "<":
        return left < right
    if op == ">=":
        return left >= right
    if op == "<=":
        return left <= right
    return False


def _compile(node) -> Callable[[dict], bool]:
    kind = node[0]
    if kind == "and":
        parts = [_compile(n) for n in node[1]]
        return lambda ctx: all(p(ctx) for p in parts)
    if kind == "or":
        parts = [_compile(n) for n in node[1]]
        return lambda ctx: any(p(ctx) for p in parts)
    if kind == "cmp":
        op = _ALIASES.get(node[1], node[1])
        left, right = _operand(node[2]), _operand(node[3])
        return lambda ctx: _compare(op, left(ctx), right(ctx))
    raise AssertionError(node)


def _operand(node) -> Callable[[dict], Any]:
    if node[0] == "lit":
        value = node[1]
        return lambda ctx: value
    path = node[1]
    return lambda ctx: _resolve(path, ctx)


def _show(value: Any) -> str:
    if value is MISSING:
        return "missing"
    return json.dumps(value)


def _side(node, context: dict) -> tuple[str, Any]:
    if node[0] == "lit":
        return json.dumps(node[1]), node[1]
    path = node[1]
    text = "".join(f"[{p}]" if isinstance(p, int) else (("." if i else "") + p) for i, p in enumerate(path.parts))
    return text, _resolve(path, context)


def _describe(node, context: dict) -> str:
    op = _ALIASES.get(node[1], node[1])
    (left_text, left), (right_text, right) = _side(node[2], context), _side(node[3], context)
    if op == "HAS" and node[2][0] == "path":
        if left is MISSING:
            return f"{left_text} is missing"
        return f"lacks {right_text} in {left_text} (has {_show(left)})"
    if op == "IN" and node[2][0] == "path":
        return f"{left_text} is {_show(left)}, not in {right_text}" if left is not MISSING else f"{left_text} is missing"
    if node[2][0] == "path" and node[3][0] == "lit":
        return f"{left_text} is {_show(left)}, so {left_text} {op} {right_text} is false"
    if node[2][0] == "path" and node[3][0] == "path":
        return f"{left_text} is {_show(left)} and {right_text} is {_show(right)}, so {op} is false"
    return f"{left_text} {op} {right_text} is false"


def _why_false(node, context: dict) -> list[str]:
    kind = node[0]
    if kind == "cmp":
        return [] if _compile(node)(context) else [_describe(node, context)]
    if kind == "and":
        for child in node[1]:
            if not _compile(child)(context):
                return _why_false(child, context)
        return []
    reasons: list[str] = []
    for child in node[1]:
        reasons.extend(_why_false(child, context))
    return [" or ".join(reasons)] if len(reasons) > 1 else reasons


def _paths(node, found: list[Path]) -> list[Path]:
    if node[0] in ("and", "or"):
        for child in node[1]:
            _paths(child, found)
    elif node[0] == "cmp":
        for side in node[2:]:
            if side[0] == "path":
                found.append(side[1])
    return found


class Expression:
    """A parsed expression; call :meth:`matches` with the attributes to test."""

    def __init__(self, text: str) -> None:
        self.text = text
        stripped = text.strip()
        if not stripped:
            raise ExpressionError(text, 1, "Empty expression")
        try:
            tree = _parser().parse(stripped)
        except UnexpectedInput as exc:
            offset = len(text) - len(text.lstrip())
            column = getattr(exc, "column", None)
            position = (column if isinstance(column, int) and column > 0 else len(stripped) + 1) + offset
            token = getattr(exc, "token", None)
            if isinstance(token, Token) and token.type == "$END":
                reason = "Unexpected end of expression"
                position = len(stripped) + 1 + offset
            elif isinstance(token, Token):
                reason = f"Unexpected {str(token)!r}"
            else:
                char = getattr(exc, "char", None)
                reason = f"Unexpected character {char!r}" if char else "Syntax error"
            raise ExpressionError(text, position, reason) from None
        self._tree = _Builder().transform(tree)
        self._fn = _compile(self._tree)
        self.paths = _paths(self._tree, [])

    def matches(self, context: dict) -> bool:
        return bool(self._fn(context))

    def why_false(self, context: dict) -> list[str]:
        """The comparisons that make the expression false, each in words ([] when it is true)."""
        return [] if self.matches(context) else _why_false(self._tree, context)

    def roots(self) -> set[str]:
        return {p.root() for p in self.paths}


@lru_cache(maxsize=4096)
def compile_expression(text: str) -> Expression:
    """Parse (and cache) an expression; raises :class:`ExpressionError`."""
    return Expression(text)


def check_target_expression(text: str) -> Expression:
    """A workflow target expression: every attribute must start task. or worker."""
    expression = compile_expression(text)
    for path in expression.paths:
        if path.root() not in ("task", "worker") or len(path.parts) < 2:
            dotted = ".".join(str(p) for p in path.parts)
            raise ExpressionError(
                text, text.find(dotted) + 1 if dotted in text else 1,
                f"Attribute '{dotted}' must start with 'task.' or 'worker.'",
            )
    return expression
