"""Helpers for the property tests: every outbound HTTP request, and "was anything written"."""

from __future__ import annotations


def rows_written() -> dict[str, int]:
    """Counts of every table a sign-in could write."""
    from django.contrib.auth import get_user_model

    from accounts.models import TokenRefreshLog, ZohoConnection, ZohoOrg

    return {
        "connections": ZohoConnection.objects.count(),
        "orgs": ZohoOrg.objects.count(),
        "users": get_user_model().objects.count(),
        "refresh_logs": TokenRefreshLog.objects.count(),
    }


def database_dump() -> str:
    """Every value of every table, as text: what someone with a raw SQL read would see."""
    from django.db import connection

    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                values.extend(
                    bytes(value).decode("latin-1")
                    if isinstance(value, bytes | memoryview)
                    else str(value)
                    for value in row
                )
    return "\n".join(values)
