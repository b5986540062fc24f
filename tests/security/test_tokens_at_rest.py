"""Properties 9-15: tokens at rest and on screen (SECURITY.md "Tokens at rest and on screen")."""

from __future__ import annotations

import sys
from io import StringIO
from urllib.parse import urlencode

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.views.debug import ExceptionReporter, get_exception_reporter_class

from accounts import activation, refresh, services, token_crypto
from accounts.models import ZohoConnection
from tests.helpers import database_dump, query_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def connections(sign_in, client, demo_users):
    """Three real connections: one user in two orgs (us), one user in eu."""
    user = demo_users["multi_org"]
    for org in user["orgs"]:
        sign_in(user["email"], org=org["zgid"])
    client.post("/accounts/logout/")
    sign_in(demo_users["by_dc"]["eu"][0]["email"])
    return list(ZohoConnection.objects.select_related("org").order_by("pk"))


def _secrets(connections) -> list[str]:
    values = []
    for connection in connections:
        values += [connection.refresh_token, connection.access_token]
    return values


# --- 9. encrypted at rest, keys from the environment -------------------------------------
@pytest.mark.security(9)
def test_p09_a_raw_read_of_every_table_shows_no_token(connections):
    dump = database_dump()
    assert connections[0].refresh_token_encrypted in dump  # the dump does see the rows
    for secret in _secrets(connections):
        assert secret not in dump
        assert secret.split(".", 1)[1] not in dump  # not even without the "1000." prefix


@pytest.mark.security(9)
def test_p09_keys_come_from_token_encryption_keys_not_secret_key(connections, settings):
    connection = connections[0]
    plaintext = connection.refresh_token
    settings.SECRET_KEY = "a-completely-different-secret-key-" + "z" * 30
    assert ZohoConnection.objects.get(pk=connection.pk).refresh_token == plaintext
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(token_crypto.TokenDecryptionError):
        _ = ZohoConnection.objects.get(pk=connection.pk).refresh_token


# --- 10. ciphertext bound to its row -----------------------------------------------------
@pytest.mark.security(10)
@pytest.mark.parametrize("expired", [False, True], ids=["fresh", "needs-refresh"])
def test_p10_ciphertext_copied_into_another_row_fails_closed_with_nothing_sent(
    connections, outbound, zoho, expired
):
    from datetime import timedelta

    from django.utils import timezone

    a, b, _ = connections
    ZohoConnection.objects.filter(pk=b.pk).update(
        refresh_token_encrypted=a.refresh_token_encrypted,
        access_token_encrypted=a.access_token_encrypted,
        access_token_expires_at=timezone.now()
        + (timedelta(minutes=-1) if expired else timedelta(hours=1)),
    )
    b = ZohoConnection.objects.get(pk=b.pk)
    outbound.calls.clear()
    with pytest.raises(token_crypto.TokenDecryptionError), activation.activated(b):
        pass
    assert len(outbound) == 0
    # Disconnecting B must not revoke A's grant with the copied token; B, whose own grant
    # cannot be revoked now, is kept.
    with pytest.raises(services.DisconnectError, match="can no longer decrypt"):
        services.connection_disconnect(connection=b)
    assert ZohoConnection.objects.filter(pk=b.pk).exists()
    assert a.refresh_token.encode() not in b"".join(body for _, _, body in outbound.calls)
    alive = {t["token"]: t["alive"] for t in zoho.client.tokens()["refresh_tokens"]}
    assert alive[a.refresh_token] is True


@pytest.mark.security(10)
def test_p10_ciphertext_moved_between_columns_fails_closed(connections):
    connection = connections[0]
    ZohoConnection.objects.filter(pk=connection.pk).update(
        access_token_encrypted=connection.refresh_token_encrypted
    )
    with pytest.raises(token_crypto.TokenDecryptionError):
        _ = ZohoConnection.objects.get(pk=connection.pk).access_token


# --- 11. missing or wrong key ------------------------------------------------------------
@pytest.mark.security(11)
def test_p11_wrong_key_fails_closed_with_a_clear_error_and_never_returns_ciphertext(
    connections, settings, outbound
):
    connection = connections[0]
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    row = ZohoConnection.objects.get(pk=connection.pk)
    with pytest.raises(token_crypto.TokenDecryptionError, match="TOKEN_ENCRYPTION_KEYS"):
        _ = row.refresh_token
    with pytest.raises(token_crypto.TokenDecryptionError, match="TOKEN_ENCRYPTION_KEYS"):
        _ = row.access_token
    assert row.refresh_token_or_none() is None  # never the ciphertext
    outbound.calls.clear()
    with pytest.raises(token_crypto.TokenDecryptionError), activation.activated(row):
        pass
    assert len(outbound) == 0


@pytest.mark.security(11)
@pytest.mark.parametrize("keys", [[], ["not-a-fernet-key"]], ids=["missing", "malformed"])
def test_p11_missing_or_malformed_key_is_a_clear_configuration_error(connections, settings, keys):
    settings.TOKEN_ENCRYPTION_KEYS = keys
    token_crypto._fernet.cache_clear()
    with pytest.raises(ImproperlyConfigured, match="TOKEN_ENCRYPTION_KEYS"):
        _ = ZohoConnection.objects.get(pk=connections[0].pk).refresh_token


# --- 12. key rotation --------------------------------------------------------------------
@pytest.mark.security(12)
def test_p12_rotation_command_re_encrypts_every_row_so_old_keys_can_go(connections, settings):
    plaintext = {c.pk: (c.refresh_token, c.access_token) for c in connections}
    secrets = _secrets(connections)
    old_ciphertexts = {c.refresh_token_encrypted for c in connections}
    new_key = Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [new_key, *settings.TOKEN_ENCRYPTION_KEYS]
    out = StringIO()
    call_command("zoho_rotate_keys", stdout=out)
    settings.TOKEN_ENCRYPTION_KEYS = [new_key]
    rows = list(ZohoConnection.objects.all())
    assert {row.pk: (row.refresh_token, row.access_token) for row in rows} == plaintext
    assert not old_ciphertexts & {row.refresh_token_encrypted for row in rows}
    for secret in secrets:
        assert secret not in out.getvalue()


@pytest.mark.security(12)
def test_p12_rotation_with_an_unreadable_row_stops_with_a_clear_error(connections, settings):
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match="TOKEN_ENCRYPTION_KEYS"):
        call_command("zoho_rotate_keys")


# --- 13. the client secret is never stored ------------------------------------------------
@pytest.mark.security(13)
def test_p13_client_secret_is_in_no_table_and_no_sdk_file(connections, settings):
    from pathlib import Path

    from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
    from zohocrmsdk.src.com.zoho.crm.api.record import GetRecordsParam, RecordOperations

    for connection in connections:
        refresh.connection_refresh(connection=connection, force=True)
        with activation.activated(ZohoConnection.objects.get(pk=connection.pk)):
            params = ParameterMap()
            params.add(GetRecordsParam.fields, "Last_Name")
            RecordOperations("Leads").get_records(params)
    secret = settings.ZOHO_CLIENT_SECRET
    assert secret not in database_dump()
    for path in Path(settings.ZOHO_SDK_RESOURCE_DIR).rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


# --- 14. the admin, __str__, logs and error pages never show a token ----------------------
@pytest.fixture
def superuser_client(db):
    from django.contrib.auth import get_user_model
    from django.test import Client

    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(admin)
    return client


@pytest.mark.security(14)
def test_p14_admin_never_shows_a_token_even_to_a_superuser(superuser_client, connections, zoho):
    from django.urls import reverse

    connection = connections[0]
    refresh.connection_refresh(connection=connection, force=True)
    changelist = reverse("admin:accounts_zohoconnection_changelist")
    change = reverse("admin:accounts_zohoconnection_change", args=[connection.pk])
    pages = [
        changelist,
        f"{changelist}?q={connection.email}",
        change,
        reverse("admin:accounts_zohoconnection_history", args=[connection.pk]),
        reverse("admin:accounts_tokenrefreshlog_changelist"),
    ]
    html = "".join(superuser_client.get(page).text for page in pages)
    stored = []
    for row in ZohoConnection.objects.all():
        stored += [row.refresh_token, row.access_token, row.refresh_token_encrypted]
        stored += [row.access_token_encrypted, row.refresh_token_digest, row.access_token_digest]
    for value in stored:
        assert value not in html
        assert value[6:30] not in html
    assert connection.refresh_token[:6] + "*" in html  # masked, like mask_hash
    # Not searchable by token, no add form, read-only change page.
    search = superuser_client.get(changelist, {"q": connection.refresh_token})
    assert "0 Zoho connections" in search.text or "0 results" in search.text
    assert superuser_client.get(reverse("admin:accounts_zohoconnection_add")).status_code == 403
    assert 'name="_save"' not in superuser_client.get(change).text


@pytest.mark.security(14)
def test_p14_str_and_repr_never_contain_a_token(connections):
    for connection in connections:
        for text in (str(connection), repr(connection), str(connection.org)):
            for secret in (connection.refresh_token, connection.access_token):
                assert secret not in text
                assert secret[6:] not in text


def _report(exc_info) -> str:
    """What Django's error page (DEBUG) and the admins' error e-mail would show."""
    reporter = ExceptionReporter(None, *exc_info)
    return reporter.get_traceback_html() + reporter.get_traceback_text()


def _frames_showing(report: str, secret: str) -> list[str]:
    """The report's lines (frame variables) that show `secret`, for the failure message."""
    return [line.strip()[:160] for line in report.splitlines() if secret in line]


@pytest.mark.security(14)
def test_p14_error_reports_of_a_failed_refresh_never_contain_a_token(
    connections, zoho, monkeypatch
):
    """An unexpected failure mid-refresh (here: the log table) must not leak the new token."""
    from accounts.models import TokenRefreshLog

    connection = connections[2]

    def broken_create(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(TokenRefreshLog.objects, "create", broken_create)
    try:
        refresh.connection_refresh(connection=connection, force=True)
    except RuntimeError:
        report = _report(sys.exc_info())
    else:
        pytest.fail("the refresh should have failed")
    minted = [t["token"] for t in zoho.client.tokens()["access_tokens"]]
    minted += [t["token"] for t in zoho.client.tokens()["refresh_tokens"]]
    assert "database went away" in report
    for secret in minted:
        assert secret not in report, _frames_showing(report, secret)


@pytest.mark.security(14)
def test_p14_error_reports_of_a_failed_sign_in_never_contain_a_token(
    sign_in, client, demo_users, zoho, monkeypatch, caplog
):
    """A 500 while storing a new connection: the admins' error e-mail shows no token.

    Built exactly as Django's AdminEmailHandler builds it, from the `django.request` record,
    with the configured reporter; the callback's `code` and `state` are blanked too.
    """

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ZohoConnection, "save", broken_save)
    params = query_of(sign_in.authorize(demo_users["by_dc"]["eu"][0]["email"]))
    client.raise_request_exception = False
    # gunicorn's copy of the whole URL, query and all, lands in the report's META too.
    raw_uri = f"/accounts/callback/?{urlencode(params)}"
    response = client.get("/accounts/callback/", params, RAW_URI=raw_uri)
    assert response.status_code == 500
    record = next(r for r in caplog.records if r.name == "django.request" and r.exc_info)
    reporter_class = get_exception_reporter_class(record.request)
    reporter = reporter_class(record.request, *record.exc_info, is_email=True)
    report = reporter.get_traceback_html() + reporter.get_traceback_text()
    minted = [t["token"] for t in zoho.client.tokens()["access_tokens"]]
    minted += [t["token"] for t in zoho.client.tokens()["refresh_tokens"]]
    minted += [params["code"], params["state"]]
    assert minted and "database went away" in report
    assert "accounts-server" in report  # the query is shown, its secrets blanked
    for secret in minted:
        assert secret not in report, _frames_showing(report, secret)
    assert "Traceback" not in response.text  # the production 500 page is plain
    for secret in minted:
        assert secret not in response.text


# --- 15. a repeat login without refresh_token keeps the stored one ------------------------
@pytest.mark.security(15)
def test_p15_repeat_login_whose_answer_has_no_refresh_token_keeps_the_stored_one(
    sign_in, client, demo_users, zoho
):
    import requests

    user = demo_users["by_dc"]["eu"][0]
    sign_in(user["email"])
    stored = ZohoConnection.objects.get().refresh_token
    client.post("/accounts/logout/")
    params = query_of(sign_in.authorize(user["email"]))
    answer = requests.post(
        zoho.token_url("eu"),
        data={
            "grant_type": "authorization_code",
            "code": params["code"],
            "client_id": zoho.client_id,
            "client_secret": zoho.client_secret,
            "redirect_uri": zoho.redirect_uri,
            "code_verifier": client.session[services.SESSION_OAUTH_KEY][params["state"]][
                "verifier"
            ],
        },
        timeout=5,
    ).json()
    # A known user's repeat sign-in asks no consent nor offline access: Zoho's answer has
    # no refresh token (dropped here should it carry one).
    answer.pop("refresh_token", None)
    zoho.client.add_fault("/accounts/eu/oauth/v2/token", status=200, body=answer)
    response = client.get("/accounts/callback/", params)
    assert response.status_code == 302
    connection = ZohoConnection.objects.get()
    assert connection.refresh_token == stored
    assert connection.access_token == answer["access_token"]
    # And the kept refresh token still works.
    refreshed = refresh.connection_refresh(connection=connection, force=True)
    assert refreshed.refresh_token == stored


@pytest.mark.security(14)
def test_p14_a_connection_pickled_or_shown_never_carries_a_decrypted_token(sign_in, demo_users):
    import pickle

    sign_in(demo_users["by_dc"]["eu"][0]["email"])
    connection = ZohoConnection.objects.get()
    tokens = (connection.access_token, connection.refresh_token)  # read: kept decrypted
    blob = pickle.dumps(connection)
    assert all(token.encode() not in blob for token in tokens)
    assert all(token not in repr(connection) and token not in str(connection) for token in tokens)
    assert pickle.loads(blob).access_token == tokens[0]  # noqa: S301 - our own bytes
