"""Text that UTF-8 cannot encode: lone UTF-16 surrogates (`"\\ud800"` in JSON).

JSON lets a string carry half of a surrogate pair; Python decodes it into a `str` that
cannot be encoded, so the first page that prints it fails. Coming in, such text is refused
with the field it is in (`first_unencodable`); coming from Zoho (a value stored before the
portal refused it, or by another client), it is shown with U+FFFD in its place
(`json_without_lone_surrogates`, applied to every answer from Zoho in `zoho.transport`).
"""

from __future__ import annotations

import json
import re
from typing import Any

REPLACEMENT = "\ufffd"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# A surrogate escape in JSON text: the only way a valid UTF-8 body can carry one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")

Path = tuple[str | int, ...]


def first_unencodable(value: Any, path: Path = ()) -> Path | None:
    """The keys and indexes leading to the first text (key or value) UTF-8 cannot encode."""
    if isinstance(value, str):
        return path if _LONE_SURROGATE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and _LONE_SURROGATE.search(key):
                return (*path, key)
            found = first_unencodable(item, (*path, key))
            if found is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = first_unencodable(item, (*path, index))
            if found is not None:
                return found
    return None


def printable(text: str) -> str:
    """`text` with backslash escapes for what UTF-8 cannot encode: safe in a message."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def replace_lone_surrogates(value: Any) -> Any:
    """`value` (JSON data) with every lone surrogate replaced by U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {
            replace_lone_surrogates(key): replace_lone_surrogates(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [replace_lone_surrogates(item) for item in value]
    return value


def json_without_lone_surrogates(content: bytes) -> bytes | None:
    """The same JSON document without lone surrogates, or None when it has none (or is not
    JSON). Costs one regular-expression scan for the usual document that has none."""
    if not content or not _SURROGATE_ESCAPE.search(content):
        return None
    try:
        data = json.loads(content)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if first_unencodable(data) is None:  # only well-formed pairs (emoji and the like)
        return None
    return json.dumps(replace_lone_surrogates(data), ensure_ascii=False).encode("utf-8")
