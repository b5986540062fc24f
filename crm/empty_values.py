"""The record page's empty fields: left out unless the reader asks for them.

A record shows the fields that hold something; "Show N empty fields" (`?empty=shown`) lists
every field of the layout, an empty one saying "Not set" (read as such by a screen reader,
not as a dash). A section with nothing in it is left out with its fields.
"""

from __future__ import annotations

SHOW_EMPTY = "shown"  # ?empty=shown


def is_empty(row: dict) -> bool:
    return not row.get("value") and not row.get("text")


def sections_shown(sections: list[dict], *, show_empty: bool) -> tuple[list[dict], int]:
    """The sections as the page shows them, and how many of their fields are empty."""
    empty = sum(1 for section in sections for row in section["rows"] if is_empty(row))
    if show_empty:
        return sections, empty
    shown = []
    for section in sections:
        rows = [row for row in section["rows"] if not is_empty(row)]
        if rows:
            shown.append({**section, "rows": rows})
    return shown, empty
