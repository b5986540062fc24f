"""Log formats: a readable line, or one JSON object per line (LOG_FORMAT=json).

Both carry the time (UTC, ISO 8601 with milliseconds), the level, the logger and the
request id (`core.request_id`). The portal's own code never writes a token, a code or
a state; what Django, runserver and gunicorn write about a request can hold them (a query
string, a request's repr, an `Authorization` or `Cookie` header), so the text formatter
passes every line through `scrub()` last, the JSON one every field (a field named like a
secret is blanked whole), and the JSON one writes a request as its method and path only.
`ScrubFilter` does the same to a record's message for handlers with a format of their own.
Used by Django's LOGGING (zohoportal/settings/base.py, through `configure`) and by
gunicorn's access and error logs (core/gunicorn_logging.py).
"""

from __future__ import annotations

import logging
import logging.config
import re
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter

from core.errors import HTTP_STATUS

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"
FILTERED = "[Filtered]"


def configure(logging_settings: dict) -> None:
    """LOGGING_CONFIG: Django's dictConfig, and Python's warnings (a library's UserWarning
    at start-up) as log lines too ("py.warnings") rather than bare text on stderr."""
    logging.config.dictConfig(logging_settings)
    logging.captureWarnings(True)


# Values a log line must never hold, whatever wrote it. Each pattern keeps its name (group
# 1) and replaces the value. A value ends at whitespace, a quote, a backslash (a JSON escape)
# or a separator, so the replacement never breaks the line's own quoting; one followed by
# "(" is code in a traceback's source line (`state=params.get("state")`), not a value.
_VALUE = r"[^\s\"'\\&;,<>(){}\[\]]++(?!\()"
_SECRET_PARAMS = (
    "code",
    "state",
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "grant_token",
    "client_secret",
    "password",
    "sessionid",
    "csrftoken",
    "csrfmiddlewaretoken",
)
_PATTERNS = [
    # query strings, form bodies and cookie strings: code=..., state=..., token=..., ...
    (
        re.compile(rf"(?i)(?<![\w-])((?:{'|'.join(_SECRET_PARAMS)})=){_VALUE}"),
        rf"\g<1>{FILTERED}",
    ),
    # "access_token": "...", 'refresh_token': '...' (JSON or a dict's repr)
    (
        re.compile(
            r"(?i)([\"']?(?:access_token|refresh_token|id_token|client_secret|password)"
            r"[\"']?\s*:\s*[\"']?)" + _VALUE
        ),
        rf"\g<1>{FILTERED}",
    ),
    # Authorization: Bearer ..., HTTP_AUTHORIZATION='Zoho-oauthtoken ...'
    (
        re.compile(
            r"(?i)((?:http_)?(?:proxy[-_])?authorization[\"']?\s*[:=]\s*[\"']?)"
            r"(?:(?:bearer|basic|digest|token|zoho-oauthtoken)\s+)?" + _VALUE
        ),
        rf"\g<1>{FILTERED}",
    ),
    (re.compile(r"(?i)\b(bearer|zoho-oauthtoken)\s+" + _VALUE), rf"\g<1> {FILTERED}"),
    # Cookie: whole header value (up to the end of the quoted string or line)
    (
        re.compile(r"(?i)((?:http_)?(?:set-)?cookie[\"']?\s*[:=]\s*[\"']?)[^\"'\\\r\n]+"),
        rf"\g<1>{FILTERED}",
    ),
    # a Zoho token or grant code on its own: 1000.<hex>.<hex>
    (re.compile(r"\b1000\.[0-9a-fA-F]{16,}\.[0-9a-fA-F]{16,}\b"), FILTERED),
]


def scrub(text: str) -> str:
    """`text` with every secret-looking value replaced by "[Filtered]"."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def describe_request(request) -> str | None:
    """A request as "METHOD /path" (never its query string, headers or cookies); None for
    what is not a Django request (runserver passes its socket)."""
    method, path = getattr(request, "method", None), getattr(request, "path", None)
    if not isinstance(method, str) or not isinstance(path, str):
        return None
    return scrub(f"{method} {path}")


def _utc_iso(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    def __init__(self, fmt: str = TEXT_FORMAT, **kwargs):
        super().__init__(fmt, **kwargs)

    def formatTime(self, record, datefmt=None):  # noqa: N802 - logging's name
        return _utc_iso(record)

    def format(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = "-"
        return scrub(super().format(record))


class JsonLinesFormatter(JsonFormatter):
    """`{"time", "level", "logger", "request_id", "message"}` plus `exc_info` on errors and
    the record's extras (`request` as "METHOD /path")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("fmt", JSON_FIELDS)
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        super().__init__(**kwargs)

    def formatTime(self, record, datefmt=None):  # noqa: N802 - logging's name
        return _utc_iso(record)

    def process_log_record(self, log_data):
        if log_data.get("request_id") is None:
            log_data["request_id"] = "-"
        if "request" in log_data:
            described = describe_request(log_data["request"])
            if described is None:
                del log_data["request"]
            else:
                log_data["request"] = described
        return {key: _clean(key, value) for key, value in log_data.items()}


_SECRET_KEYS = {
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "client_secret",
    "password",
    "authorization",
    "http_authorization",
    "cookie",
    "http_cookie",
}


def _clean(key, value):
    """A JSON field's value scrubbed before it is serialised (scrubbing the serialised line
    could turn `"password": 123` into invalid JSON): strings through `scrub()`, a field
    named like a secret blanked, anything not JSON-native written as its scrubbed str()."""
    if isinstance(key, str) and key.lower() in _SECRET_KEYS and value:
        return FILTERED
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {str(k): _clean(k, v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_clean(None, v) for v in value]
    return scrub(str(value))


class ScrubFilter(logging.Filter):
    """Scrubs a record's message in place (for a handler whose formatter is not one of the
    above, e.g. syslog); the formatters above scrub on their own."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - logging reports a bad format itself, later
            return True
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


# The 5xx statuses only the portal's own error model answers with (an unhandled error is 500).
ANSWERED_ON_PURPOSE = frozenset(status for status in HTTP_STATUS.values() if status > 500)


class NotAnsweredOnPurpose(logging.Filter):
    """For the ADMINS mail: lets through an error nobody planned (an unhandled exception,
    a 500), not the portal's own answers when Zoho is down, slow or refusing, or a service is
    unavailable (`ANSWERED_ON_PURPOSE`: 502, 503, 504 today; Django itself answers none).
    Those are still logged, and counted in the metrics an alert can watch."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) not in ANSWERED_ON_PURPOSE
