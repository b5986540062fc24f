"""Mutable emulator state: grant codes, tokens, CRM data, statistics and faults.

One re-entrant lock guards everything. Handlers hold it only for dictionary work, never while
sleeping (latency and "hang" faults sleep outside it).
"""

from __future__ import annotations

import collections
import functools
import secrets
import threading
import time
from dataclasses import dataclass, field

from . import schema, seed, seed_modules

CODE_TTL = 120.0
REFRESH_WINDOW = 600.0
REFRESH_PER_WINDOW = 10
LIVE_ACCESS_PER_REFRESH = 15
REFRESH_PER_USER_CLIENT = 20


def _token() -> str:
    return f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"


@dataclass
class Grant:
    code: str
    client_id: str
    redirect_uri: str | None  # None for self-client codes (no redirect_uri needed)
    email: str
    zgid: str
    dc: str
    scopes: tuple[str, ...]
    access_type: str
    created: float
    expires: float
    source: str = "authorize"  # or "self-client"
    used: bool = False
    code_challenge: str | None = None  # PKCE (RFC 7636), from the authorize request
    code_challenge_method: str | None = None  # "S256" or "plain"
    burned_reason: str | None = None  # set when a failed redemption burned the code

    def alive(self, now: float) -> bool:
        return not self.used and now < self.expires


@dataclass
class RefreshToken:
    token: str
    client_id: str
    email: str
    zgid: str
    dc: str
    scopes: tuple[str, ...]
    created: float
    revoked: bool = False
    revoked_reason: str | None = None
    live_access: collections.deque = field(default_factory=collections.deque)
    refresh_times: collections.deque = field(default_factory=collections.deque)
    minted: list = field(default_factory=list)  # every access token minted from it


@dataclass
class AccessToken:
    token: str
    client_id: str
    email: str
    zgid: str
    dc: str
    scopes: tuple[str, ...]
    created: float
    expires: float
    refresh_token: str | None
    grant_type: str
    revoked: bool = False
    revoked_reason: str | None = None

    def alive(self, now: float) -> bool:
        return not self.revoked and now < self.expires


@dataclass
class Fault:
    path: str
    match: str = "exact"  # "exact" or "prefix"
    method: str | None = None
    remaining: int | None = 1  # None = until cleared
    status: int | None = None
    body: object = None
    headers: dict = field(default_factory=dict)
    error: str | None = None  # OAuth error string, e.g. "invalid_code" or "throttle"
    crm_code: str | None = None  # CRM error code, e.g. "INTERNAL_ERROR"
    delay_s: float = 0.0
    id: int = 0
    applied: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if self.match == "prefix":
            return path.startswith(self.path)
        return path == self.path

    def describe(self) -> dict:
        return {
            "id": self.id,
            "path": self.path,
            "match": self.match,
            "method": self.method,
            "remaining": self.remaining,
            "status": self.status,
            "body": self.body,
            "headers": self.headers,
            "error": self.error,
            "crm_code": self.crm_code,
            "delay_s": self.delay_s,
            "applied": self.applied,
        }


class Stats:
    def __init__(self):
        self.token_calls = collections.Counter()  # by grant_type
        self.token_calls_by_refresh_token = collections.Counter()
        self.refresh_calls_by_refresh_token = collections.Counter()
        self.token_errors = collections.Counter()
        self.revoke_calls = 0
        self.authorize_calls = collections.Counter()  # "page", "approve", "deny"
        self.api_calls = 0
        self.api_calls_by_dc = collections.Counter()
        self.api_calls_by_path = collections.Counter()
        self.api_calls_by_access_token = collections.Counter()
        self.api_calls_by_user = collections.Counter()
        self.api_errors_by_code = collections.Counter()
        self.faults_applied = 0
        self.requests_total = 0
        # CRM API calls being answered now, and the most at once (the cap per org by edition
        # is enforced in limits.py / app.py).
        self.api_in_flight = 0
        self.api_in_flight_max = 0
        self.credits_used_by_org = collections.Counter()  # zgid -> credits spent (limits.py)

    def as_json(self, connections_accepted: int, api_connections: int) -> dict:
        return {
            "token_calls": dict(self.token_calls),
            "token_calls_total": sum(self.token_calls.values()),
            "token_calls_by_refresh_token": dict(self.token_calls_by_refresh_token),
            "refresh_calls_by_refresh_token": dict(self.refresh_calls_by_refresh_token),
            "token_errors": dict(self.token_errors),
            "revoke_calls": self.revoke_calls,
            "authorize_calls": dict(self.authorize_calls),
            "api_calls": self.api_calls,
            "api_calls_by_dc": dict(self.api_calls_by_dc),
            "api_calls_by_path": dict(self.api_calls_by_path),
            "api_calls_by_access_token": dict(self.api_calls_by_access_token),
            "api_calls_by_user": dict(self.api_calls_by_user),
            "api_errors_by_code": dict(self.api_errors_by_code),
            "faults_applied": self.faults_applied,
            "requests_total": self.requests_total,
            "api_in_flight": self.api_in_flight,
            "api_in_flight_max": self.api_in_flight_max,
            "credits_used_by_org": dict(self.credits_used_by_org),
            "connections_accepted": connections_accepted,
            "api_connections": api_connections,
        }


@functools.cache
def pristine_records(zgid: str) -> tuple[dict[str, dict[str, dict]], int]:
    """An org's seed, built once per process and never changed: ``({module: {id: record}},
    the id counter after seeding)``."""
    org = seed.org_by_zgid()[zgid]
    data, ids = seed_modules.build_org_records(org)
    return data, ids.counter


class ModuleStores(dict):
    """``{module: {id: record}}`` that copies a module's pristine store on first access.

    Records themselves are never changed in place (writes store a new dict), so a shallow copy
    of the store is enough: a reset costs nothing until a module is touched, and a touched
    module costs one dict copy."""

    def __init__(self, pristine: dict[str, dict[str, dict]]):
        super().__init__()
        self._pristine = pristine

    def __missing__(self, module: str) -> dict[str, dict]:
        store = dict(self._pristine.get(module, {}))
        self[module] = store
        return store


class OrgData:
    def __init__(self, org: seed.Org):
        self.org = org
        self.schema = schema.org_schema(org.zgid, org.currency)
        pristine, counter = pristine_records(org.zgid)
        self.records = ModuleStores(pristine)
        self.ids = seed.IdAllocator(org.id_prefix, start=counter)
        self.version = 0  # bumped by every write (page tokens and caches key on it)
        # POST /_emulator/layout-required: {(module, layout id): {field: required}}
        self.layout_required: dict[tuple[str, str], dict[str, bool]] = {}


class OrgDataMap(dict):
    """``{zgid: OrgData}`` built on first access after a reset."""

    def __missing__(self, zgid: str) -> OrgData:
        org = seed.org_by_zgid().get(zgid)
        if org is None:
            raise KeyError(zgid)
        data = OrgData(org)
        self[zgid] = data
        return data


class State:
    """All mutable state. Access under ``self.lock``."""

    def __init__(self):
        self.lock = threading.RLock()
        self.connections_accepted = 0
        self.api_connections = 0
        self.latency_ms = 0.0
        self._fault_seq = 0
        self.epoch = 0  # bumped by reset(); a request that slept across a reset is dropped
        self.reset()

    def reset(self):
        with self.lock:
            self.epoch = getattr(self, "epoch", 0) + 1
            self.grants: dict[str, Grant] = {}
            self.refresh_tokens: dict[str, RefreshToken] = {}
            self.access_tokens: dict[str, AccessToken] = {}
            # (client_id, email) -> ordered refresh tokens (oldest first), live ones only
            self.user_refresh: dict[tuple[str, str], collections.OrderedDict] = {}
            self.stats = Stats()
            self.connections_accepted = 0
            self.api_connections = 0
            self.faults: list[Fault] = []
            self.latency_ms = 0.0
            self.orgs: dict[str, OrgData] = OrgDataMap()
            self.page_tokens: dict = {}  # page_token -> crm.paging.PageToken
            self.page_tokens_expired_before = 0.0  # expire-page-tokens: issued before it, dead
            # API credits and concurrency (limits.py): per org, the rolling day's spending as
            # (time, credits), the control plane's overrides, the calls in flight now.
            self.credit_log: dict[str, collections.deque] = {}
            self.credit_allowance: dict[str, int] = {}
            self.concurrency_cap: dict[str, int] = {}
            self.in_flight_by_org = collections.Counter()

    # ---- grant codes -------------------------------------------------------------------
    def new_grant(
        self,
        *,
        client_id,
        redirect_uri,
        email,
        zgid,
        dc,
        scopes,
        access_type,
        source="authorize",
        code_challenge=None,
        code_challenge_method=None,
    ) -> Grant:
        now = time.time()
        grant = Grant(
            code=_token(),
            client_id=client_id,
            redirect_uri=redirect_uri,
            email=email,
            zgid=zgid,
            dc=dc,
            scopes=tuple(scopes),
            access_type=access_type,
            created=now,
            expires=now + CODE_TTL,
            source=source,
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method,
        )
        with self.lock:
            self.grants[grant.code] = grant
        return grant

    # ---- tokens ------------------------------------------------------------------------
    def mint_access(
        self, *, client_id, email, zgid, dc, scopes, ttl, refresh: RefreshToken | None, grant_type
    ) -> AccessToken:
        """Create an access token; enforce the live-per-refresh-token limit. Call under lock."""
        now = time.time()
        at = AccessToken(
            token=_token(),
            client_id=client_id,
            email=email,
            zgid=zgid,
            dc=dc,
            scopes=tuple(scopes),
            created=now,
            expires=now + ttl,
            refresh_token=refresh.token if refresh else None,
            grant_type=grant_type,
        )
        self.access_tokens[at.token] = at
        if refresh is not None:
            live = refresh.live_access
            # drop tokens that died on their own (expired / revoked) from the live window
            while live and not self.access_tokens[live[0]].alive(now):
                live.popleft()
            if len(live) >= LIVE_ACCESS_PER_REFRESH:
                alive = [t for t in live if self.access_tokens[t].alive(now)]
                live.clear()
                live.extend(alive)
                while len(live) >= LIVE_ACCESS_PER_REFRESH:
                    oldest = self.access_tokens[live.popleft()]
                    oldest.revoked = True
                    oldest.revoked_reason = "live access token limit (15 per refresh token)"
            live.append(at.token)
            refresh.minted.append(at.token)
        return at

    def mint_refresh(self, *, client_id, email, zgid, dc, scopes) -> RefreshToken:
        """Create a refresh token; enforce the per-user-per-client limit. Call under lock."""
        rt = RefreshToken(
            token=_token(),
            client_id=client_id,
            email=email,
            zgid=zgid,
            dc=dc,
            scopes=tuple(scopes),
            created=time.time(),
        )
        self.refresh_tokens[rt.token] = rt
        bucket = self.user_refresh.setdefault((client_id, email), collections.OrderedDict())
        while len(bucket) >= REFRESH_PER_USER_CLIENT:
            oldest_token = next(iter(bucket))
            # Kaizen #43: the evicted refresh token's access tokens die with it.
            self.revoke_refresh(
                self.refresh_tokens[oldest_token],
                reason="refresh token limit (20 per user per client)",
            )
        bucket[rt.token] = True
        return rt

    def revoke_refresh(self, rt: RefreshToken, reason="revoked"):
        """Kill a refresh token and every access token minted from it. Call under lock."""
        rt.revoked = True
        rt.revoked_reason = reason
        bucket = self.user_refresh.get((rt.client_id, rt.email))
        if bucket is not None:
            bucket.pop(rt.token, None)
        for token in rt.minted:
            at = self.access_tokens[token]
            if not at.revoked:
                at.revoked = True
                at.revoked_reason = reason
        rt.live_access.clear()

    def refresh_allowed(self, rt: RefreshToken, now: float) -> bool:
        """Rolling window: at most 10 refresh-grant access tokens per refresh token per 10 min."""
        times = rt.refresh_times
        while times and now - times[0] >= REFRESH_WINDOW:
            times.popleft()
        return len(times) < REFRESH_PER_WINDOW

    # ---- faults ------------------------------------------------------------------------
    def add_fault(self, fault: Fault) -> Fault:
        with self.lock:
            self._fault_seq += 1
            fault.id = self._fault_seq
            self.faults.append(fault)
        return fault

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.applied += 1
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self.faults.remove(fault)
                    self.stats.faults_applied += 1
                    return fault
        return None

    # ---- listings ----------------------------------------------------------------------
    def tokens_json(self) -> dict:
        now = time.time()

        def iso(t):
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)) if t else None

        with self.lock:
            codes = [
                {
                    "code": g.code,
                    "email": g.email,
                    "zgid": g.zgid,
                    "dc": g.dc,
                    "client_id": g.client_id,
                    "scope": ",".join(g.scopes),
                    "access_type": g.access_type,
                    "source": g.source,
                    "redirect_uri": g.redirect_uri,
                    "code_challenge_method": g.code_challenge_method,
                    "burned_reason": g.burned_reason,
                    "state": "used" if g.used else ("expired" if now >= g.expires else "alive"),
                    "alive": g.alive(now),
                    "created": iso(g.created),
                    "expires": iso(g.expires),
                }
                for g in self.grants.values()
            ]
            refresh = [
                {
                    "token": r.token,
                    "email": r.email,
                    "zgid": r.zgid,
                    "dc": r.dc,
                    "client_id": r.client_id,
                    "scope": ",".join(r.scopes),
                    "alive": not r.revoked,
                    "state": "revoked" if r.revoked else "alive",
                    "revoked_reason": r.revoked_reason,
                    "created": iso(r.created),
                    "expires": None,
                    "live_access_tokens": sum(
                        1 for t in r.live_access if self.access_tokens[t].alive(now)
                    ),
                    "refreshes_in_window": sum(
                        1 for t in r.refresh_times if now - t < REFRESH_WINDOW
                    ),
                }
                for r in self.refresh_tokens.values()
            ]
            access = [
                {
                    "token": a.token,
                    "email": a.email,
                    "zgid": a.zgid,
                    "dc": a.dc,
                    "client_id": a.client_id,
                    "scope": ",".join(a.scopes),
                    "alive": a.alive(now),
                    "state": "revoked"
                    if a.revoked
                    else ("expired" if now >= a.expires else "alive"),
                    "revoked_reason": a.revoked_reason,
                    "created": iso(a.created),
                    "expires": iso(a.expires),
                    "refresh_token": a.refresh_token,
                    "grant_type": a.grant_type,
                }
                for a in self.access_tokens.values()
            ]
        return {"grant_codes": codes, "refresh_tokens": refresh, "access_tokens": access}
