"""Request ids, log lines, error e-mails, Sentry and Cache-Control: what an operator sees."""

from __future__ import annotations

import gzip
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from accounts.models import ZohoConnection
from core.request_id import request_id_from
from tests.production import production_env, run_python

BROKEN_CACHE = "redis://127.0.0.1:9/0"  # discard port: nothing listens


# --- request ids ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_every_response_carries_a_request_id():
    first, second = Client().get("/"), Client().get("/")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.django_db
def test_a_sane_incoming_request_id_is_kept_and_echoed():
    response = Client(HTTP_X_REQUEST_ID="lb-7f3a.2024:abc_1").get("/")
    assert response["X-Request-ID"] == "lb-7f3a.2024:abc_1"


@pytest.mark.parametrize(
    "incoming",
    ["", "x" * 129, "has space", "new\nline", "<script>", "-leading-dash", "ü", "a;b"],
)
def test_an_odd_incoming_request_id_is_replaced(incoming):
    assert re.fullmatch(r"[0-9a-f]{32}", request_id_from(incoming))


# --- log lines (console_lines: tests/deployment/conftest.py) -------------------------------------
@pytest.mark.django_db
def test_a_log_line_has_utc_time_level_logger_and_the_request_id(console_lines, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": BROKEN_CACHE,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    response = Client(HTTP_X_REQUEST_ID="probe-42").get("/readyz")
    assert response.status_code == 503
    line = next(line for line in console_lines() if "readiness" in line)
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARNING zohoportal\.health \[probe-42\] "
        r"readiness: cache unavailable \(ConnectionError\)",
        line,
    ), line


def test_log_format_json_writes_one_object_per_line():
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client(HTTP_X_REQUEST_ID='json-7').get('/readyz')\n"
        "print(r.status_code)\n"
    )
    env = production_env(
        DJANGO_SETTINGS_MODULE="zohoportal.settings.production",
        LOG_FORMAT="json",
        CACHE_URL=BROKEN_CACHE,
        DATABASE_URL="sqlite:///:memory:",
    )
    env["ALLOWED_HOSTS"] = "testserver"
    result = run_python("-c", script, env=env)
    assert result.stdout.strip() == "503", result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    record = next(r for r in records if r["logger"] == "zohoportal.health")
    assert "database" not in record["message"]
    assert record["level"] == "WARNING" and record["request_id"] == "json-7"
    assert record["message"] == "readiness: cache unavailable (ConnectionError)"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["time"])


def test_a_bad_log_format_stops_start_up_naming_it():
    result = run_python("manage.py", "check", env=production_env(LOG_FORMAT="xml"))
    assert result.returncode != 0 and "LOG_FORMAT must be text or json" in result.stderr


# --- error e-mails and Sentry ---------------------------------------------------------------------
def test_admins_and_email_come_from_the_environment():
    script = (
        "import django, json; django.setup()\n"
        "from django.conf import settings as s\n"
        "print(json.dumps([s.ADMINS, s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.SERVER_EMAIL]))"
    )
    env = production_env(
        DJANGO_SETTINGS_MODULE="zohoportal.settings.production",
        ADMINS="ops@example.com,oncall@example.com",
        EMAIL_URL="smtp+tls://mailer:pw@smtp.example.com:587",
        SERVER_EMAIL="portal@example.com",
    )
    result = run_python("-c", script, env=env)
    assert result.returncode == 0, result.stderr
    admins, backend, host, port, sender = json.loads(result.stdout)
    assert admins == [["ops@example.com", "ops@example.com"], ["oncall@example.com"] * 2]
    assert backend == "django.core.mail.backends.smtp.EmailBackend"
    assert (host, port, sender) == ("smtp.example.com", 587, "portal@example.com")


class _FakeSentry(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


SENTRY_SCRIPT = """
import django; django.setup()
import sentry_sdk
from wsgiref.util import setup_testing_defaults
from django.core.wsgi import get_wsgi_application
from accounts import services

def broken(*args, **kwargs):
    raise RuntimeError("the callback broke")

services.sign_in_consume_state = broken
environ = {
    "PATH_INFO": "/accounts/callback/",
    "QUERY_STRING": "code=1000.SECRETCODE.abc&state=SECRETSTATE&location=eu",
    "HTTP_HOST": "testserver",
}
setup_testing_defaults(environ)
statuses = []
body = get_wsgi_application()(environ, lambda status, headers: statuses.append(status))
b"".join(body)
print(statuses[0].split()[0])
sentry_sdk.flush(10)
"""


def test_sentry_gets_the_error_without_the_callbacks_code_and_state():
    _FakeSentry.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeSentry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = production_env(
            DJANGO_SETTINGS_MODULE="zohoportal.settings.production",
            SENTRY_DSN=f"http://publickey@127.0.0.1:{server.server_port}/1",
            SECURE_SSL_REDIRECT="false",
            ALLOWED_HOSTS="testserver",
            ZOHO_REDIRECT_URI="http://testserver/accounts/callback/",
        )
        result = run_python("-c", SENTRY_SCRIPT, env=env)
    finally:
        server.shutdown()
    assert result.stdout.strip() == "500", result.stderr
    sent = b"\n".join(_FakeSentry.received).decode("utf-8", "replace")
    assert "the callback broke" in sent  # the error itself was reported
    assert "RuntimeError" in sent
    assert "SECRETCODE" not in sent and "SECRETSTATE" not in sent
    assert "[Filtered]" in sent  # the query string is there, with the values blanked
    assert '"vars"' not in sent  # no frame's local variables


# --- Cache-Control --------------------------------------------------------------------------------
@pytest.mark.django_db
def test_signed_in_pages_and_the_api_are_never_stored(sign_in, demo_users):
    sign_in(demo_users["by_dc"]["eu"][0]["email"])
    connection = ZohoConnection.objects.get()
    for path in (
        "/",
        "/accounts/connections/",
        "/crm/Leads/",
        "/crm/api/Leads/",
        "/crm/api/modules/",
        f"/crm/api/Leads/{connection.pk}/",  # a 404 is not stored either
    ):
        response = sign_in.client.get(path)
        assert "no-store" in response["Cache-Control"], path
        assert "private" in response["Cache-Control"], path


@pytest.mark.django_db
def test_the_api_is_never_stored_even_signed_out_and_static_files_still_are():
    assert "no-store" in Client().get("/crm/api/modules/")["Cache-Control"]
    home = Client().get("/")
    assert "no-store" not in home.get("Cache-Control", "")
