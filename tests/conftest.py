"""Shared fixtures: the Zoho emulator over real HTTP, and a full "Sign in with Zoho" helper."""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

pytest_plugins = ["zoho_emulator.pytest_plugin"]


# Tests whose outcome does not depend on the database the suite runs on: the emulator's own
# tests (no database), pure functions, and the browser tour (every path it takes is also run
# through the test client on both databases). `make test` runs them in the SQLite pass only.
SINGLE_DATABASE = (
    "zoho_emulator/tests/",
    "tests/e2e/",
    "tests/deployment/test_kit.py",
    "tests/deployment/test_observability.py",
    "tests/deployment/test_cache_outage.py",
    "tests/deployment/test_static_files.py",
    "tests/crm/test_fields.py",
)
# The same, for start-up and deployment checks that run in subprocesses with settings of
# their own; `make test` runs them once too, in the PostgreSQL pass, so that the two passes
# (side by side, one core each) take about as long.
IN_THE_POSTGRES_PASS = (
    "tests/test_settings.py",
    "tests/deployment/test_deploy_files.py",
    "tests/deployment/test_checks.py",
    "tests/deployment/test_sdk_compat.py",
    "tests/deployment/test_deploy_operations.py",
)


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need row locks: skip them on SQLite. Tests under
    SINGLE_DATABASE are marked `single_database`, under IN_THE_POSTGRES_PASS `postgres_pass`."""
    from django.db import connection

    root = config.rootpath
    for item in items:
        path = item.path.relative_to(root).as_posix() if item.path.is_relative_to(root) else ""
        if path.startswith(SINGLE_DATABASE):
            item.add_marker(pytest.mark.single_database)
        elif path.startswith(IN_THE_POSTGRES_PASS):
            item.add_marker(pytest.mark.postgres_pass)
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run with TEST_POSTGRES_URL or make test)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def emulator_oauth_client():
    """The emulator knows the portal's own test client (zohoportal/settings_test.py)."""
    from django.conf import settings as django_settings

    from zoho_emulator.pytest_plugin import OAuthClient

    return OAuthClient(
        client_id=django_settings.ZOHO_CLIENT_ID,
        client_secret=django_settings.ZOHO_CLIENT_SECRET,
        redirect_uri=django_settings.ZOHO_REDIRECT_URI,
    )


@pytest.fixture(autouse=True)
def _clear_cache():
    """Caches (rate limits, metadata) never carry over from one test to the next."""
    from django.core.cache import cache

    from crm import metadata

    cache.clear()
    metadata.forget_local()
    yield
    cache.clear()
    metadata.forget_local()


@pytest.fixture
def zoho(emulator, settings):
    """The emulator, with the portal's data-center table pointed at it."""
    settings.ZOHO_EMULATOR_URL = emulator.url
    return emulator


@pytest.fixture
def demo_users(zoho):
    """The emulator's directory: {dc: [user, ...]} plus the multi-org user."""
    users = zoho.client.users()
    by_dc: dict[str, list[dict]] = {}
    for user in users:
        by_dc.setdefault(user["dc"], []).append(user)
    multi_org = next(user for user in users if len(user["orgs"]) > 1)
    return {"all": users, "by_dc": by_dc, "multi_org": multi_org}


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

    def authorize(self, email: str, org: str | None = None, approve: bool = True, next_url=None):
        """Start at /accounts/login/ and consent at the emulator; return the callback URL."""
        start = self.client.get("/accounts/login/", {"next": next_url} if next_url else {})
        assert start.status_code == 302, start
        params = query_of(start["Location"])
        return self.emulator.client.authorize(params, email=email, org=org, approve=approve)

    def __call__(self, email: str, org: str | None = None, approve: bool = True, next_url=None):
        callback_url = self.authorize(email, org=org, approve=approve, next_url=next_url)
        return self.client.get(path_of(callback_url))


@pytest.fixture
def sign_in(client, zoho, db):
    return SignIn(client, zoho)


def connect_straight(zoho, email: str, org: str | None = None, client=None):
    """A connection for `email` (in `org`, else their first org), its tokens minted straight
    into the emulator's state, stored by the portal's own registration service; with
    `client`, signed in there with it active. The fixture for every test that is not about
    sign-in: no consent page, no code exchange, no who-is-this calls."""
    from django.conf import settings as django_settings

    from accounts import services
    from zoho import sdk as zoho_sdk
    from zoho_emulator import seed

    person = next(u for u in seed.USERS if u.email == email)
    zgid = org or person.orgs[0]
    tokens = zoho.issue_tokens(email, scopes=django_settings.ZOHO_SCOPES, org=zgid)
    exchanged = zoho_sdk.ExchangedToken(
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


@pytest.fixture
def connect(client, zoho, db):
    """`connect(email, org=None)`: a connection signed in on the test's `client`, without
    the sign-in flow (`connect_straight`); `connect(email, client=None)` only stores it."""

    def make(email: str, org: str | None = None, client=client):
        return connect_straight(zoho, email, org, client)

    return make


@pytest.fixture(autouse=True)
def _portal_sdk_state():
    """Every portal test starts with the SDK's global state the portal's own (a test of the
    SDK itself may have initialised it with a real token), and leaves no SDK field files
    behind: a rolled-back test database hands the same connection ids out again, and the
    next test's connection must not find this one's files."""
    import shutil
    from pathlib import Path

    from django.conf import settings as django_settings

    from zoho import sdk as zoho_sdk

    zoho_sdk.ensure_initialized()
    yield
    for entry in Path(django_settings.ZOHO_SDK_RESOURCE_DIR).glob("connection-*"):
        shutil.rmtree(entry, ignore_errors=True)


@pytest.fixture(autouse=True)
def _readiness_state():
    """Each test's /readyz starts from "ready, nothing reported yet" in this process (its
    state-change alerts and the token check's cached verdict, core/health.py)."""
    from accounts import token_readiness
    from core import health

    health.forget_state()
    token_readiness.forget()


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


@pytest.fixture
def redis_cache(settings):
    """The default cache on Redis under a key prefix of this test's own; its keys are removed
    afterwards (never FLUSHDB: other worktrees and runs share the server)."""
    import redis

    url = redis_or_skip()
    prefix = f"zohoportal-test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    server = redis.Redis.from_url(url)
    try:
        yield prefix
    finally:
        keys = list(server.scan_iter(match=f"{prefix}:*", count=500))
        if keys:
            server.delete(*keys)
