"""Helpers the tests import (fixtures live in tests/conftest.py): the demo people, URL bits,
"Sign in with Zoho" driven end to end, a connection minted straight into the emulator, what
went out over HTTP, Redis for the tests, waiting for a condition, what the database holds."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest

# The emulator's demo directory (zoho_emulator/seed.py) as the portal tests use it.
PATRICIA = "patricia.boyle@zylker-traders.com"  # us, two orgs (Zylker Traders first)
ZYLKER_TRADERS = "720019234"  # us: Patricia Boyle and Marcus Webb; 45 leads
SOFIA = "sofia.lindqvist@nordwind-logistik.de"  # eu: the first eu user
HARRIET = "harriet.ashworth@thamesgate-wholesale.co.uk"  # uk
THAMESGATE = "90051762213"  # uk: 2,600 leads


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


class SignIn:
    """Drives "Sign in with Zoho" end to end: portal -> emulator consent -> portal callback."""

    def __init__(self, client, emulator):
        self.client = client
        self.emulator = emulator

    def authorize(
        self, email: str, org: str | None = None, approve: bool = True, next_url=None, consent=False
    ):
        """Start at /accounts/login/ (`consent`: as "Connect another Zoho org" and Reconnect
        do, asking Zoho for consent and a new refresh token) and consent at the emulator;
        return the callback URL."""
        params = {"next": next_url} if next_url else {}
        if consent:
            params["consent"] = "1"
        start = self.client.get("/accounts/login/", params)
        assert start.status_code == 302, start
        params = query_of(start["Location"])
        return self.emulator.client.authorize(params, email=email, org=org, approve=approve)

    def __call__(
        self, email: str, org: str | None = None, approve: bool = True, next_url=None, consent=False
    ):
        callback_url = self.authorize(
            email, org=org, approve=approve, next_url=next_url, consent=consent
        )
        response = self.client.get(path_of(callback_url))
        location = response.get("Location", "") if response.status_code == 302 else ""
        if "/oauth/v2/auth" in location:  # nothing to keep: the portal asks for consent now
            again = self.emulator.client.authorize(
                query_of(location), email=email, org=org, approve=approve
            )
            response = self.client.get(path_of(again))
        return response


def connect_straight(zoho, email: str, org: str | None = None, client=None):
    """A connection for `email` (in `org`, else their first org), its tokens minted straight
    into the emulator's state, stored by the portal's own registration service; with
    `client`, signed in there with it active. The fixture for every test that is not about
    sign-in: no consent page, no code exchange, no who-is-this calls."""
    from django.conf import settings as django_settings

    from accounts import services
    from zoho import identity as zoho_identity
    from zoho_emulator import profiles, seed

    person = next(u for u in seed.USERS if u.email == email)
    zgid = org or person.orgs[0]
    tokens = zoho.issue_tokens(email, scopes=django_settings.ZOHO_SCOPES, org=zgid)
    exchanged = zoho_identity.ExchangedToken(
        data_center=person.dc,
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        expires_at_ms=int((time.time() + tokens["expires_in"]) * 1000),
        api_domain=tokens["api_domain"],
        user_signature=f"{email}:{zgid}",
        email=email,
        zoho_user_id=person.crm_ids[zgid],
        full_name=person.full_name,
        zoho_account_id=person.zuid,
        zgid=zgid,
        org_name=seed.org_by_zgid()[zgid].name,
        scopes=tokens["scope"],
        zoho_profile_id=profiles.profile_id(zgid, person.profile),  # as the users API says
        zoho_profile_name=person.profile,
    )
    signed_in = client is not None and "_auth_user_id" in client.session
    user = None
    if signed_in:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.get(pk=client.session["_auth_user_id"])
    connection = services.connection_register(
        exchanged=exchanged, user=user, scopes=",".join(django_settings.ZOHO_SCOPES)
    ).connection
    if client is not None:
        if not signed_in:
            client.force_login(connection.user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session[services.SESSION_ACTIVE_KEY] = connection.pk
        session.save()
    return connection


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


def redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"


def redis_or_skip() -> str:
    """The test Redis URL; skips when it does not answer (fails with CI=true)."""
    import redis

    url = redis_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        message = f"needs Redis at {url} ({type(error).__name__}); set TEST_REDIS_URL"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return url


def wait_until(condition, *, seconds: float = 30.0, what: str = "the condition"):
    """Poll `condition` until it is true; fail (not hang) after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def refresh_calls(emulator) -> int:
    return emulator.client.stats()["token_calls"].get("refresh_token", 0)


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


class HeldAtZoho:
    """Holds the HTTP requests one thread sends through `requests` (the portal's and the
    SDK's) until `release()`: a caller waiting on Zoho for as long as the test needs, not for
    a number of seconds. `arrived` is set when the first one is held (the caller then holds
    whatever locks it took before calling). Other threads' requests go straight through."""

    def __init__(self, monkeypatch, *, longest: float = 30.0):
        import requests

        self.thread: threading.Thread | None = None
        self.arrived = threading.Event()
        self._released = threading.Event()
        self._longest = longest
        original = requests.adapters.HTTPAdapter.send
        held = self

        def send(adapter, request, *args, **kwargs):
            if threading.current_thread() is held.thread:
                held.arrived.set()
                held._released.wait(held._longest)  # a test that fails still ends
            return original(adapter, request, *args, **kwargs)

        monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)

    def start(self, target) -> threading.Thread:
        """Run `target` in a thread whose requests are held; once it is at Zoho."""
        self.thread = threading.Thread(target=target)
        self.thread.start()
        assert self.arrived.wait(self._longest), "the thread never called Zoho"
        return self.thread

    def release(self) -> None:
        self._released.set()
