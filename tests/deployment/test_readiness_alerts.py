"""/readyz: state changes logged once (never an ERROR, never a mail), and the `tokens` check
that keeps a host whose TOKEN_ENCRYPTION_KEYS cannot read the stored tokens out of rotation."""

from __future__ import annotations

import json
import logging

import pytest
from cryptography.fernet import Fernet
from django.core import mail
from django.test import Client

from accounts.models import ZohoConnection

pytestmark = pytest.mark.django_db

BROKEN_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # discard port: nothing listens
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}
WORKING_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def _probe() -> tuple[int, dict]:
    response = Client(HTTP_HOST="10.0.0.7").get("/readyz")
    return response.status_code, json.loads(response.content)


def _health_lines(caplog) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "zohoportal.health"]


def test_a_failing_probe_mails_nobody_logs_no_error_and_alerts_on_changes_only(settings, caplog):
    settings.ADMINS = [("Ops", "ops@example.com")]
    caplog.set_level(logging.INFO)
    settings.CACHES = BROKEN_CACHE
    for _ in range(3):
        assert _probe()[0] == 503
    assert mail.outbox == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert _health_lines(caplog) == [
        ("WARNING", "readiness: cache unavailable (ConnectionError)")
    ]  # once, not once a probe

    caplog.clear()
    settings.CACHES = WORKING_CACHE
    assert _probe()[0] == 200
    assert _probe()[0] == 200
    assert _health_lines(caplog) == [
        ("INFO", "readiness: cache ok again"),
        ("INFO", "readiness: ready again"),
    ]

    caplog.clear()
    settings.CACHES = BROKEN_CACHE
    assert _probe()[0] == 503
    assert _health_lines(caplog) == [
        ("WARNING", "readiness: cache unavailable (ConnectionError)")
    ]  # the next outage is reported again
    assert mail.outbox == []


@pytest.fixture
def stored(connect, demo_users):
    """Two connections, their tokens encrypted with the suite's keys."""
    users = demo_users["by_dc"]["eu"][:1] + demo_users["by_dc"]["au"][:1]
    return [connect(user["email"], client=None) for user in users]


def test_readiness_fails_naming_tokens_when_the_keys_cannot_read_them(stored, settings, caplog):
    caplog.set_level(logging.INFO)
    assert _probe() == (
        200,
        {"status": "ok", "checks": {"database": "ok", "cache": "ok", "tokens": "ok"}},
    )
    suite_keys = list(settings.TOKEN_ENCRYPTION_KEYS)
    plaintexts = [c.refresh_token for c in stored] + [c.access_token for c in stored]
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # another host's keys
    status, body = _probe()
    assert status == 503
    assert body == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "ok", "tokens": "unavailable"},
    }
    ((level, message),) = _health_lines(caplog)
    ids = ", ".join(str(c.pk) for c in sorted(stored, key=lambda c: -c.pk))
    assert level == "WARNING"
    assert message.startswith(
        "readiness: tokens unavailable (TOKEN_ENCRYPTION_KEYS cannot decrypt the stored "
        f"tokens of 2 of the 2 newest connections (ids {ids})"
    ), message
    for connection in stored:  # the log names rows, never what they hold
        row = ZohoConnection.objects.get(pk=connection.pk)
        assert row.refresh_token_encrypted[:40] not in caplog.text
    assert not [token for token in plaintexts if token in caplog.text]
    assert _probe()[0] == 503
    assert len(_health_lines(caplog)) == 1  # still failing: nothing new to say

    caplog.clear()
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *suite_keys]
    assert _probe()[0] == 200  # a new key first and the old ones after: readable
    assert ("INFO", "readiness: tokens ok again") in _health_lines(caplog)


def test_a_single_copied_ciphertext_does_not_take_the_host_out(stored):
    first, second = stored
    ZohoConnection.objects.filter(pk=second.pk).update(
        refresh_token_encrypted=ZohoConnection.objects.get(pk=first.pk).refresh_token_encrypted
    )
    # The keys read it (the row itself refuses it: bound to the other connection).
    assert _probe()[0] == 200


def test_only_a_sample_of_the_newest_connections_is_read(
    stored, monkeypatch, django_assert_num_queries
):
    from accounts import token_readiness

    with django_assert_num_queries(1):
        token_readiness.check()
    older, newest = sorted(stored, key=lambda c: c.pk)
    ZohoConnection.objects.filter(pk=older.pk).update(refresh_token_encrypted="not fernet")
    with pytest.raises(token_readiness.TokensUnreadable, match=f"ids {older.pk}\\)"):
        token_readiness.check()
    monkeypatch.setattr(token_readiness, "SAMPLE_SIZE", 1)
    token_readiness.check()  # the newest one only: readable


def test_reconnect_needed_for_unreadable_tokens_logs_why(
    connect, client, demo_users, settings, caplog
):
    connection = connect(demo_users["by_dc"]["eu"][0]["email"])
    refresh_token, access_token = connection.refresh_token, connection.access_token
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    caplog.set_level(logging.INFO)
    api = client.get("/crm/api/Leads/")
    assert api.status_code == 403 and api.json()["error"]["code"] == "NEEDS_RECONSENT"
    page = client.get("/crm/Leads/")
    assert page.status_code == 403 and "Reconnect needed" in page.content.decode()
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name == "zohoportal.crm" and r.levelno == logging.WARNING
    ]
    assert len(warnings) == 2, caplog.text
    assert warnings[0].startswith(
        f"connection {connection.pk}: answering Reconnect needed: its stored tokens cannot be "
        "decrypted (A stored Zoho token cannot be decrypted with TOKEN_ENCRYPTION_KEYS."
    ), warnings[0]
    assert refresh_token not in caplog.text and access_token not in caplog.text
