"""Zoho Accounts (OAuth 2.0) endpoints: authorize page/form, token, revoke."""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import time
from urllib.parse import urlencode

from . import seed
from .web import Request, Response, html_response, json_response, redirect

THROTTLE = {
    "error": "Access Denied",
    "error_description": (
        "You have made too many requests continuously. Please try again after some time."
    ),
}

AUTH_PARAMS = (
    "client_id",
    "response_type",
    "redirect_uri",
    "scope",
    "state",
    "access_type",
    "prompt",
    "code_challenge",
    "code_challenge_method",
)
# RFC 7636 section 4.1: 43-128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
PKCE_VALUE_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
PKCE_METHODS = ("S256", "plain")
SCOPE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_$]+)+$")


def split_scopes(raw: str | None) -> list[str]:
    if not raw:
        return []
    parts = re.split(r"[,\s]+", raw.strip())
    return [p for p in parts if p]


def oauth_error(error: str, emu=None) -> Response:
    if error == "throttle":
        return json_response(dict(THROTTLE))
    return json_response({"error": error})


# ---------------------------------------------------------------------------- authorize

_CSS = """
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  background:#f3f5f9;color:#1d2330}
main{max-width:560px;margin:40px auto;background:#fff;border-radius:10px;
  box-shadow:0 2px 12px rgba(20,30,60,.12);padding:28px 32px}
h1{font-size:1.35rem;margin:0 0 4px}
.brand{color:#e42527;font-weight:700;letter-spacing:.02em}
.sub{color:#566;margin:0 0 18px}
fieldset{border:1px solid #d8dde6;border-radius:8px;margin:0 0 16px;padding:10px 14px}
legend{font-weight:600;padding:0 6px}
label{display:block;padding:5px 0;cursor:pointer}
.dc{display:inline-block;font-size:.75rem;background:#e8eefc;color:#2450b8;border-radius:4px;
  padding:0 6px;margin-left:6px;text-transform:uppercase}
.muted{color:#667;font-size:.85rem}
ul.scopes{margin:4px 0 0;padding-left:20px}
ul.scopes li{font-family:ui-monospace,monospace;font-size:.85rem}
.err{background:#fdecec;color:#8a1c1c;border:1px solid #f3b7b7;border-radius:6px;
  padding:8px 12px;margin:0 0 16px}
.actions{display:flex;gap:12px;margin-top:8px}
button{font:inherit;border-radius:6px;padding:8px 20px;cursor:pointer;border:1px solid #b8c0cc;
  background:#fff}
button.primary{background:#1f6feb;border-color:#1f6feb;color:#fff}
button:focus-visible,input:focus-visible{outline:3px solid #8fb5ff;outline-offset:2px}
.note{margin-top:18px;font-size:.8rem;color:#778}
"""


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<link rel="icon" href="data:,">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body><main>{body}</main>"
        f"</body></html>"
    )


def error_page(title: str, message: str, status: int = 400) -> Response:
    body = (
        f'<p class="brand">Zoho Accounts (emulator)</p><h1>{html.escape(title)}</h1>'
        f'<p class="err" role="alert">{html.escape(message)}</p>'
        f'<p class="muted">This request was not redirected back to the application because its '
        f"client or redirect URI could not be verified.</p>"
    )
    return html_response(_page(title, body), status)


def consent_page(
    emu, dc: str, params: dict, scopes: list[str], error: str | None = None, status: int = 200
) -> Response:
    orgs = seed.org_by_zgid()
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(params.get(name) or "")}">'
        for name in AUTH_PARAMS
        if params.get(name) is not None
    )
    selected = params.get("email")
    user_rows = []
    for index, user in enumerate(seed.USERS):
        uid = f"user-{index}"
        checked = " checked" if (selected == user.email or (not selected and index == 0)) else ""
        org_names = ", ".join(orgs[z].name for z in user.orgs)
        user_rows.append(
            f'<label for="{uid}"><input type="radio" id="{uid}" name="email" '
            f'value="{html.escape(user.email)}"{checked}> '
            f"<strong>{html.escape(user.full_name)}</strong> "
            f'&lt;{html.escape(user.email)}&gt;<span class="dc">{user.dc}</span><br>'
            f'<span class="muted">{html.escape(org_names)}</span></label>'
        )
    org_rows = []
    for user in seed.USERS:
        if len(user.orgs) < 2:
            continue
        for z_index, zgid in enumerate(user.orgs):
            oid = f"org-{zgid}"
            checked = (
                " checked"
                if (params.get("org") == zgid or (not params.get("org") and z_index == 0))
                else ""
            )
            org_rows.append(
                f'<label for="{oid}"><input type="radio" id="{oid}" name="org" '
                f'value="{zgid}"{checked}> {html.escape(orgs[zgid].name)} '
                f'<span class="muted">(for {html.escape(user.full_name)}, '
                f"zgid {zgid})</span></label>"
            )
    org_block = ""
    if org_rows:
        org_block = (
            '<fieldset><legend>Organization</legend><p class="muted">Only used for accounts that '
            "belong to several organizations; ignored otherwise.</p>"
            + "".join(org_rows)
            + "</fieldset>"
        )
    scope_items = "".join(f"<li>{html.escape(s)}</li>" for s in scopes)
    err = f'<p class="err" role="alert">{html.escape(error)}</p>' if error else ""
    client = html.escape(params.get("client_id") or "")
    offline = (
        '<p class="muted">The application asks for offline access (a refresh token).</p>'
        if (params.get("access_type") or "").lower() == "offline"
        else ""
    )
    body = (
        f'<p class="brand">Zoho Accounts (emulator)</p>'
        f"<h1>Sign in and authorize</h1>"
        f'<p class="sub">Application <code>{client}</code> wants to access your Zoho CRM '
        f"data.</p>{err}"
        f'<form method="post" action="/accounts/{dc}/oauth/v2/auth">'
        f"{hidden}<fieldset><legend>Choose a demo account</legend>"
        f"{''.join(user_rows)}</fieldset>"
        f"{org_block}"
        f"<fieldset><legend>Requested permissions</legend>"
        f'<ul class="scopes">{scope_items}</ul>{offline}'
        f"</fieldset>"
        f'<div class="actions"><button class="primary" type="submit" name="approve" value="1">'
        f'Approve</button><button type="submit" name="deny" value="1">Deny</button></div></form>'
        f'<p class="note">Local emulator: no password is asked. '
        f"Each demo account lives in one data "
        f"center; the application is sent back with <code>location</code> set to it.</p>"
    )
    return html_response(_page("Authorize application", body), status)


def _with_query(uri: str, params: dict) -> str:
    sep = "&" if "?" in uri else "?"
    return uri + sep + urlencode(params)


def authorize(emu, dc: str, req: Request) -> Response:
    source = req.form if req.method == "POST" else {k: v[0] for k, v in req.query.items()}
    params = {name: source.get(name) for name in AUTH_PARAMS}
    with emu.state.lock:
        emu.state.stats.authorize_calls["page" if req.method != "POST" else "submit"] += 1
    client_id = params.get("client_id")
    if not client_id or client_id != emu.client_id:
        return error_page(
            "Invalid client", "The client_id is missing or not registered with this server."
        )
    redirect_uri = params.get("redirect_uri")
    if not redirect_uri or redirect_uri not in emu.redirect_uris:
        return error_page(
            "Invalid redirect URI",
            "The redirect_uri does not exactly match one registered for this client.",
        )
    state_param = params.get("state")

    def back(extra: dict) -> Response:
        out = dict(extra)
        if state_param is not None:
            out["state"] = state_param
        return redirect(_with_query(redirect_uri, out))

    if (params.get("response_type") or "") != "code":
        return back({"error": "unsupported_response_type"})
    scopes = split_scopes(params.get("scope"))
    if not scopes or not all(SCOPE_RE.match(s) for s in scopes):
        return back({"error": "invalid_scope"})
    challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
    if challenge is not None or method is not None:
        if not challenge:
            return back({"error": "invalid_request"})  # a method without a challenge
        # RFC 7636 section 4.3: "plain" when the method is absent.
        method = method or "plain"
        if method not in PKCE_METHODS or not PKCE_VALUE_RE.match(challenge):
            return back({"error": "invalid_request"})
        if method == "S256" and len(challenge) != 43:
            return back({"error": "invalid_request"})  # BASE64URL(SHA-256) is 43 characters
    if req.method != "POST":
        return consent_page(emu, dc, params, scopes)

    if req.form.get("deny") is not None and req.form.get("approve") is None:
        with emu.state.lock:
            emu.state.stats.authorize_calls["deny"] += 1
        return back({"error": "access_denied"})
    email = (req.form.get("email") or "").strip().lower()
    user = next((u for u in seed.USERS if u.email == email), None)
    if user is None:
        params["email"] = None
        return consent_page(
            emu, dc, params, scopes, error="Choose one of the demo accounts.", status=400
        )
    org = (req.form.get("org") or "").strip()
    if not org or org not in user.orgs:
        # A multi-org user who did not (validly) pick an org gets their first (default) org:
        # the org radio group lists other users' orgs too, so a mismatched pick is expected.
        org = user.orgs[0]
    access_type = (params.get("access_type") or "online").lower()
    grant = emu.state.new_grant(
        client_id=client_id,
        redirect_uri=redirect_uri,
        email=user.email,
        zgid=org,
        dc=user.dc,
        scopes=scopes,
        access_type=access_type,
        code_challenge=challenge or None,
        code_challenge_method=method if challenge else None,
    )
    with emu.state.lock:
        emu.state.stats.authorize_calls["approve"] += 1
    out = {"code": grant.code}
    if state_param is not None:
        out["state"] = state_param
    out["location"] = user.dc
    out["accounts-server"] = emu.accounts_server(user.dc)
    return redirect(_with_query(redirect_uri, out))


# ---------------------------------------------------------------------------- token


def token_params(req: Request) -> dict:
    params = {k: v[0] for k, v in req.query.items()}
    params.update(req.form)
    return params


def token(emu, dc: str, req: Request) -> Response:
    params = token_params(req)
    grant_type = params.get("grant_type") or ""
    st = emu.state
    with st.lock:
        st.stats.token_calls[grant_type or "(missing)"] += 1
        if grant_type == "refresh_token" and params.get("refresh_token"):
            st.stats.refresh_calls_by_refresh_token[params["refresh_token"]] += 1
            st.stats.token_calls_by_refresh_token[params["refresh_token"]] += 1
    if req.method != "POST":
        return _token_error(emu, "invalid_request", 405)
    if not grant_type:
        return _token_error(emu, "invalid_request")
    if grant_type not in ("authorization_code", "refresh_token"):
        return _token_error(emu, "unsupported_grant_type")
    secret = params.get("client_secret")
    if (
        params.get("client_id") != emu.client_id
        or not isinstance(secret, str)
        or not hmac.compare_digest(secret.encode(), emu.client_secret_for(dc).encode())
    ):
        return _token_error(emu, "invalid_client")
    if grant_type == "authorization_code":
        return _code_grant(emu, dc, params)
    return _refresh_grant(emu, dc, params)


def _token_error(emu, error: str, status: int = 200) -> Response:
    with emu.state.lock:
        emu.state.stats.token_errors[error] += 1
    resp = oauth_error(error)
    resp.status = status
    return resp


def token_body(emu, at, rt=None) -> dict:
    body = {"access_token": at.token}
    if rt is not None:
        body["refresh_token"] = rt.token
    body.update(
        {
            "scope": " ".join(at.scopes),
            "api_domain": emu.api_domain(at.dc),
            "token_type": "Bearer",
            "expires_in": int(emu.access_token_ttl),
        }
    )
    return body


def pkce_challenge(verifier: str, method: str) -> str:
    """The ``code_challenge`` a ``code_verifier`` stands for (RFC 7636 section 4.2)."""
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier


def pkce_ok(grant, verifier: str | None) -> bool:
    if grant.code_challenge is None:
        return verifier is None
    if verifier is None:
        return False
    expected = pkce_challenge(verifier, grant.code_challenge_method or "plain")
    return hmac.compare_digest(expected.encode("ascii"), grant.code_challenge.encode("ascii"))


def _code_grant(emu, dc: str, params: dict) -> Response:
    code = params.get("code")
    if not code:
        return _token_error(emu, "invalid_request")
    verifier = params.get("code_verifier")
    if verifier is not None and not PKCE_VALUE_RE.match(verifier):
        return _token_error(emu, "invalid_request")  # malformed: refused before the code
    st = emu.state
    now = time.time()
    with st.lock:
        grant = st.grants.get(code)
        if grant is not None and grant.alive(now) and grant.dc != dc:
            # Zoho: a code or token presented at another DC's accounts server is "invalid_client".
            return _token_error(emu, "invalid_client")
        if grant is None or not grant.alive(now) or grant.client_id != params.get("client_id"):
            return _token_error(emu, "invalid_code")
        if grant.redirect_uri is not None and params.get("redirect_uri") != grant.redirect_uri:
            return _token_error(emu, "invalid_redirect_uri")
        if not pkce_ok(grant, verifier):
            # A code bound to a challenge met a missing or wrong verifier, or a verifier came
            # for a code issued without a challenge (a downgrade): possibly an intercepted
            # code, so it is burned, not left for another try.
            grant.used = True
            grant.burned_reason = "PKCE verification failed"
            return _token_error(emu, "invalid_code")
        grant.used = True
        rt = None
        if grant.access_type == "offline":
            rt = st.mint_refresh(
                client_id=grant.client_id,
                email=grant.email,
                zgid=grant.zgid,
                dc=grant.dc,
                scopes=grant.scopes,
            )
            st.stats.token_calls_by_refresh_token[rt.token] += 1
        at = st.mint_access(
            client_id=grant.client_id,
            email=grant.email,
            zgid=grant.zgid,
            dc=grant.dc,
            scopes=grant.scopes,
            ttl=emu.access_token_ttl,
            refresh=rt,
            grant_type="authorization_code",
        )
        return json_response(token_body(emu, at, rt))


def _refresh_grant(emu, dc: str, params: dict) -> Response:
    token_value = params.get("refresh_token")
    if not token_value:
        return _token_error(emu, "invalid_request")
    st = emu.state
    now = time.time()
    with st.lock:
        rt = st.refresh_tokens.get(token_value)
        if rt is not None and not rt.revoked and rt.dc != dc:
            return _token_error(emu, "invalid_client")
        if rt is None or rt.revoked or rt.client_id != params.get("client_id"):
            return _token_error(emu, "invalid_code")
        if not st.refresh_allowed(rt, now):
            st.stats.token_errors["Access Denied"] += 1
            return json_response(dict(THROTTLE))
        rt.refresh_times.append(now)
        at = st.mint_access(
            client_id=rt.client_id,
            email=rt.email,
            zgid=rt.zgid,
            dc=rt.dc,
            scopes=rt.scopes,
            ttl=emu.access_token_ttl,
            refresh=rt,
            grant_type="refresh_token",
        )
        return json_response(token_body(emu, at))


def revoke(emu, dc: str, req: Request) -> Response:
    params = token_params(req)
    value = params.get("token")
    st = emu.state
    with st.lock:
        st.stats.revoke_calls += 1
        if req.method != "POST":
            resp = json_response({"error": "invalid_request"})
            resp.status = 405
            return resp
        if not value:
            return json_response({"error": "invalid_request"})
        rt = st.refresh_tokens.get(value)
        if rt is not None and rt.dc == dc and not rt.revoked:
            st.revoke_refresh(rt)
            return json_response({"status": "success"})
        at = st.access_tokens.get(value)
        if at is not None and at.dc == dc and at.alive(time.time()):
            at.revoked = True
            at.revoked_reason = "revoked"
            return json_response({"status": "success"})
        # Unknown, already revoked, expired or another DC's token: Zoho Accounts' "Revoking
        # a Refresh token" page says the request is not executed and the answer is HTTP 400
        # (no body documented: this one is the emulator's).
        resp = json_response({"error": "invalid_token"})
        resp.status = 400
        return resp
