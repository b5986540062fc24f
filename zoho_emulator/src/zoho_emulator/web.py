"""Minimal request/response objects for the WSGI app (stdlib only)."""

from __future__ import annotations

import json
from http import HTTPStatus
from urllib.parse import parse_qs


class Request:
    def __init__(self, environ: dict):
        self.environ = environ
        self.method = environ.get("REQUEST_METHOD", "GET").upper()
        raw_path = environ.get("PATH_INFO", "") or "/"
        # PEP 3333: PATH_INFO is latin-1 decoded bytes; re-decode as UTF-8 for our routing.
        try:
            self.path = raw_path.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            self.path = raw_path
        self.query_string = environ.get("QUERY_STRING", "")
        self.query = {k: v for k, v in parse_qs(self.query_string, keep_blank_values=True).items()}
        self._body: bytes | None = None
        self._form: dict | None = None

    def arg(self, name: str, default=None):
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default=None):
        key = "HTTP_" + name.upper().replace("-", "_")
        if name.lower() == "content-type":
            key = "CONTENT_TYPE"
        return self.environ.get(key, default)

    @property
    def body(self) -> bytes:
        if self._body is None:
            try:
                length = int(self.environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            stream = self.environ.get("wsgi.input")
            self._body = stream.read(length) if (stream is not None and length > 0) else b""
        return self._body

    @property
    def form(self) -> dict:
        """Form fields from an urlencoded body (first value wins)."""
        if self._form is None:
            try:
                text = self.body.decode("utf-8")
            except UnicodeDecodeError:
                text = ""
            parsed = parse_qs(text, keep_blank_values=True)
            self._form = {k: v[0] for k, v in parsed.items()}
        return self._form

    def form_list(self, name: str) -> list[str]:
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError:
            return []
        return parse_qs(text, keep_blank_values=True).get(name, [])


class Response:
    def __init__(self, status: int = 200, body: bytes = b"", headers: list | None = None):
        self.status = status
        self.body = body
        self.headers = headers or []

    def status_line(self) -> str:
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = "Unknown"
        return f"{self.status} {phrase}"


def json_response(payload, status: int = 200, headers: list | None = None) -> Response:
    body = json.dumps(payload).encode("utf-8")
    hdrs = [("Content-Type", "application/json;charset=UTF-8")]
    hdrs.extend(headers or [])
    return Response(status, body, hdrs)


def html_response(html: str, status: int = 200) -> Response:
    return Response(
        status,
        html.encode("utf-8"),
        [("Content-Type", "text/html;charset=UTF-8"), ("Cache-Control", "no-store")],
    )


def no_content() -> Response:
    return Response(204, b"", [])


def redirect(location: str) -> Response:
    return Response(302, b"", [("Location", location), ("Cache-Control", "no-store")])
