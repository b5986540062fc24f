"""Properties 27-30: sessions and deployment (SECURITY.md "Sessions and deployment")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.models import PendingRevocation, ZohoConnection
from tests.production import production_env, run_python

ROOT = Path(__file__).resolve().parents[2]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


# --- 27. disconnect and logout ----------------------------------------------------------------
@pytest.mark.security(27)
@pytest.mark.django_db
def test_p27_disconnect_is_post_only_csrf_protected_revokes_at_its_dc_then_deletes(
    sign_in, demo_users, zoho, outbound
):
    sign_in(demo_users["by_dc"]["in"][0]["email"])
    connection = ZohoConnection.objects.get()
    refresh_token = connection.refresh_token
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = sign_in.client.cookies
    url = f"/accounts/connections/{connection.pk}/disconnect/"
    outbound.calls.clear()
    assert strict.get(url).status_code == 405
    assert strict.post(url).status_code == 403  # no CSRF token
    assert ZohoConnection.objects.filter(pk=connection.pk).exists()
    assert len(outbound) == 0
    # With the page's CSRF token it goes through: revoked at India's accounts server first.
    strict.get("/accounts/connections/")
    response = strict.post(url, {"csrfmiddlewaretoken": strict.cookies["csrftoken"].value})
    assert response.status_code == 302
    assert not ZohoConnection.objects.filter(pk=connection.pk).exists()
    assert outbound.urls == [f"{zoho.accounts_server('in')}/oauth/v2/token/revoke"]
    state = {t["token"]: t for t in zoho.client.tokens()["refresh_tokens"]}[refresh_token]
    assert state["alive"] is False and state["dc"] == "in"


@pytest.mark.security(27)
@pytest.mark.django_db
def test_p27_a_failed_revoke_is_queued_durably_and_the_connection_is_gone_for_the_user(
    sign_in, client, demo_users, zoho
):
    sign_in(demo_users["by_dc"]["eu"][0]["email"])
    connection = ZohoConnection.objects.get()
    refresh_token = connection.refresh_token
    zoho.client.add_fault("/accounts/eu/oauth/v2/token/revoke", status=503, count=None)
    response = client.post(f"/accounts/connections/{connection.pk}/disconnect/", follow=True)
    assert response.status_code == 200
    assert "keeps trying until Zoho confirms" in response.text
    assert not ZohoConnection.objects.filter(pk=connection.pk).exists()
    # The token is never lost: kept encrypted (no plaintext at rest) until Zoho confirms.
    queued = PendingRevocation.objects.get()
    assert queued.token == refresh_token and refresh_token not in queued.token_encrypted
    assert _alive(zoho, refresh_token)
    zoho.client.clear_faults()
    PendingRevocation.objects.update(next_attempt_at=timezone.now())  # its backoff is over
    call_command("zoho_housekeeping")
    assert not _alive(zoho, refresh_token)
    assert not PendingRevocation.objects.exists()


def _alive(zoho, refresh_token: str) -> bool:
    return {t["token"]: t["alive"] for t in zoho.client.tokens()["refresh_tokens"]}[refresh_token]


@pytest.mark.security(27)
@pytest.mark.django_db
def test_p27_logout_is_post_only_csrf_protected_and_flushes_the_session(sign_in, demo_users):
    from django.contrib.sessions.models import Session

    sign_in(demo_users["by_dc"]["us"][0]["email"])
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = sign_in.client.cookies
    old_session = strict.cookies["sessionid"].value
    assert strict.get("/accounts/logout/").status_code == 200  # the sign-out button only
    assert Session.objects.filter(session_key=old_session).exists()
    assert strict.post("/accounts/logout/").status_code == 403
    strict.get("/accounts/connections/")
    strict.post("/accounts/logout/", {"csrfmiddlewaretoken": strict.cookies["csrftoken"].value})
    assert not Session.objects.filter(session_key=old_session).exists()
    assert "_auth_user_id" not in strict.session
    assert services.SESSION_ACTIVE_KEY not in strict.session


# --- 28. manage.py check --deploy -------------------------------------------------------------
@pytest.mark.security(28)
def test_p28_check_deploy_is_clean_with_production_settings():
    env = production_env(CELERY_BROKER_URL="redis://127.0.0.1:6379/1")
    result = run_python("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.security(28)
def test_p28_check_deploy_fails_when_a_protection_is_switched_off():
    result = run_python(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=production_env(SESSION_COOKIE_SECURE="false", SECURE_HSTS_SECONDS="0"),
    )
    assert result.returncode != 0
    assert "security.W012" in result.stderr and "security.W004" in result.stderr


# --- 29. headers and cookies --------------------------------------------------------------------
PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
names = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
         "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE", "SECURE_SSL_REDIRECT",
         "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
         "SECURE_PROXY_SSL_HEADER", "X_FRAME_OPTIONS", "SECURE_CONTENT_TYPE_NOSNIFF",
         "SECURE_REFERRER_POLICY", "CONTENT_SECURITY_POLICY", "STORAGES", "MIDDLEWARE"]
print(json.dumps({n: getattr(s, n) for n in names}))
"""


def _production_settings(**extra: str) -> dict:
    env = production_env(DJANGO_SETTINGS_MODULE="zohoportal.settings.production", **extra)
    result = run_python("-c", PRINT_SETTINGS, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.security(29)
def test_p29_production_turns_on_https_hsts_and_secure_cookies():
    s = _production_settings()
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["SESSION_COOKIE_HTTPONLY"]
    assert s["SESSION_COOKIE_SAMESITE"] == "Lax" == s["CSRF_COOKIE_SAMESITE"]
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_HSTS_SECONDS"] == 31536000
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert s["X_FRAME_OPTIONS"] == "DENY" and s["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert s["SECURE_REFERRER_POLICY"]
    assert s["CONTENT_SECURITY_POLICY"] == CSP
    assert s["SECURE_PROXY_SSL_HEADER"] is None
    # WhiteNoise's hashed, compressed files, kept working before collectstatic (static.py).
    assert s["STORAGES"]["staticfiles"]["BACKEND"] == "core.static.ManifestStaticFilesStorage"
    assert "core.static.StaticFilesMiddleware" in s["MIDDLEWARE"]


@pytest.mark.security(29)
def test_p29_each_switch_is_env_controlled():
    s = _production_settings(
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_PRELOAD="false",
        SECURE_HSTS_SECONDS="600",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
    )
    assert s["SECURE_SSL_REDIRECT"] is False and s["SECURE_HSTS_PRELOAD"] is False
    assert s["SECURE_HSTS_SECONDS"] == 600
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


@pytest.mark.security(29)
@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/accounts/callback/?state=x"])
def test_p29_responses_carry_hsts_frame_nosniff_referrer_and_csp(client, zoho, path):
    response = client.get(path, secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] in ("same-origin", "no-referrer")
    assert response["Content-Security-Policy"] == CSP


@pytest.mark.security(29)
@pytest.mark.django_db
def test_p29_csp_allows_the_portals_own_scripts_and_styles_and_nothing_inline(
    sign_in, client, demo_users
):
    sign_in(demo_users["by_dc"]["us"][0]["email"])
    for path in ("/", "/accounts/connections/", "/crm/Leads/", "/crm/input/"):
        page = client.get(path).text
        assert "<script>" not in page and " style=" not in page and "<style" not in page, path
        assert "javascript:" not in page and " onclick=" not in page, path
    assert '<script src="/static/js/app.js"' in client.get("/").text
    static = client.get("/static/js/app.js")
    assert static.status_code == 200  # served by WhiteNoise, same origin: 'self'


@pytest.mark.security(29)
@pytest.mark.django_db
def test_p29_cookies_are_secure_httponly_and_samesite_lax(sign_in, client, demo_users, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    response = client.get("/accounts/login/", secure=True)
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    sign_in(demo_users["by_dc"]["us"][0]["email"])
    page = client.get("/accounts/connections/", secure=True)  # a page with forms
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"


@pytest.mark.security(29)
@pytest.mark.django_db
def test_p29_plain_http_is_redirected_to_https_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/accounts/connections/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


# --- 30. rate limit -----------------------------------------------------------------------------
@pytest.mark.security(30)
@pytest.mark.django_db
def test_p30_login_start_is_rate_limited_per_client_address(zoho, settings):
    settings.LOGIN_RATE_LIMIT = (3, 60)
    first = Client(REMOTE_ADDR="192.0.2.1")
    assert [first.get("/accounts/login/").status_code for _ in range(4)] == [302, 302, 302, 429]
    assert "Too many sign-in attempts" in first.get("/accounts/login/").text
    assert Client(REMOTE_ADDR="192.0.2.2").get("/accounts/login/").status_code == 302


@pytest.mark.security(30)
@pytest.mark.django_db
def test_p30_behind_a_trusted_proxy_the_limit_is_per_client_not_per_proxy(zoho, settings):
    settings.LOGIN_RATE_LIMIT = (2, 60)
    settings.TRUSTED_PROXY_COUNT = 1

    def via_proxy(client_address: str, spoofed: str = "") -> int:
        forwarded = f"{spoofed}, {client_address}" if spoofed else client_address
        proxy = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
        return proxy.get("/accounts/login/").status_code

    assert [via_proxy("198.51.100.7") for _ in range(3)] == [302, 302, 429]
    assert via_proxy("198.51.100.8") == 302  # another client behind the same proxy
    # A client cannot escape its bucket by writing its own X-Forwarded-For entries.
    assert via_proxy("198.51.100.7", spoofed="203.0.113.99") == 429
