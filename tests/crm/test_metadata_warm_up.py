"""After sign-in the first page's metadata is fetched in the background (crm/warm_up.py,
accounts/services/warm_up.py), and a second user of an org and profile on another host (a
process sharing only the cache) fetches none of it again."""

from __future__ import annotations

import json
import os
import threading

import pytest

from accounts.models import ZohoConnection
from accounts.services import warm_up as warm_up_dispatcher
from crm import metadata, warm_up
from tests.crm.test_metadata_sharing import ELENA, calls_to, settings_calls, signed_in_as
from tests.helpers import PATRICIA, ZYLKER_TRADERS
from tests.production import run_python


def test_the_warm_up_leaves_the_dashboard_no_metadata_to_fetch(zoho, db):
    client, connection = signed_in_as(zoho, PATRICIA)
    report = warm_up.metadata_warm(connection=connection)
    assert {"Leads", "Contacts", "Accounts", "Deals"} <= set(report.modules)
    assert not report.missed
    fetched = settings_calls(zoho)
    assert fetched > 0
    metadata.forget_local()
    assert client.get("/").status_code == 200
    assert settings_calls(zoho) == fetched  # the dashboard found all of it cached
    assert client.get("/crm/Leads/").status_code == 200
    assert settings_calls(zoho) == fetched


def test_a_gone_connection_warms_nothing(db):
    assert warm_up.metadata_warm_by_id(987654) is None


@pytest.fixture
def dispatched(monkeypatch, settings):
    """Warm-up after sign-in turned on; the threads it starts, to wait for."""
    settings.ZOHO_WARM_UP_AFTER_SIGN_IN = True
    threads: list[threading.Thread] = []
    original = warm_up_dispatcher.warm_up_dispatch

    def dispatch(connection):
        thread = original(connection)
        threads.append(thread)
        return thread

    monkeypatch.setattr(warm_up_dispatcher, "warm_up_dispatch", dispatch)
    return threads


@pytest.mark.django_db(transaction=True)  # the thread reads the connection the sign-in stored
def test_sign_in_warms_the_first_page_in_the_background_and_never_waits(
    sign_in, zoho, dispatched, monkeypatch
):
    released = threading.Event()
    started = threading.Event()
    real = warm_up.metadata_warm_by_id

    def held(connection_id):
        started.set()
        assert released.wait(30)
        return real(connection_id)

    monkeypatch.setattr(warm_up, "metadata_warm_by_id", held)
    before = settings_calls(zoho)
    response = sign_in(PATRICIA, org=ZYLKER_TRADERS)
    assert response.status_code == 302  # answered while the warm-up is still held
    assert started.wait(30)
    (thread,) = dispatched
    assert thread.daemon and thread.is_alive()
    # only the module list, read with the sign-in's users and org (accounts/sign_in_prefetch.py)
    assert settings_calls(zoho) == before + 1 == calls_to(zoho, "/settings/modules")
    released.set()
    thread.join(60)
    assert not thread.is_alive()
    warmed = settings_calls(zoho)
    assert warmed > before
    metadata.forget_local()
    assert sign_in.client.get("/").status_code == 200  # the first page: already warm
    assert settings_calls(zoho) == warmed


def test_off_means_nothing_is_started(sign_in, zoho, settings):
    settings.ZOHO_WARM_UP_AFTER_SIGN_IN = False
    before = settings_calls(zoho)
    assert sign_in(PATRICIA, org=ZYLKER_TRADERS).status_code == 302
    connection = ZohoConnection.objects.get()
    assert warm_up_dispatcher.warm_up_dispatch(connection) is None
    assert settings_calls(zoho) == before


def test_with_a_broker_the_warm_up_is_a_task_queued_by_name(db, zoho, settings, monkeypatch):
    settings.ZOHO_WARM_UP_AFTER_SIGN_IN = True
    _client, connection = signed_in_as(zoho, PATRICIA)
    queued = []

    class Signature:
        def __init__(self, name, args):
            self.name, self.args = name, args

        def delay(self):
            queued.append((self.name, self.args))

    monkeypatch.setattr(warm_up_dispatcher, "runs_eagerly", lambda: False)
    monkeypatch.setattr(warm_up_dispatcher, "cache_is_shared", lambda: True)
    monkeypatch.setattr(
        warm_up_dispatcher.current_app, "signature", lambda name, args: Signature(name, args)
    )
    assert warm_up_dispatcher.warm_up_dispatch(connection) is None
    assert queued == [("crm.tasks.metadata_warm", (connection.pk,))]
    from crm import tasks

    assert tasks.metadata_warm.name == "crm.tasks.metadata_warm"
    assert "Leads" in tasks.metadata_warm.apply(args=(connection.pk,)).get()


# --- another host: a process of its own, sharing only the cache --------------------------------
SECOND_HOST = r"""
import json, os, sys, time
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "zohoportal.settings.test"
django.setup()
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings

given = json.loads(sys.argv[1])
with override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                        "LOCATION": given["redis"], "KEY_PREFIX": given["prefix"]}},
    ZOHO_EMULATOR_URL=given["emulator"],
    ZOHO_SDK_RESOURCE_DIR=given["resources"],
):
    call_command("migrate", verbosity=0)
    from accounts import services
    from zoho import identity as zoho_identity

    exchanged = zoho_identity.ExchangedToken(**given["exchanged"])
    connection = services.connection_register(
        exchanged=exchanged, user=None, scopes=given["scopes"]
    ).connection
    client = Client()
    client.force_login(connection.user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[services.SESSION_ACTIVE_KEY] = connection.pk
    session.save()
    page = client.get("/crm/Leads/")
    print(json.dumps({"status": page.status_code, "scope": connection.metadata_scope,
                      "elena": "Elena Vasquez" in page.content.decode()}))
"""


@pytest.mark.redis
def test_a_second_user_on_another_host_fetches_no_metadata(
    zoho, db, redis_cache, settings, tmp_path
):
    """Patricia's pages on this host fill the shared cache (Redis); Elena, of the same org
    and profile, signs in on another host (a process with its own database and SDK folder,
    sharing only Redis): her first list page makes no metadata call."""
    import time

    from django.conf import settings as django_settings

    from tests.helpers import redis_url
    from zoho_emulator import profiles, seed

    client, patricia = signed_in_as(zoho, PATRICIA)
    assert client.get("/crm/Leads/").status_code == 200
    before = settings_calls(zoho)
    users_before = calls_to(zoho, "/crm/v8/users")

    person = next(u for u in seed.USERS if u.email == ELENA)
    tokens = zoho.issue_tokens(ELENA, scopes=django_settings.ZOHO_SCOPES, org=ZYLKER_TRADERS)
    given = {
        "redis": redis_url(),
        "prefix": redis_cache,
        "emulator": zoho.url,
        "resources": str(tmp_path / "host-b"),
        "scopes": ",".join(django_settings.ZOHO_SCOPES),
        "exchanged": {
            "data_center": "us",
            "access_token": tokens["access_token"],
            "refresh_token": tokens["refresh_token"],
            "expires_at_ms": int((time.time() + tokens["expires_in"]) * 1000),
            "api_domain": tokens["api_domain"],
            "user_signature": f"{ELENA}:{ZYLKER_TRADERS}",
            "email": ELENA,
            "zoho_user_id": person.crm_ids[ZYLKER_TRADERS],
            "full_name": person.full_name,
            "zoho_account_id": person.zuid,
            "zgid": ZYLKER_TRADERS,
            "org_name": seed.org_by_zgid()[ZYLKER_TRADERS].name,
            "scopes": tokens["scope"],
            "zoho_profile_id": profiles.profile_id(ZYLKER_TRADERS, person.profile),
            "zoho_profile_name": person.profile,
        },
    }
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'host-b.sqlite3'}",
        "TEST_POSTGRES_URL": "",
    }
    done = run_python("-c", SECOND_HOST, json.dumps(given), env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["status"] == 200
    assert answer["scope"] == patricia.metadata_scope
    assert settings_calls(zoho) == before  # no settings/* call from the other host
    assert calls_to(zoho, "/crm/v8/users") == users_before
    assert list((tmp_path / "host-b").glob("connection-*/m-*/resources/*.json"))


def test_a_web_process_knows_the_warm_up_task_by_name():
    """Celery workers discover tasks at start-up; a web process without a broker runs the
    warm-up by name too, so crm registers it when Django starts (crm/apps.py)."""
    script = (
        "import django; django.setup(); from celery import current_app; "
        "print('crm.tasks.metadata_warm' in current_app.tasks)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zohoportal.settings.test",
        "DATABASE_URL": "sqlite:///:memory:",
        "TEST_POSTGRES_URL": "",
    }
    done = run_python("-c", script, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "True"


def test_with_a_broker_but_a_per_process_cache_the_warm_up_stays_in_this_process(
    db, zoho, settings, monkeypatch
):
    """`make run`: a filesystem broker and `locmemcache://`: a worker would warm its own."""
    settings.ZOHO_WARM_UP_AFTER_SIGN_IN = True
    assert not warm_up_dispatcher.cache_is_shared()  # the test settings' LocMemCache
    _client, connection = signed_in_as(zoho, PATRICIA)
    monkeypatch.setattr(warm_up_dispatcher, "runs_eagerly", lambda: False)
    monkeypatch.setattr(warm_up_dispatcher, "_warm_here", lambda connection_id: None)
    thread = warm_up_dispatcher.warm_up_dispatch(connection)
    assert thread is not None
    thread.join(30)
