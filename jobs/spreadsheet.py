"""CSV files people open in a spreadsheet: which field types a cell can hold, the column that
names a looked-up record, cells no spreadsheet runs as a formula, and the bytes of such a file
(exports, and an import's failed rows)."""

from __future__ import annotations

import csv
import io

from core.errors import AppError
from crm import metadata

# Field types a CSV cell cannot hold whole (rows, parts, files, linked records): left out.
NOT_FLAT = frozenset(
    {
        "subform",
        "address",
        "fileupload",
        "imageupload",
        "profileimage",
        "multiselectlookup",
        "multiuserlookup",
    }
)
USER_TYPES = ("ownerlookup", "userlookup")


def lookup_name_field(connection, module: str) -> str | None:
    """The looked-up module's name field; None when the user may not see that module (the
    cell is then the record's id, as Zoho exports a lookup)."""
    try:
        target = metadata.module_get(connection=connection, module=module)
    except AppError:
        return None
    name = target.name_field
    return name.api_name if name is not None and not name.hidden else None


# --- cells that are safe in a spreadsheet -------------------------------------------------
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """`value` as a cell no spreadsheet runs as a formula: text starting with = + - @ (or a
    tab or carriage return) gets a leading apostrophe (OWASP "CSV Injection"); a plain
    number such as -12.5 is left as it is."""
    if not value.startswith(FORMULA_STARTS):
        return value
    try:
        float(value)
    except ValueError:
        return "'" + value
    return value


def csv_bytes(header: list[str], rows) -> bytes:
    """A CSV (UTF-8 with a byte-order mark, which spreadsheet programs need to read UTF-8)
    of `header` and `rows`, every cell spreadsheet-safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([spreadsheet_safe(str(h)) for h in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(str(cell)) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
