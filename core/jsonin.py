"""The one way JSON from outside is read: bounded in size and depth, never a 500.

`json.loads` recurses once per nesting level, so 15,000 `[` raise RecursionError (a 500)
before any of our checks run; a large body costs memory before any check. Every input
that is JSON (request bodies, the `claims` parameter, Web eID tokens, the card agent's
requests) goes through `json_parse`, which refuses both with a coded JsonInputError that
each caller turns into its own 400 answer.
"""

import json
import re
from typing import Any

# Deep enough for any document we accept (a WebAuthn response nests 4 levels); far
# below the interpreter's recursion limit.
JSON_MAX_DEPTH = 32

# Strings (with their escapes) are removed before brackets are counted, so that a `[`
# inside a string is not nesting. An unterminated string runs to the end, as the JSON
# parser reads it: the closing quote is optional so that a match never fails and
# restarts at the next quote (quadratic time on `"\"\"\"...`).
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


class JsonInputError(ValueError):
    """JSON input refused; `code` is stable: json_too_large, json_too_deep, json_invalid,
    json_not_object."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in `text` (not validated as JSON)."""
    depth = deepest = 0
    for bracket in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _holds_nul(value: Any) -> bool:
    """Whether a string anywhere in `value` (keys included) holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _constant_refused(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_parse(
    data: bytes | str,
    *,
    max_bytes: int,
    max_depth: int = JSON_MAX_DEPTH,
    object_only: bool = True,
) -> Any:
    """Parse `data` as strict JSON (no NaN or Infinity, no NUL in a string) of at most
    `max_bytes` bytes and `max_depth` levels; a JSON object unless `object_only` is
    False."""
    size = len(data.encode() if isinstance(data, str) else data)
    if size > max_bytes:
        raise JsonInputError("json_too_large", f"JSON larger than {max_bytes} bytes")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise JsonInputError("json_invalid", "JSON is not UTF-8") from exc
    if json_depth(text) > max_depth:
        raise JsonInputError("json_too_deep", f"JSON nested deeper than {max_depth} levels")
    try:
        value = json.loads(text, parse_constant=_constant_refused)
    except (ValueError, RecursionError) as exc:
        raise JsonInputError("json_invalid", "not valid JSON") from exc
    # PostgreSQL refuses NUL in any text: a "\u0000" that reached a lookup would be a 500.
    # (Strict json.loads already refuses a raw NUL; the escape is looked for first.)
    if "\\u0000" in text and _holds_nul(value):
        raise JsonInputError("json_invalid", "JSON string holds a NUL character")
    if object_only and not isinstance(value, dict):
        raise JsonInputError("json_not_object", "JSON is not an object")
    return value
