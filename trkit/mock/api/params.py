"""Reading form and query parameters the way TaskRouter does, with clear errors."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from werkzeug.datastructures import MultiDict

from ..engine.clock import EARLIEST, iso, parse_iso
from ..engine.errors import InvalidParameter, MissingParameter

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


class Params:
    """Typed access to a request's parameters; every error names the parameter."""

    def __init__(self, values: MultiDict) -> None:
        self.values = values
        self.read: set[str] = set()  # every name a view asked for: what it honours (api/contract.py)

    def _get(self, name: str) -> str | None:
        self.read.add(name)
        return self.values.get(name)

    def has(self, name: str) -> bool:
        self.read.add(name)
        return name in self.values

    def str(self, name: str, required: bool = False, max_len: int | None = None) -> str | None:
        value = self._get(name)
        if value is None:
            if required:
                raise MissingParameter(param=name)
            return None
        if max_len is not None and len(value) > max_len:
            raise InvalidParameter(f"{name} is too long: {len(value)} characters, at most {max_len} are allowed")
        if "\x00" in value:
            raise InvalidParameter(f"{name} must not contain NUL characters")
        return value

    def int(self, name: str, minimum: int | None = None, maximum: int | None = None) -> int | None:
        value = self._get(name)
        if value is None:
            return None
        try:
            number = int(value.strip())
        except ValueError:
            raise InvalidParameter(f"{name} must be an integer, got {value!r}") from None
        if minimum is not None and number < minimum or maximum is not None and number > maximum:
            raise InvalidParameter(f"{name} must be between {minimum} and {maximum}, got {number}")
        return number

    def bool(self, name: str, lenient: bool = False) -> bool | None:
        value = self._get(name)
        if value is None:
            return None
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lenient or lowered in _FALSE:
            return False
        raise InvalidParameter(f"{name} must be true or false, got {value!r}")

    def enum(self, name: str, allowed: Iterable[str]) -> str | None:
        value = self._get(name)
        allowed = tuple(allowed)
        if value is not None and value not in allowed:
            raise InvalidParameter(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
        return value

    def list(self, name: str) -> list[str] | None:
        self.read.add(name)
        values = self.values.getlist(name)
        if not values:
            return None
        items = [part.strip() for value in values for part in value.split(",") if part.strip()]
        return items or None

    def date(self, name: str) -> float | None:
        value = self._get(name)
        if value is None:
            return None
        try:
            when = parse_iso(value)
        except (ValueError, OverflowError):
            raise InvalidParameter(f"{name} must be an ISO 8601 date such as 2026-01-31T12:00:00Z, got {value!r}") from None
        if when < EARLIEST:
            raise InvalidParameter(f"{name} must not be before {iso(EARLIEST)}, got {value!r}")
        return when

    def url(self, name: str) -> str | None:
        """An absolute http(s) URL, or the empty string (which clears a callback URL)."""
        value = self.str(name, max_len=2048)
        if not value:
            return value
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
            raise InvalidParameter(f"{name} must be an absolute http or https URL, got {value!r}")
        return value

    def prefixed(self, prefix: str) -> dict[str, str]:
        """Instruction parameters sent as e.g. ``DequeueFrom`` → ``{"from": ...}``."""
        found = {}
        for key in self.values:
            if key.startswith(prefix) and len(key) > len(prefix):
                self.read.add(key)
                snake = "".join("_" + c.lower() if c.isupper() else c for c in key[len(prefix):]).lstrip("_")
                values = self.values.getlist(key)
                found[snake] = values[0] if len(values) == 1 else ",".join(values)
        return found
