"""Shared fixtures: the Zoho emulator over real HTTP, and a full "Sign in with Zoho" helper."""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.helpers import (
    PATRICIA,
    ZYLKER_TRADERS,
    Outbound,
    SignIn,
    connect_straight,
    redis_or_skip,
)

pytest_plugins = ["zoho_emulator.pytest_plugin"]


# `make test` runs the suite once, on SQLite, and on PostgreSQL only what depends on the
# database (`make test-postgres POSTGRES_PYTEST_ARGS=` runs everything there): tests marked
# `postgres` (row locks, SKIP LOCKED, advisory locks), tests that commit for real
# (`django_db(transaction=True)`: threads and processes sharing rows), and these files, whose
# subject is queries, migrations or what the database stores. Marked `database`.
DATABASE_DEPENDENT = (
    "tests/accounts/test_token_store.py",
    "tests/accounts/test_selectors.py",
    "tests/operations/test_admin.py",
    "tests/operations/test_housekeeping.py",
    "tests/operations/test_postgres.py",
    "tests/deployment/test_migrate_lock.py",
    "tests/security/test_tokens_at_rest.py",
)
# Tests whose outcome does not depend on the test database either: the emulator's own tests
# (no database), start-up and deployment checks that run in subprocesses with settings and
# databases of their own, and about half of the browser tests by time (the others run in the
# SQLite pass). They run once, in the PostgreSQL pass, which keeps the two passes (side by
# side, one core each) about as long. Marked `postgres_pass`.
IN_THE_POSTGRES_PASS = (
    "zoho_emulator/tests/",
    "tests/e2e/test_every_module_browser.py",
    "tests/e2e/test_portal_walk.py",
    "tests/e2e/test_bulk_edits_browser.py",
    "tests/e2e/test_records_browser.py",
    "tests/e2e/test_sign_in_browser.py",
    "tests/test_settings.py",
    "tests/deployment/test_cache_outage.py",
    "tests/deployment/test_checks.py",
    "tests/deployment/test_deploy_files.py",
    "tests/deployment/test_deploy_operations.py",
    "tests/deployment/test_kit.py",
    "tests/deployment/test_log_secrets.py",
    "tests/deployment/test_metrics_gunicorn.py",
    "tests/deployment/test_observability.py",
    "tests/deployment/test_sdk_compat.py",
    "tests/deployment/test_static_files.py",
    "tests/security/test_deployment.py",
)


def _commits_for_real(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or (
        "transactional_db" in getattr(item, "fixturenames", ())
    )


def pytest_collection_modifyitems(config, items):
    """Marks `database` and `postgres_pass` (above); a test marked `single_database` runs on
    one database only whatever it is. Tests marked `postgres` are skipped on SQLite."""
    from django.db import connection

    root = config.rootpath
    for item in items:
        path = item.path.relative_to(root).as_posix() if item.path.is_relative_to(root) else ""
        if path.startswith(IN_THE_POSTGRES_PASS):
            item.add_marker(pytest.mark.postgres_pass)
        elif "single_database" in item.keywords or path.startswith("tests/e2e/"):
            continue  # the browser tour: every path it takes is run through the test client
        elif (
            "postgres" in item.keywords
            or path.startswith(DATABASE_DEPENDENT)
            or _commits_for_real(item)
        ):
            item.add_marker(pytest.mark.database)
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run with TEST_POSTGRES_URL or make test)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def emulator_oauth_client():
    """The emulator knows the portal's own test client (zohoportal/settings/test.py)."""
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


@pytest.fixture
def sign_in(client, zoho, db):
    return SignIn(client, zoho)


@pytest.fixture
def connect(client, zoho, db):
    """`connect(email, org=None)`: a connection signed in on the test's `client`, without
    the sign-in flow (`connect_straight`); `connect(email, client=None)` only stores it."""

    def make(email: str, org: str | None = None, client=client):
        return connect_straight(zoho, email, org, client)

    return make


def _first_demo_user(dc: str) -> tuple[str, str]:
    """The first demo user of data center `dc` (zoho_emulator/seed.py) and their first org."""
    from zoho_emulator import seed

    person = next(user for user in seed.USERS if user.dc == dc)
    return person.email, person.orgs[0]


@pytest.fixture
def signed_in(connect, request):
    """The test's `client` signed in, without the sign-in flow (`connect`), as the first demo
    user of a data center in their first org; the connection. The data center is "us"
    (Patricia Boyle, Zylker Traders) unless the test is parametrized indirectly
    (`@pytest.mark.parametrize("signed_in", ["eu"], indirect=True)`) or marked
    `@pytest.mark.signed_in_as("eu")` (on a module: `pytestmark`)."""
    marker = request.node.get_closest_marker("signed_in_as")
    dc = getattr(request, "param", None) or (marker.args[0] if marker else "us")
    email, org = _first_demo_user(dc)
    return connect(email, org=org)


@pytest.fixture
def connection(signed_in):
    """`signed_in` by the name of what a test uses: the connection (`signed_in_as` chooses
    whose)."""
    return signed_in


@pytest.fixture
def us(connect):
    """Patricia Boyle's connection to Zylker Traders (us, 45 leads), signed in on `client`."""
    return connect(PATRICIA, org=ZYLKER_TRADERS)


@pytest.fixture
def staff_client(db):
    """A client logged in as a staff user (not a superuser) allowed to view and change
    connections."""
    from django.test import Client

    from tests.factories import StaffUserFactory

    user = StaffUserFactory(
        username="operator",
        permissions=[
            "view_zohoconnection",
            "change_zohoconnection",
            "view_zohoorg",
            "view_tokenrefreshlog",
        ],
    )
    client = Client()
    client.force_login(user)
    return client


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
