"""The home page's dashboard: per module, how many records and the latest ones.

The page itself shows only the tiles' places (`tile_modules`, from the org's cached module
list); each tile's count and latest records are then read on their own (`tile_of`, the
fragment `crm:dashboard-tile`), so the page never waits for them. `dashboard` reads every
tile at once: the page without JavaScript (`/?full=1`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from accounts.models import ZohoConnection
from core.errors import AppError, ErrorCode
from crm import metadata, modules, numbers, selectors
from crm.zoho import records as zoho_records
from crm.zoho import runner

# The modules people open first, when the org has them (Zoho's own Home shows these);
# then the org's custom modules. At most TILES tiles: each costs Zoho two calls, made
# `runner.CONCURRENT_CALLS` tiles at a time.
FIRST_MODULES = ("Leads", "Contacts", "Accounts", "Deals", "Tasks", "Events", "Calls")
TILES = 8
LATEST = 3


@dataclass(frozen=True)
class Tile:
    module: dict
    count: int | None
    latest: list[dict]
    error: str = ""


def dashboard(*, connection: ZohoConnection) -> tuple[list[Tile], list[dict]]:
    """The tiles (count and latest records of the main modules) and every module."""
    modules = metadata.module_tabs(connection=connection)
    # Each tile is Zoho calls of its own (its count, its latest records, and on a first
    # visit its fields): asked for a few at a time rather than one after another.
    return runner.run_concurrently(connection, _tile, tile_modules(modules)), modules


def tile_modules(modules: list[dict]) -> list[dict]:
    """The modules the dashboard shows tiles of, of the org's tabs (`module_tabs`)."""
    by_name = {m["api_name"]: m for m in modules}
    chosen = [by_name[name] for name in FIRST_MODULES if name in by_name]
    chosen += [m for m in modules if m["custom"] and m not in chosen]
    return chosen[:TILES]


def tile_of(*, connection: ZohoConnection, module: str) -> Tile:
    """One tile of the dashboard (its count and latest records); 404 for a module the
    dashboard shows no tile of. Zoho's refusals come back as the tile's error."""
    summaries = tile_modules(metadata.module_tabs(connection=connection))
    summary = next((m for m in summaries if m["api_name"] == module), None)
    if summary is None:
        raise AppError(ErrorCode.NOT_FOUND, "The dashboard has no tile of that module.")
    return _tile(connection, summary)


def _tile(connection: ZohoConnection, summary: dict) -> Tile:
    try:
        module = metadata.module_get(connection=connection, module=summary["api_name"])
        count = selectors.record_count(connection=connection, module=module)
        name = module.name_field
        fields = [name.api_name] if name else []
        sortable = "Modified_Time" in module.sortable
        fields += ["Modified_Time"] if module.field("Modified_Time") else []
        latest, _ = zoho_records.get_records(
            connection,
            module.api_name,
            field_names=fields or ["id"],
            page=1,
            per_page=LATEST,
            sort_by="Modified_Time" if sortable else None,
            sort_order="desc",
        )
    except AppError as error:
        return Tile(module=summary, count=None, latest=[], error=error.message)
    modified = module.field("Modified_Time")
    return Tile(
        module=summary,
        count=count,
        latest=[
            {
                "id": r["id"],
                "name": modules.record_title(module, r),
                "when": _day(r.get("Modified_Time")) if modified else "",
            }
            for r in latest
        ],
    )


def _day(value) -> str:
    """The day of a Zoho date-time, in the user's time zone and date format."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return ""
    if moment is None:
        return ""
    formats = numbers.active()
    return formats.date(moment.astimezone(formats.zone) if moment.tzinfo else moment)
