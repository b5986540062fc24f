"""Fixtures for operations tests: many due connections backed by real emulator tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.models import ZohoConnection
from tests.factories import UserFactory, ZohoConnectionFactory, ZohoOrgFactory
from zoho import datacenters


@pytest.fixture
def connections(zoho, db):
    """Factory: `connections(count, dc=..., expires_in=...)` -> saved ZohoConnection rows, all
    active in one org of `dc`, their access tokens expiring `expires_in` from now (a minute
    ago unless told), their tokens minted in the emulator (a refresh is accepted)."""
    owners = {}

    def make(
        count: int = 1, *, dc: str = "us", expires_in: timedelta = timedelta(minutes=-1)
    ) -> list[ZohoConnection]:
        org = ZohoOrgFactory(
            zgid=f"8800{datacenters.keys().index(dc)}",
            data_center=dc,
            name=f"Bulk Org {dc.upper()}",
        )
        owner = owners.get(dc) or owners.setdefault(dc, UserFactory(username=f"bulk-owner-{dc}"))
        rows = ZohoConnectionFactory.build_batch(
            count, user=owner, org=org, data_center=dc, expires_in=expires_in, tokens_from=zoho
        )
        return ZohoConnection.objects.bulk_create(rows)

    return make
