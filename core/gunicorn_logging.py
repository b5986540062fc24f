"""gunicorn's access and error logs in the portal's own format (`logger_class` in
deploy/gunicorn.conf.py).

Every line gunicorn writes (its error log: start-up, workers, timeouts, tracebacks; its access
log: one line per request) goes through the formatter LOG_FORMAT chooses, as the portal's own
lines do: the same time, level, logger and request id, one JSON object per line with
LOG_FORMAT=json, and scrubbed of anything secret-looking (core/logs.py). An access line
carries the request id the portal answered with (`X-Request-ID`), and in JSON the method, path
(never the query string), status, size and duration as fields of their own.

gunicorn loads this before the application, so it imports nothing from Django.
"""

from __future__ import annotations

import logging
import os

from gunicorn import glogging

from core.logs import FILTERED, JsonLinesFormatter, ScrubFilter, TextFormatter
from core.request_id import RequestIdFilter


def _formatter() -> logging.Formatter:
    if os.environ.get("LOG_FORMAT", "text") == "json":
        return JsonLinesFormatter()
    return TextFormatter()


class Logger(glogging.Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not getattr(handler, "_gunicorn", False):
                    continue
                if isinstance(handler, logging.StreamHandler):  # files and stdout/stderr
                    handler.setFormatter(_formatter())
                else:  # syslog keeps its own format, scrubbed all the same
                    handler.addFilter(ScrubFilter())
                handler.addFilter(RequestIdFilter())

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        for name in atoms:  # %({cookie}i)s and the like in a custom format: never the value
            if "authorization" in name or "cookie" in name:
                atoms[name] = FILTERED
        status = atoms.get("s")
        extra = {
            "request_id": atoms.get("{x-request-id}o") or "-",
            "method": atoms.get("m"),
            "path": atoms.get("U"),
            "status": int(status) if str(status).isdigit() else status,
            "bytes": atoms.get("B"),
            "duration_ms": atoms.get("M"),
        }
        try:
            self.access_log.info(
                self.cfg.access_log_format, self.atoms_wrapper_class(atoms), extra=extra
            )
        except Exception:  # noqa: BLE001 - as gunicorn's own access(): never fail a request
            self.exception("could not write the access log line")
