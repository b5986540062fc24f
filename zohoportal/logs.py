"""Log formats: a readable line, or one JSON object per line (LOG_FORMAT=json).

Both carry the time (UTC, ISO 8601 with milliseconds), the level, the logger and the
request id (`zohoportal.request_id`). Nothing here adds request details: what a log line
says is what the code wrote, and the code never writes a token, a code or a state.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"


def _utc_iso(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    def __init__(self, fmt: str = TEXT_FORMAT, **kwargs):
        super().__init__(fmt, **kwargs)

    def formatTime(self, record, datefmt=None):  # noqa: N802 - logging's name
        return _utc_iso(record)


class JsonLinesFormatter(JsonFormatter):
    """`{"time", "level", "logger", "request_id", "message"}` plus `exc_info` on errors."""

    def __init__(self, **kwargs):
        kwargs.setdefault("fmt", JSON_FIELDS)
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        super().__init__(**kwargs)

    def formatTime(self, record, datefmt=None):  # noqa: N802 - logging's name
        return _utc_iso(record)
