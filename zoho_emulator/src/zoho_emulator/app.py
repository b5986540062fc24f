"""The WSGI application: routing, control plane, latency and fault injection."""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
import time
from urllib.parse import urlsplit

from . import crm, layouts, limits, seed, urls, zoho_accounts
from .crm.record_state import set_record_state
from .state import Fault, State
from .web import Request, Response, html_response, json_response

log = logging.getLogger("zoho_emulator")

# The one OAuth client an emulator knows unless it is given another (``--client-id``,
# ``Emulator(client_id=…)``): public demo values, named for the emulator. No redirect URI is
# registered unless one is given: an app registers its own, as at Zoho's API console.
DEFAULT_CLIENT_ID = "1000.ZOHOEMULATORDEMO"
DEFAULT_CLIENT_SECRET = "zoho-emulator-demo-secret"

_ACCOUNTS_RE = urls.ACCOUNTS_PATH_RE
_API_RE = urls.API_PATH_RE
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class Emulator:
    """Zoho Accounts + Zoho CRM v8 emulator as a WSGI callable."""

    def __init__(
        self,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        redirect_uris=(),
        public_url: str | None = None,
        access_token_ttl: float = 3600,
        dc_client_secrets: dict[str, str] | None = None,
        sleep=time.sleep,
    ):
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = list(dict.fromkeys(redirect_uris or []))  # each once
        self.public_url = public_url.rstrip("/") if public_url else None
        self.access_token_ttl = access_token_ttl
        # How latency and delay faults wait (a test may put a recorder or an event here).
        self.sleep = sleep
        configured = dict(dc_client_secrets or {})
        unknown = sorted(set(configured) - set(urls.DCS))
        if unknown:
            raise ValueError(f"unknown data center(s) for a client secret: {', '.join(unknown)}")
        # The API console's multi-DC settings: a DC may have its own secret. reset() restores
        # the configured ones after a test changed them with set_dc_client_secret().
        self._configured_dc_secrets = configured
        self.dc_client_secrets = dict(configured)
        self.state = State()
        self._local = threading.local()

    # ------------------------------------------------------------------ public helpers
    def configure_client(self, *, client_id: str, client_secret: str, redirect_uris) -> None:
        """Make ``client_id`` the registered client (its secret and exact redirect URIs),
        as a new emulator given them would have; per data center secrets stay as they are."""
        with self.state.lock:
            self.client_id = client_id
            self.client_secret = client_secret
            self.redirect_uris = list(dict.fromkeys(redirect_uris))

    def register_redirect_uri(self, uri: str) -> None:
        with self.state.lock:
            if uri not in self.redirect_uris:
                self.redirect_uris.append(uri)

    def issue_tokens(
        self, email: str, *, scopes, org: str | None = None, client_id: str | None = None
    ) -> dict:
        """What a consent and a code exchange would give `email` (in `org`, else their first
        org), minted straight into the state: the token endpoint's answer, refresh token
        included. A shortcut for tests and demos that are not about sign-in; nothing is
        counted as a token call."""
        user = next((u for u in seed.USERS if u.email == email.strip().lower()), None)
        if user is None:
            raise ValueError(f"no demo user {email!r}")
        zgid = org or user.orgs[0]
        if zgid not in user.orgs:
            raise ValueError(f"{email} is not in org {zgid}")
        scopes = zoho_accounts.split_scopes(scopes if isinstance(scopes, str) else ",".join(scopes))
        with self.state.lock:
            grant = {
                "client_id": client_id or self.client_id,
                "email": user.email,
                "zgid": zgid,
                "dc": user.dc,
                "scopes": scopes,
            }
            refresh = self.state.mint_refresh(**grant)
            access = self.state.mint_access(
                **grant,
                ttl=self.access_token_ttl,
                refresh=refresh,
                grant_type="authorization_code",
            )
            return zoho_accounts.token_body(self, access, refresh)

    def reset(self) -> None:
        """Restore seed data and the configured per-DC client secrets; drop codes, tokens,
        stats and faults. Registered redirect URIs stay."""
        with self.state.lock:
            self.dc_client_secrets = dict(self._configured_dc_secrets)
        self.state.reset()

    def client_secret_for(self, dc: str) -> str:
        """The secret the token endpoint of ``dc`` expects (its own, else the global one)."""
        return self.dc_client_secrets.get(dc, self.client_secret)

    def set_dc_client_secret(self, dc: str, secret: str | None) -> None:
        """Give ``dc`` its own client secret (``None``: use the global one again)."""
        if dc not in urls.DCS:
            raise ValueError(f"unknown data center {dc!r}")
        with self.state.lock:
            if secret is None:
                self.dc_client_secrets.pop(dc, None)
            else:
                self.dc_client_secrets[dc] = str(secret)

    def set_latency(self, ms: float) -> None:
        with self.state.lock:
            self.state.latency_ms = float(ms)

    def base_url(self) -> str:
        return self.public_url or getattr(self._local, "base", None) or "http://127.0.0.1"

    def accounts_server(self, dc: str) -> str:
        return urls.accounts_server(self.base_url(), dc)

    def api_domain(self, dc: str) -> str:
        return urls.api_domain(self.base_url(), dc)

    def token_url(self, dc: str) -> str:
        return urls.token_url(self.base_url(), dc)

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ, start_response):
        try:
            resp = self._dispatch(environ)
        except Exception:  # never leak a traceback to the client
            log.exception(
                "zoho_emulator: unhandled error for %s %s",
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
            )
            resp = json_response(
                {
                    "code": "INTERNAL_ERROR",
                    "details": {},
                    "message": "Internal Server Error",
                    "status": "error",
                },
                500,
            )
        headers = list(resp.headers)
        if resp.status not in (204, 304) and not any(
            k.lower() == "content-length" for k, _ in headers
        ):
            headers.append(("Content-Length", str(len(resp.body))))
        start_response(resp.status_line(), headers)
        return [resp.body] if resp.status not in (204, 304) else []

    def _dispatch(self, environ) -> Response:
        req = Request(environ)
        host = (
            environ.get("HTTP_HOST")
            or f"{environ.get('SERVER_NAME', '127.0.0.1')}:{environ.get('SERVER_PORT', '80')}"
        )
        self._local.base = f"{environ.get('wsgi.url_scheme', 'http')}://{host}"
        st = self.state
        path = req.path
        with st.lock:
            st.stats.requests_total += 1
        if path.startswith("/_emulator/") or path == "/_emulator":
            refused = self._control_guard(req, environ, host)
            if refused is not None:
                return refused
            return self._control(req)

        conn = environ.get("zoho_emulator.connection")
        if conn is not None and not conn.get("api"):
            conn["api"] = True
            with st.lock:
                st.api_connections += 1

        api = _API_RE.match(path)
        if not api:
            return self._serve(req, path, None)
        self._record_api_call(api.group(1), path, req)
        refused, release = self._admit(api, req)
        if refused is not None:
            with st.lock:
                st.stats.api_errors_by_code[refused.crm_code] += 1
            return refused
        with st.lock:
            stats = st.stats  # a reset meanwhile makes new stats: this request leaves these
            stats.api_in_flight += 1
            stats.api_in_flight_max = max(stats.api_in_flight_max, stats.api_in_flight)
        try:
            return self._serve(req, path, api)
        finally:
            with st.lock:
                stats.api_in_flight -= 1
            if release is not None:
                release()

    def _admit(self, api, req: Request):
        """The org's concurrency cap and credits (``limits.admit``) for a CRM call made with
        a live token; anything else is left to the handler (it costs nothing)."""
        dc, rest = api.group(1), api.group(2) or ""
        if not rest.startswith(crm.router.API_PREFIX):
            return None, None
        with self.state.lock:
            at = crm.router.authenticate(self, dc, req)
        if at is None:
            return None, None
        return limits.admit(
            self.state,
            at.zgid,
            rest[len(crm.router.API_PREFIX) :],
            req.method,
            req.body,
            time.time(),
        )

    def _serve(self, req: Request, path: str, api) -> Response:
        st = self.state
        # A request that sleeps (latency, a hang fault) across a reset belongs to the state
        # that is gone: it must neither take the new state's faults, change it nor count in it.
        epoch = st.epoch
        latency = st.latency_ms
        if latency > 0:
            self.sleep(latency / 1000.0)
            if st.epoch != epoch:
                return _reset_meanwhile()
        fault = st.take_fault(req.method, path)
        if fault is not None:
            if fault.delay_s > 0:
                self.sleep(fault.delay_s)
                if st.epoch != epoch:
                    return _reset_meanwhile()
            faulted = self._fault_response(fault, path)
            if faulted is not None:
                return faulted

        if path in ("/", ""):
            return self._index()
        acc = _ACCOUNTS_RE.match(path)
        if acc:
            dc, rest = acc.group(1), acc.group(2) or ""
            if dc not in urls.DCS:
                return _not_found()
            if rest in ("/oauth/v2/auth", "/oauth/v2/auth/"):
                if req.method not in ("GET", "POST"):
                    return html_response("Method not allowed", 405)
                return zoho_accounts.authorize(self, dc, req)
            if rest == "/oauth/v2/token":
                return zoho_accounts.token(self, dc, req)
            if rest == "/oauth/v2/token/revoke":
                return zoho_accounts.revoke(self, dc, req)
            return _not_found()
        if api:
            dc, rest = api.group(1), api.group(2) or ""
            if dc not in urls.DCS:
                return crm.invalid_url()
            resp = crm.handle(self, dc, rest, req)
            code = getattr(resp, "crm_code", None)
            if code:
                with st.lock:
                    st.stats.api_errors_by_code[code] += 1
            return resp
        return _not_found()

    def _record_api_call(self, dc: str, path: str, req: Request):
        auth = req.header("Authorization") or ""
        token = (
            auth[len("Zoho-oauthtoken ") :].strip() if auth.startswith("Zoho-oauthtoken ") else None
        )
        st = self.state
        with st.lock:
            stats = st.stats
            stats.api_calls += 1
            stats.api_calls_by_dc[dc] += 1
            stats.api_calls_by_path[path] += 1
            if token:
                stats.api_calls_by_access_token[token] += 1
                at = st.access_tokens.get(token)
                if at is not None:
                    stats.api_calls_by_user[at.email] += 1
            else:
                stats.api_calls_by_access_token["(none)"] += 1

    def _fault_response(self, fault: Fault, path: str) -> Response | None:
        if fault.error:
            resp = zoho_accounts.oauth_error(fault.error)
            resp.status = fault.status or 200
        elif fault.crm_code:
            default_status = {
                "INVALID_TOKEN": 401,
                "OAUTH_SCOPE_MISMATCH": 401,
                "INTERNAL_ERROR": 500,
                "NO_PERMISSION": 403,
                "INVALID_URL_PATTERN": 404,
                "TOO_MANY_REQUESTS": 429,
            }.get(fault.crm_code, 400)
            message = (
                fault.body
                if isinstance(fault.body, str)
                else {
                    "INVALID_TOKEN": "invalid oauth token",
                    "OAUTH_SCOPE_MISMATCH": "invalid oauth scope to access this URL",
                    "INTERNAL_ERROR": "Internal Server Error",
                    "TOO_MANY_REQUESTS": "The number of API requests has exceeded the limit",
                }.get(fault.crm_code, fault.crm_code.lower().replace("_", " "))
            )
            resp = crm.crm_error(fault.crm_code, message, fault.status or default_status)
        elif fault.body is not None:
            if isinstance(fault.body, (dict, list)):
                resp = json_response(fault.body, fault.status or 500)
            else:
                resp = Response(
                    fault.status or 500,
                    str(fault.body).encode("utf-8"),
                    [("Content-Type", "text/plain;charset=UTF-8")],
                )
        elif fault.status is not None:
            if fault.status == 204:
                resp = Response(204, b"", [])
            else:
                resp = json_response(
                    {
                        "code": "INTERNAL_ERROR",
                        "details": {},
                        "message": "Internal Server Error",
                        "status": "error",
                    },
                    fault.status,
                )
        else:
            return None  # pure delay: answer normally afterwards
        resp.headers.extend((str(k), str(v)) for k, v in (fault.headers or {}).items())
        return resp

    def _index(self) -> Response:
        base = self.base_url()
        rows = "".join(
            f"<tr><td>{u['full_name']}</td><td>{u['email']}</td><td>{u['dc']}</td>"
            f"<td>{', '.join(o['name'] + ' (' + o['zgid'] + ')' for o in u['orgs'])}</td></tr>"
            for u in seed.directory()
        )
        page = (
            f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>Zoho emulator</title>"
            f"<style>body{{font:15px system-ui,sans-serif;margin:2rem}}td,th{{padding:4px 10px;"
            f"border-bottom:1px solid #ddd;text-align:left}}</style></head><body>"
            f"<h1>Zoho emulator</h1>"
            f"<p>Accounts server for a data center: <code>{base}/accounts/&lt;dc&gt;</code>; "
            f"API domain: <code>{base}/api/&lt;dc&gt;</code>; control plane: "
            f"<code>{base}/_emulator/</code>.</p><table><tr><th>User</th><th>Email</th><th>DC</th>"
            f"<th>Organizations</th></tr>{rows}</table></body></html>"
        )
        return html_response(page)

    # ------------------------------------------------------------------ control plane
    def _host_allowed(self, hostname: str, environ) -> bool:
        """Loopback names and addresses, the public URL's host, the bound IP address.

        A DNS-rebinding page reaches the emulator under its own host name (``Host:
        evil.example``), which none of these match."""
        if not hostname:
            return True  # HTTP/1.0 without Host: not a browser
        if hostname in _LOOPBACK_NAMES or hostname.endswith(".localhost"):
            return True
        try:
            address = ipaddress.ip_address(hostname)
        except ValueError:
            address = None
        if address is not None and address.is_loopback:
            return True
        if self.public_url and hostname == (urlsplit(self.public_url).hostname or ""):
            return True
        bound = (environ.get("SERVER_NAME") or "").lower()
        return address is not None and not address.is_unspecified and hostname == bound

    def _control_guard(self, req: Request, environ, host: str) -> Response | None:
        """Refuse control-plane requests a browser makes on behalf of another site.

        The control plane resets state, registers redirect URIs, injects faults and mints
        codes: a page on another site must not drive it while a developer runs the emulator.
        Browsers send ``Origin`` on cross-origin fetches and on every POST, and
        ``Sec-Fetch-Site``; non-browser clients (urllib, requests) send neither and pass."""
        hostname = _hostname_of(environ.get("HTTP_HOST") or "")
        if not self._host_allowed(hostname, environ):
            return _forbidden(f"host {hostname!r} is not a loopback or configured public host")
        site = (req.header("Sec-Fetch-Site") or "").strip().lower()
        if site in ("cross-site", "same-site"):
            return _forbidden(f"Sec-Fetch-Site: {site}")
        origin = req.header("Origin")
        if origin is not None:
            scheme = environ.get("wsgi.url_scheme", "http")
            allowed = {f"{scheme}://{host}".lower()}
            if self.public_url:
                parts = urlsplit(self.public_url)
                allowed.add(f"{parts.scheme}://{parts.netloc}".lower())
            if origin.strip().rstrip("/").lower() not in allowed:
                return _forbidden(f"Origin {origin!r} is not the emulator's own origin")
        return None

    def _control(self, req: Request) -> Response:
        name = req.path[len("/_emulator") :].strip("/")
        method = req.method
        if name == "health" and method == "GET":
            return json_response({"status": "ok"})
        if name == "users" and method == "GET":
            return json_response(seed.directory())
        if name == "stats" and method == "GET":
            st = self.state
            with st.lock:
                return json_response(st.stats.as_json(st.connections_accepted, st.api_connections))
        if name == "tokens" and method == "GET":
            return json_response(self.state.tokens_json())
        if name == "reset" and method == "POST":
            self.reset()
            return json_response({"status": "success"})
        if name == "self-client" and method == "POST":
            return self._self_client(_control_params(req))
        if name == "faults":
            if method == "GET":
                with self.state.lock:
                    return json_response(
                        {
                            "faults": [f.describe() for f in self.state.faults],
                            "latency_ms": self.state.latency_ms,
                        }
                    )
            if method == "DELETE":
                with self.state.lock:
                    self.state.faults.clear()
                    self.state.latency_ms = 0.0
                return json_response({"status": "success"})
            if method == "POST":
                return self._add_fault(_control_params(req))
        if name == "client-secrets":
            if method == "POST":
                params = _control_params(req)
                dc = params.get("dc")
                if dc not in urls.DCS:
                    return json_response({"error": "unknown dc", "dcs": list(urls.DCS)}, 400)
                secret = params.get("secret")
                if secret is not None and (not isinstance(secret, str) or not secret):
                    return json_response({"error": "secret must be a non-empty string"}, 400)
                self.set_dc_client_secret(dc, secret)
            if method in ("POST", "GET"):
                with self.state.lock:
                    own = sorted(self.dc_client_secrets)
                # Secrets are not echoed back: only which data centers have their own.
                return json_response({"dcs_with_own_secret": own})
        if name == "record-state" and method == "POST":
            return set_record_state(self, _control_params(req))
        if name == "expire-page-tokens" and method == "POST":
            with self.state.lock:
                self.state.page_tokens_expired_before = time.time()
                count = len(self.state.page_tokens)
            return json_response({"status": "success", "expired": count})
        if name == "credits" and method in ("GET", "POST"):
            return self._credits(_control_params(req) if method == "POST" else None)
        if name == "layout-required" and method == "POST":
            return self._layout_required(_control_params(req))
        if name == "expire-tokens" and method == "POST":
            return self._expire(_control_params(req))
        if name == "redirect-uris":
            if method == "POST":
                uri = _control_params(req).get("uri")
                if not uri:
                    return json_response({"error": "uri is required"}, 400)
                self.register_redirect_uri(uri)
            if method in ("POST", "GET"):
                return json_response({"redirect_uris": list(self.redirect_uris)})
        return json_response({"error": "unknown control endpoint", "path": req.path}, 404)

    def _self_client(self, params: dict) -> Response:
        email = (params.get("email") or "").strip().lower()
        user = next((u for u in seed.USERS if u.email == email), None)
        if user is None:
            return json_response({"error": "unknown_user", "email": email}, 400)
        dc = params.get("dc") or user.dc
        if dc != user.dc:
            return json_response(
                {"error": "wrong_dc", "detail": f"{email} lives in {user.dc}"}, 400
            )
        org = params.get("org") or user.orgs[0]
        if org not in user.orgs:
            return json_response(
                {"error": "wrong_org", "detail": f"{email} is not in org {org}"}, 400
            )
        client_id = params.get("client_id") or self.client_id
        if client_id != self.client_id:
            return json_response({"error": "invalid_client"}, 400)
        scopes = zoho_accounts.split_scopes(params.get("scope"))
        if not scopes or not all(zoho_accounts.SCOPE_RE.match(s) for s in scopes):
            return json_response({"error": "invalid_scope"}, 400)
        grant = self.state.new_grant(
            client_id=client_id,
            redirect_uri=None,
            email=user.email,
            zgid=org,
            dc=dc,
            scopes=scopes,
            access_type="offline",
            source="self-client",
        )
        return json_response(
            {
                "code": grant.code,
                "expires_in": int(grant.expires - grant.created),
                "email": user.email,
                "dc": dc,
                "zgid": org,
                "scope": ",".join(scopes),
                "client_id": client_id,
                "accounts_server": self.accounts_server(dc),
                "token_url": self.token_url(dc),
                "api_domain": self.api_domain(dc),
            }
        )

    def _add_fault(self, params: dict) -> Response:
        if "latency_ms" in params and "path" not in params:
            try:
                self.set_latency(float(params["latency_ms"]))
            except (TypeError, ValueError):
                return json_response({"error": "latency_ms must be a number"}, 400)
            return json_response({"status": "success", "latency_ms": self.state.latency_ms})
        path = params.get("path")
        if not isinstance(path, str) or not path.startswith("/"):
            return json_response({"error": "path (starting with /) is required"}, 400)
        match = params.get("match", "exact")
        if match not in ("exact", "prefix"):
            return json_response({"error": "match must be 'exact' or 'prefix'"}, 400)
        count = params.get("count", 1)
        try:
            remaining = None if count is None else int(count)
            status = None if params.get("status") is None else int(params["status"])
            delay = float(params.get("delay_s") or 0)
        except (TypeError, ValueError):
            return json_response({"error": "count, status and delay_s must be numbers"}, 400)
        if remaining is not None and remaining < 1:
            return json_response({"error": "count must be >= 1 (or null for unlimited)"}, 400)
        fault = Fault(
            path=path,
            match=match,
            method=params.get("method"),
            remaining=remaining,
            status=status,
            body=params.get("body"),
            headers=params.get("headers") or {},
            error=params.get("error"),
            crm_code=params.get("crm_code"),
            delay_s=delay,
        )
        if not (
            fault.status or fault.body is not None or fault.error or fault.crm_code or fault.delay_s
        ):
            return json_response(
                {"error": "a fault needs status, body, error, crm_code or delay_s"}, 400
            )
        self.state.add_fault(fault)
        return json_response({"status": "success", "fault": fault.describe()})

    def _credits(self, params: dict | None) -> Response:
        """GET: every org's edition, allowance, credits used and concurrency cap. POST
        ``{"zgid", "limit": n|null, "concurrency": n|null}``: ``limit`` leaves the org ``n``
        credits for the rolling day (null: its edition's allowance again); ``concurrency``
        lowers or raises its cap on calls in flight (null: the edition's)."""
        st = self.state
        if params is not None:
            zgid = params.get("zgid")
            if zgid not in seed.org_by_zgid():
                return json_response({"error": "unknown zgid"}, 400)
            for key in ("limit", "concurrency"):
                value = params.get(key)
                if (
                    key in params
                    and value is not None
                    and (isinstance(value, bool) or not isinstance(value, int) or value < 0)
                ):
                    return json_response({"error": f"{key} must be a whole number or null"}, 400)
            now = time.time()
            with st.lock:
                if "limit" in params:
                    if params["limit"] is None:
                        st.credit_allowance.pop(zgid, None)
                    else:
                        st.credit_allowance[zgid] = limits.used(st, zgid, now) + params["limit"]
                if "concurrency" in params:
                    if params["concurrency"] is None:
                        st.concurrency_cap.pop(zgid, None)
                    else:
                        st.concurrency_cap[zgid] = params["concurrency"]
        now = time.time()
        with st.lock:
            orgs = {}
            for org in seed.ORGS:
                spent = limits.used(st, org.zgid, now)
                allowed = limits.org_allowance(st, org.zgid)
                orgs[org.zgid] = {
                    "edition": limits.edition_of(org.zgid).name,
                    "allowance": allowed,
                    "used": spent,
                    "remaining": max(0, allowed - spent),
                    "concurrency": limits.org_concurrency(st, org.zgid),
                    "in_flight": st.in_flight_by_org[org.zgid],
                }
        return json_response({"orgs": orgs})

    def _layout_required(self, params: dict) -> Response:
        """Make a field mandatory in a layout (or not): ``{"zgid", "module", "field",
        "required": bool, "layout": id}`` (``layout`` optional: the module's default)."""
        zgid, module, name = params.get("zgid"), params.get("module"), params.get("field")
        required, lid = params.get("required"), params.get("layout")
        if zgid not in seed.org_by_zgid():
            return json_response({"error": "unknown zgid"}, 400)
        if not isinstance(required, bool):
            return json_response({"error": "required must be true or false"}, 400)
        with self.state.lock:
            org_data = self.state.orgs[zgid]
            mod = org_data.schema.record_module(module if isinstance(module, str) else None)
            if mod is None or "Layout" not in mod.fields:
                return json_response({"error": "unknown module, or one without layouts"}, 400)
            fd = mod.fields.get(name) if isinstance(name, str) else None
            if fd is None or fd.read_only:
                return json_response(
                    {"error": f"{mod.api_name} has no writable field {name!r}"}, 400
                )
            if fd.mandatory:
                return json_response({"error": f"{name} is system mandatory"}, 400)
            ids = layouts.layout_ids(mod)
            lid = ids[0] if lid is None else str(lid)
            if lid not in ids:
                return json_response({"error": "unknown layout", "layouts": ids}, 400)
            org_data.layout_required.setdefault((mod.api_name, lid), {})[fd.api_name] = required
            now = sorted(
                layouts.required_fields(mod, lid, org_data.layout_required),
                key=list(mod.fields).index,
            )
        return json_response(
            {"status": "success", "module": mod.api_name, "layout": lid, "required": now}
        )

    def _expire(self, params: dict) -> Response:
        email = params.get("email")
        dc = params.get("dc")
        token = params.get("token")
        now = time.time()
        expired = 0
        with self.state.lock:
            for at in self.state.access_tokens.values():
                if email and at.email != email:
                    continue
                if dc and at.dc != dc:
                    continue
                if token and at.token != token:
                    continue
                if at.alive(now):
                    at.expires = now - 1
                    expired += 1
        return json_response({"status": "success", "expired": expired})


def _control_params(req: Request) -> dict:
    ctype = (req.header("Content-Type") or "").lower()
    if "json" in ctype or req.body.strip().startswith(b"{"):
        try:
            data = json.loads(req.body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            return {}
        return data if isinstance(data, dict) else {}
    params = {k: v[0] for k, v in req.query.items()}
    params.update(req.form)
    return params


def _hostname_of(host: str) -> str:
    host = (host or "").strip().lower()
    if host.startswith("["):  # [::1]:8765
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        return host.split(":", 1)[0]
    return host


def _forbidden(reason: str) -> Response:
    return json_response({"error": "forbidden", "reason": reason}, 403)


def _reset_meanwhile() -> Response:
    return json_response({"error": "emulator_reset", "message": "the emulator was reset"}, 503)


def _not_found() -> Response:
    return json_response(
        {
            "code": "INVALID_URL_PATTERN",
            "details": {},
            "message": "Please check if the URL trying to access is a correct one",
            "status": "error",
        },
        404,
    )
