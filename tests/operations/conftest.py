"""Fixtures for operations tests: many due connections backed by real emulator tokens."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from accounts.models import ZohoConnection, ZohoOrg
from zoho import datacenters

_serial = itertools.count(1)


def mint_tokens(emulator, count: int, *, dc: str, zgid: str) -> list[tuple[str, str]]:
    """`count` live (refresh token, access token) pairs, each for its own synthetic Zoho user.

    Zoho keeps at most 20 refresh tokens per user per client, so bulk tokens need distinct
    users; the emulator's own state mints them (it has no bulk endpoint).
    """
    state = emulator.app.state
    pairs = []
    with state.lock:
        for _ in range(count):
            identity = {
                "client_id": emulator.client_id,
                "email": f"bulk-{next(_serial)}@example.com",
                "zgid": zgid,
                "dc": dc,
                "scopes": ("ZohoCRM.modules.ALL",),
            }
            refresh = state.mint_refresh(**identity)
            access = state.mint_access(
                **identity, ttl=3600, refresh=refresh, grant_type="authorization_code"
            )
            pairs.append((refresh.token, access.token))
    return pairs


def create_connections(
    emulator, count: int, *, dc: str = "us", expires_in: timedelta = timedelta(minutes=-1)
) -> list[ZohoConnection]:
    """`count` active connections in one org of `dc` whose access tokens expire `expires_in`."""
    org, _ = ZohoOrg.objects.get_or_create(
        zgid=f"8800{datacenters.keys().index(dc)}",
        data_center=dc,
        defaults={"name": f"Bulk Org {dc.upper()}"},
    )
    owner, _ = get_user_model().objects.get_or_create(username=f"bulk-owner-{dc}")
    expires_at = timezone.now() + expires_in
    rows = []
    for refresh_token, access_token in mint_tokens(emulator, count, dc=dc, zgid=org.zgid):
        number = next(_serial)
        row = ZohoConnection(
            user=owner,
            org=org,
            data_center=dc,
            zoho_user_id=str(7_000_000 + number),
            email=f"person{number}@bulk.example.com",
            user_signature=f"person{number}@bulk.example.com:{org.zgid}",
            api_domain=datacenters.get(dc).api_domain,
            access_token_expires_at=expires_at,
        )
        row.refresh_token = refresh_token
        row.access_token = access_token
        rows.append(row)
    return ZohoConnection.objects.bulk_create(rows)


@pytest.fixture
def connections(zoho, db):
    """Factory: `connections(count, dc=..., expires_in=...)` -> saved ZohoConnection rows."""

    def make(count: int = 1, **kwargs) -> list[ZohoConnection]:
        return create_connections(zoho, count, **kwargs)

    return make


@pytest.fixture
def staff_client(db) -> Client:
    """A logged-in staff user (not a superuser) allowed to view and change connections."""
    user = get_user_model().objects.create_user(
        username="operator", password="operator-password", is_staff=True
    )
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="accounts",
            codename__in=[
                "view_zohoconnection",
                "change_zohoconnection",
                "view_zohoorg",
                "view_tokenrefreshlog",
            ],
        )
    )
    client = Client()
    client.force_login(user)
    return client


def refresh_calls(emulator) -> int:
    return emulator.client.stats()["token_calls"].get("refresh_token", 0)
