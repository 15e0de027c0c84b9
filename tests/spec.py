"""Twilio's OpenAPI spec for TaskRouter v1, as JSON Schemas to validate responses with."""

from __future__ import annotations

import copy
import json
import re
from functools import cache, lru_cache
from pathlib import Path

CANDIDATES = [
    Path(__file__).resolve().parents[1] / "trkit" / "mock" / "data" / "twilio_taskrouter_v1.json",
    Path(__file__).resolve().parents[2] / "shared" / "reference" / "twilio_taskrouter_v1.json",
]
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def spec_path() -> Path | None:
    return next((p for p in CANDIDATES if p.exists()), None)


@lru_cache(maxsize=1)
def load_spec() -> dict:
    path = spec_path()
    if path is None:
        raise FileNotFoundError("twilio_taskrouter_v1.json not found in trkit/mock/data or ../shared/reference")
    return json.loads(path.read_text())


def _convert(node, strict: bool):
    """OpenAPI 3.0 → JSON Schema: nullable, refs into $defs, strict objects."""
    if isinstance(node, list):
        return [_convert(n, strict) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref":
            out["$ref"] = "#/$defs/" + value.rsplit("/", 1)[1]
        elif key == "properties":
            out[key] = {name: _convert(sub, strict) for name, sub in value.items()}
        elif key in ("description", "x-twilio", "example", "examples"):
            continue
        else:
            out[key] = _convert(value, strict)
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        elif "$ref" in out:
            out = {"anyOf": [{"$ref": out["$ref"]}, {"type": "null"}]}
        if "enum" in out:
            out["enum"] = list(out["enum"]) + [None]
    if strict and out.get("type") in ("object", ["object", "null"]) and "properties" in out:
        out["additionalProperties"] = False
        out["required"] = list(out["properties"])
    return out


@lru_cache(maxsize=1)
def defs() -> dict:
    return {name: _convert(schema, strict=True) for name, schema in load_spec()["components"]["schemas"].items()}


@cache
def response_validator(path: str, method: str, status: int):
    """A compiled validator for one response (building it is the slow part)."""
    import jsonschema

    schema = response_schema(path, method, status)
    if schema is None:
        return None
    return jsonschema.Draft202012Validator(schema)


def response_schema(path: str, method: str, status: int) -> dict | None:
    operation = load_spec()["paths"][path].get(method.lower())
    if operation is None:
        return None
    response = operation["responses"].get(str(status))
    if response is None:
        return None
    content = response.get("content", {}).get("application/json")
    if content is None:
        return None
    schema = _convert(copy.deepcopy(content["schema"]), strict=True)
    schema["$defs"] = defs()
    return schema


@lru_cache(maxsize=1)
def _path_patterns() -> list[tuple[re.Pattern, str]]:
    patterns = []
    for template in load_spec()["paths"]:
        regex = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        patterns.append((re.compile(regex), template, template.count("{")))
    patterns.sort(key=lambda item: item[2])
    return [(p, t) for p, t, _ in patterns]


def template_for(path: str) -> str | None:
    for pattern, template in _path_patterns():
        if pattern.match(path):
            return template
    return None


def all_operations() -> set[tuple[str, str]]:
    return {(m.upper(), p) for p, ops in load_spec()["paths"].items() for m in ops if m in ("get", "post", "delete")}


def dates_are_twilio_format(body) -> list[str]:
    """Every date field must be exactly YYYY-MM-DDTHH:MM:SSZ (the library parses only that)."""
    bad = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "event_data":
                    continue  # event data values are TaskRouter's event strings (epoch seconds)
                if (key.startswith("date_") or key.endswith("_date") or key in ("start_time", "end_time", "virtual_start_time")) \
                        and isinstance(value, str) and not DATE_RE.match(value):
                    bad.append(f"{where}.{key}={value!r}")
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, f"{where}[{i}]")

    walk(body, "$")
    return bad
