"""Tiny stdlib HTTP client for the emulator's control plane (``/_emulator/...``).

Each call opens its own connection (urllib), so it shows up once in ``connections_accepted``
but never in ``api_connections``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlencode


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class EmulatorError(RuntimeError):
    def __init__(self, status: int, body):
        super().__init__(f"emulator answered {status}: {body}")
        self.status = status
        self.body = body


class EmulatorClient:
    def __init__(self, base_url: str, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect)

    # ------------------------------------------------------------------ plumbing
    def _request(self, method: str, path: str, *, json_body=None, form=None):
        data = None
        headers = {}
        if json_body is not None:
            data = json.dumps(json_body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        elif form is not None:
            data = urlencode(form).encode("utf-8")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=headers
        )
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()

    def _json(self, method: str, path: str, **kw):
        status, _, body = self._request(method, path, **kw)
        payload = json.loads(body.decode("utf-8")) if body else None
        if status >= 400:
            raise EmulatorError(status, payload)
        return payload

    # ------------------------------------------------------------------ control plane
    def users(self) -> list[dict]:
        return self._json("GET", "/_emulator/users")

    def stats(self) -> dict:
        return self._json("GET", "/_emulator/stats")

    def tokens(self) -> dict:
        return self._json("GET", "/_emulator/tokens")

    def reset(self) -> dict:
        return self._json("POST", "/_emulator/reset")

    def self_client_code(
        self, email: str, dc: str, scope, org: str | None = None, client_id: str | None = None
    ) -> str:
        """Return a grant code as the API console's Self Client would (redeem at ``dc``)."""
        form = {
            "email": email,
            "dc": dc,
            "scope": scope if isinstance(scope, str) else ",".join(scope),
        }
        if org:
            form["org"] = org
        if client_id:
            form["client_id"] = client_id
        return self._json("POST", "/_emulator/self-client", form=form)["code"]

    def layout_required(
        self, zgid: str, module: str, field: str, required: bool, layout: str | None = None
    ) -> dict:
        """Make ``field`` mandatory (or not) in a layout of ``module`` (default layout)."""
        body = {"zgid": zgid, "module": module, "field": field, "required": required}
        if layout is not None:
            body["layout"] = layout
        return self._json("POST", "/_emulator/layout-required", json_body=body)

    def add_fault(
        self,
        path: str | None = None,
        *,
        match: str = "exact",
        count: int | None = 1,
        status: int | None = None,
        body=None,
        error: str | None = None,
        crm_code: str | None = None,
        delay_s: float = 0.0,
        method: str | None = None,
        headers: dict | None = None,
        latency_ms: float | None = None,
    ) -> dict:
        """Add a fault (see README). ``add_fault(latency_ms=20)`` sets global latency instead."""
        if path is None:
            if latency_ms is None:
                raise ValueError("give a path, or latency_ms for global latency")
            return self._json("POST", "/_emulator/faults", json_body={"latency_ms": latency_ms})
        spec = {
            "path": path,
            "match": match,
            "count": count,
            "status": status,
            "body": body,
            "error": error,
            "crm_code": crm_code,
            "delay_s": delay_s,
            "method": method,
            "headers": headers or {},
        }
        return self._json("POST", "/_emulator/faults", json_body=spec)

    def faults(self) -> dict:
        return self._json("GET", "/_emulator/faults")

    def clear_faults(self) -> dict:
        return self._json("DELETE", "/_emulator/faults")

    def expire_tokens(
        self, email: str | None = None, dc: str | None = None, token: str | None = None
    ) -> int:
        spec = {k: v for k, v in {"email": email, "dc": dc, "token": token}.items() if v}
        return self._json("POST", "/_emulator/expire-tokens", json_body=spec)["expired"]

    def expire_page_tokens(self) -> int:
        """Every page token issued so far expires now (``EXPIRED_VALUE``)."""
        return self._json("POST", "/_emulator/expire-page-tokens", json_body={})["expired"]

    def credits(self) -> dict:
        """Per org: edition, allowance, used, remaining, concurrency, in_flight."""
        return self._json("GET", "/_emulator/credits")["orgs"]

    def set_credits(self, zgid: str, **limits) -> dict:
        """``limit=n`` leaves the org n credits for the rolling day, ``concurrency=n`` caps
        its calls in flight; ``None`` for either: the edition's again."""
        body = {"zgid": zgid, **limits}
        return self._json("POST", "/_emulator/credits", json_body=body)["orgs"][zgid]

    def set_dc_client_secret(self, dc: str, secret: str | None) -> list[str]:
        """Give ``dc`` its own client secret (``None``: the global one again); returns the
        data centers that now have their own."""
        body = self._json(
            "POST", "/_emulator/client-secrets", json_body={"dc": dc, "secret": secret}
        )
        return body["dcs_with_own_secret"]

    def register_redirect_uri(self, uri: str) -> list[str]:
        return self._json("POST", "/_emulator/redirect-uris", json_body={"uri": uri})[
            "redirect_uris"
        ]

    def set_record_state(self, zgid: str, module: str, record_id: str, **state) -> dict:
        """Lock/unlock a record or set its approval state (``locked=True``,
        ``approval_state="pending"``); returns what the record now says."""
        spec = {"zgid": zgid, "module": module, "id": record_id, **state}
        return self._json("POST", "/_emulator/record-state", json_body=spec)["record"]

    # ------------------------------------------------------------------ OAuth helpers
    def authorize(
        self, params: dict, email: str, org: str | None = None, approve: bool = True, dc: str = "us"
    ) -> str:
        """POST the consent form of ``/accounts/<dc>/oauth/v2/auth``; return the 302 Location."""
        form = {k: v for k, v in params.items() if v is not None}
        form["email"] = email
        if org:
            form["org"] = org
        if approve:
            form["approve"] = "1"
        else:
            form["deny"] = "1"
        status, headers, body = self._request("POST", f"/accounts/{dc}/oauth/v2/auth", form=form)
        location = headers.get("Location") or headers.get("location")
        if status != 302 or not location:
            raise EmulatorError(status, body.decode("utf-8", "replace")[:500])
        return location
