"""No sign-in secret in any log line, in either format, from the portal, Django and gunicorn.

Secrets are planted where an attacker or a browser puts them (a refused callback's `code` and
`state`, a bearer token, a session cookie, a token in a query string, a revocation Zoho
refuses, an exception whose message holds a callback URL) and every line written is scanned.
In JSON every line must be one object with the time, level, logger and request id, and the
4xx lines Django writes must carry the request id the response did. runserver under
`make run` is scanned in tests/e2e/test_make_run.py.
"""

from __future__ import annotations

import json
import logging
import re

import pytest
from django.test import Client

from accounts import services
from accounts.services import revocations
from core.logs import JsonLinesFormatter, TextFormatter, scrub
from tests.deployment import harness
from tests.helpers import path_of, query_of

PLANTED_CODE = "1000.SECRETCODE0123456789abcdef.0123456789abcdef0123456789abcdef"
PLANTED = (
    "SECRETCODE",
    "SECRETSTATE",
    "SECRETBEARER",
    "SECRETSESSION",
    "SECRETTOKEN",
    "SECRETREVOKE",
    "SECRETCOOKIE",
)
PLANTED_REVOKE = "1000.aaaaSECRETREVOKE0000000000000000.bbbb00000000000000000000000000000"
JSON_KEYS = {"time", "level", "logger", "request_id", "message"}


@pytest.fixture(params=["text", "json"])
def portal_log(request, console_lines):
    """The console handler in LOG_FORMAT `request.param`: (format, lines written)."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "name", "") == "console")
    previous = handler.formatter
    handler.setFormatter(JsonLinesFormatter() if request.param == "json" else TextFormatter())
    try:
        yield request.param, console_lines
    finally:
        handler.setFormatter(previous)


def _assert_no_secret(log: str, *more: str) -> None:
    for secret in (*PLANTED, *more):
        assert secret not in log, (secret, [line for line in log.splitlines() if secret in line])


def _zoho_secrets(zoho) -> list[str]:
    """Every grant code, refresh and access token the emulator has handed out."""
    issued = zoho.client.tokens()
    return [item.get("token") or item["code"] for kind in issued.values() for item in kind]


def _records(lines: list[str]) -> list[dict]:
    records = []
    for line in lines:
        record = json.loads(line)  # every line, not only most: one JSON object each
        assert JSON_KEYS <= record.keys(), record
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["time"])
        records.append(record)
    return records


def _line_of(fmt: str, lines: list[str], message: str) -> tuple[str, str]:
    """(level, request id) of the line whose message is `message` (or starts so, with "...")."""

    def matches(text: str) -> bool:
        return text.startswith(message[:-3]) if message.endswith("...") else text == message

    for line in lines:
        if fmt == "json":
            record = json.loads(line)
            if matches(record["message"]):
                return record["level"], record["request_id"]
        else:
            found = re.fullmatch(r"\S+ (\w+) \S+ \[([^\]]+)\] (.*)", line)
            if found and matches(found.group(3)):
                return found.group(1), found.group(2)
    raise AssertionError(f"no line {message!r} in {lines}")


@pytest.mark.django_db
def test_planted_secrets_never_reach_the_portals_log(
    portal_log, client, sign_in, demo_users, zoho, monkeypatch
):
    fmt, lines = portal_log
    # A real sign-in: its code, state, session cookie and tokens are secrets too.
    email = demo_users["by_dc"]["us"][0]["email"]
    callback = sign_in.authorize(email)
    assert client.get(path_of(callback)).status_code == 302
    session_cookie = client.cookies["sessionid"].value
    real = query_of(callback)
    zoho_tokens = _zoho_secrets(zoho)
    assert len(zoho_tokens) >= 3  # the code, the refresh and the access token

    refused = client.get("/accounts/callback/?code=1000.SECRETCODE&state=SECRETSTATE")
    assert refused.status_code == 400
    bearer = Client(HTTP_AUTHORIZATION="Bearer SECRETBEARER").get("/crm/api/Leads/")
    assert bearer.status_code == 401
    client.cookies["SECRETCOOKIE"] = "SECRETSESSION"
    missing = client.get(
        "/no-such-page/?token=SECRETTOKEN&access_token=SECRETTOKEN&refresh_token=SECRETTOKEN"
    )
    assert missing.status_code == 404
    csrf = Client(enforce_csrf_checks=True).post("/accounts/logout/?state=SECRETSTATE")
    assert csrf.status_code == 403

    # Zoho refuses a revocation: the warning names the token, never its value.
    zoho.client.add_fault(path="/accounts/us/oauth/v2/token/revoke", status=503)
    revocations.refresh_token_let_go(
        data_center="us", refresh_token=PLANTED_REVOKE, what="the planted refresh token"
    )

    # An error whose message holds a callback URL, logged with its traceback (a 500).
    def broken(session, *, state):
        raise RuntimeError(f"cannot use /accounts/callback/?code={PLANTED_CODE}&state={state}")

    monkeypatch.setattr(services, "sign_in_consume_state", broken)
    crashed = Client(raise_request_exception=False).get(
        "/accounts/callback/?code=1000.SECRETCODE&state=SECRETSTATE"
    )
    assert crashed.status_code == 500
    # What a library might write: a request line, headers.
    logging.getLogger("urllib3.connectionpool").warning(
        '"POST /oauth/v2/token/revoke?token=%s HTTP/1.1" 200', PLANTED_REVOKE
    )
    logging.getLogger("some.library").warning(
        "sent headers %s",
        {"Authorization": "Zoho-oauthtoken SECRETBEARER", "Cookie": "sessionid=SECRETSESSION"},
    )

    log = "\n".join(lines())
    _assert_no_secret(log, session_cookie, real["code"], real["state"], *zoho_tokens)
    assert "could not revoke the planted refresh token" in log
    assert "RuntimeError" in log and "code=[Filtered]" in log  # the error is still there
    if fmt == "json":
        records = _records(lines())
        assert {"GET /accounts/callback/", "POST /accounts/logout/"} <= {
            r.get("request") for r in records
        }
    # Django's 4xx lines carry the request id of the answer they describe.
    for response, message in (
        (refused, "Bad Request: /accounts/callback/"),
        (bearer, "Unauthorized: /crm/api/Leads/"),
        (missing, "Not Found: /no-such-page/"),
    ):
        level, request_id = _line_of(fmt, lines(), message)
        assert (level, request_id) == ("WARNING", response["X-Request-ID"])
    csrf_level, csrf_id = _line_of(fmt, lines(), "Forbidden (CSRF...")
    assert (csrf_level, csrf_id) == ("WARNING", csrf["X-Request-ID"])


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '"GET /accounts/callback/?code=1000.abc&state=xyz&location=eu HTTP/1.1" 302 0',
            '"GET /accounts/callback/?code=[Filtered]&state=[Filtered]&location=eu HTTP/1.1" 302 0',
        ),
        ("Authorization: Bearer abc.def", "Authorization: [Filtered]"),
        ("{'HTTP_COOKIE': 'sessionid=a; csrftoken=b'}", "{'HTTP_COOKIE': '[Filtered]'}"),
        (
            '{"access_token": "abc", "expires_in": 3600}',
            '{"access_token": "[Filtered]", "expires_in": 3600}',
        ),
        ("status_code=404 zipcode=2000", "status_code=404 zipcode=2000"),
        ('state=params.get("state")', 'state=params.get("state")'),  # a traceback's source
    ],
)
def test_scrub(line, expected):
    assert scrub(line) == expected


def test_a_json_line_stays_json_whatever_its_fields_hold():
    record = logging.makeLogRecord(
        {
            "name": "some.library",
            "levelname": "WARNING",
            "msg": "token=%s",
            "args": ("SECRETTOKEN",),
            "password": 123,
            "headers": {"Authorization": "Bearer SECRETBEARER", "Accept": "*/*"},
            "seen": ["state=SECRETSTATE", 7, None],
            "peer": object(),
        }
    )
    line = JsonLinesFormatter().format(record)
    _assert_no_secret(line)
    data = json.loads(line)
    assert data["message"] == "token=[Filtered]" and data["password"] == "[Filtered]"
    assert data["headers"] == {"Authorization": "[Filtered]", "Accept": "*/*"}
    assert data["seen"] == ["state=[Filtered]", 7, None]


# --- through gunicorn, LOG_FORMAT=json ------------------------------------------------------------
@pytest.fixture
def json_instance(zoho, tmp_path):
    env = harness.portal_env(
        database_url="",
        emulator=zoho,
        static_root=harness.static_root(),
        resource_dir=str(tmp_path / "sdk"),
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
    )
    env["DATABASE_URL"] = harness.fresh_database("sqlite", tmp_path, env)
    instance = harness.Instance(env, workers=1, threads=4, log_dir=tmp_path)
    # Whatever the processes write to stdout and stderr (Django's own lines) joins gunicorn's
    # error log, so that the scan below sees every line.
    instance.args.insert(-1, "--capture-output")
    with instance:
        yield instance


def test_through_gunicorn_every_line_is_json_with_a_request_id_and_no_secret(json_instance, zoho):
    portal = json_instance
    person = harness.Browser(zoho)
    callback = person.start_sign_in(portal.url, zoho.client.users()[0]["email"])
    assert person.finish_sign_in(portal.url, callback).status_code == 302
    real = query_of(callback)
    session_cookie = person.http.cookies["sessionid"]
    refused = person.get(f"{portal.url}/accounts/callback/?code=1000.SECRETCODE&state=SECRETSTATE")
    assert refused.status_code == 400
    bearer = harness.Browser(zoho).get(
        f"{portal.url}/crm/api/Leads/", headers={"Authorization": "Bearer SECRETBEARER"}
    )
    assert bearer.status_code == 401
    missing = person.get(
        f"{portal.url}/no-such-page/?token=SECRETTOKEN",
        headers={"Cookie": f"sessionid={session_cookie}; SECRETCOOKIE=SECRETSESSION"},
    )
    assert missing.status_code == 404
    portal.stop()  # every line flushed

    access = portal.access_log.read_text().splitlines()
    error = portal.error_log.read_text().splitlines()
    records = _records(access) + _records(error)
    tokens = _zoho_secrets(zoho)
    _assert_no_secret(
        "\n".join(access + error), session_cookie, real["code"], real["state"], *tokens
    )
    loggers = {r["logger"] for r in records}
    assert {"gunicorn.access", "gunicorn.error", "django.request"} <= loggers, loggers
    for response, message in (
        (refused, "Bad Request: /accounts/callback/"),
        (bearer, "Unauthorized: /crm/api/Leads/"),
        (missing, "Not Found: /no-such-page/"),
    ):
        request_id = response.headers["X-Request-ID"]
        django_line = next(r for r in records if r["message"] == message)
        assert (django_line["level"], django_line["request_id"]) == ("WARNING", request_id)
        access_line = next(
            r for r in records if r["logger"] == "gunicorn.access" and r["request_id"] == request_id
        )
        assert access_line["status"] == response.status_code
        assert access_line["path"] == message.split(": ", 1)[1]
