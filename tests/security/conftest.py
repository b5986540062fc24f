"""Helpers for the property tests: every outbound HTTP request, and "was anything written"."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
import requests


@dataclass
class Outbound:
    """Every HTTP request the portal (or the SDK through it) sent, in order."""

    calls: list[tuple[str, str, bytes]] = field(default_factory=list)

    @property
    def urls(self) -> list[str]:
        return [url for _, url, _ in self.calls]

    def hosts(self) -> set[str]:
        return {urlsplit(url).netloc for url in self.urls}

    def __len__(self) -> int:
        return len(self.calls)


@pytest.fixture
def outbound(monkeypatch) -> Outbound:
    """Records every request sent through `requests` (the portal's and the SDK's HTTP).

    The emulator's own test client uses urllib, so control-plane calls are not counted.
    """
    record = Outbound()
    original = requests.adapters.HTTPAdapter.send

    def send(self, request, *args, **kwargs):
        body = request.body or b""
        record.calls.append(
            (request.method, request.url, body.encode() if isinstance(body, str) else body)
        )
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    return record


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
