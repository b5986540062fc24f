"""The signed-in Zoho user's formats (`crm.numbers.Formats`), read once from what the portal
already caches: the org's users (each with their own locale settings) and the org's
currency. One function, so where the cache lives can change without touching the pages."""

from __future__ import annotations

from accounts.models import ZohoConnection
from core.errors import AppError
from crm import metadata, numbers, record_files


def formats_for(*, connection: ZohoConnection) -> numbers.Formats:
    """How this connection's Zoho user reads dates, times, numbers and amounts. Zoho failing
    (busy, out of credits) is no reason to fail a page: its values are then shown in Zoho's
    own ISO formats."""
    try:
        me = next(
            (
                u
                for u in metadata.user_list(connection=connection)
                if u["id"] == connection.zoho_user_id
            ),
            None,
        )
    except AppError:
        me = None
    try:
        org = record_files.org_currency(connection=connection)
    except AppError:
        org = None
    return numbers.Formats.from_zoho((me or {}).get("locale_settings"), org)


def lazy_formats(connection: ZohoConnection) -> numbers.Lazy:
    """`formats_for(connection)`, read only when a page first shows a date or a number."""
    return numbers.Lazy(lambda: formats_for(connection=connection))
