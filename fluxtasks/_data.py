"""Read plain data (parsed YAML or JSON) of unknown shape without a type check at every step.

Each reader returns the value when it has the expected type, else an empty stand-in, so a
malformed document reads as one with that field missing.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar, overload

from .errors import ToolError

T = TypeVar("T")


def read_json(text: str, what: str) -> Any:
    """`text` parsed as JSON, or ToolError (exit 2), one line naming `what` printed it: the
    one way kubectl's JSON is read. Input too deep for Python's parser (a list nested
    100,000 levels), an integer of thousands of digits or a runaway document is refused
    in one line instead of a RecursionError or ValueError traceback."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ToolError(f"{what} printed JSON nested too deep to read") from None
    except MemoryError:
        raise ToolError(f"{what} printed more JSON than fits in memory") from None
    except ValueError as exc:  # JSONDecodeError, or int() refusing a 5,000-digit number
        message = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise ToolError(f"{what} printed something that is not JSON ({message})") from None


@overload
def as_text(value: Any) -> str: ...
@overload
def as_text(value: Any, default: T) -> str | T: ...
def as_text(value: Any, default: Any = "") -> Any:
    """`value` when it is a string, else `default` ("" unless given, e.g. None)."""
    return value if isinstance(value, str) else default


def as_texts(value: Any) -> list[str] | None:
    """A list of strings, or None when `value` is anything else (an item included)."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def as_mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_mappings(value: Any) -> list[dict[str, Any]]:
    """The mappings of a list (other items skipped); [] when `value` is no list."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def as_int(value: Any) -> int | None:
    """An integer, never a bool (which Python counts as one)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def dig(data: Any, path: str) -> Any:
    """The value at a dotted path of nested mappings (`spec.chart.spec`), None when absent."""
    value = data
    for key in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def json_key(key: Any) -> str:
    """A mapping key as JSON (and so the API server) spells it: true, null, 1.5."""
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)
