"""API credits and concurrency, as Zoho CRM meters them per org.

Sources (read 2026-12; cited in zoho_emulator/README.md "API credits and concurrency"):

- "API Limits" (zoho.com/crm/developer/docs/api/v8/api-limits.html): credits per org in a
  rolling 24-hour window by edition, ``50,000 + users x per-user credits`` up to a maximum;
  the Free edition 5,000. Most calls cost 1 credit; Convert Lead costs 5.
- COQL overview (v8 "Query API"): a query costs by its LIMIT: 1-200 one credit, 201-1000 two,
  1001-2000 three.
- Kaizen #203 "Handling API Limits and Error Responses": concurrent calls per org and app by
  edition (Free 5, Standard 10, Professional 15, Enterprise 20, Ultimate 25); resource-
  intensive APIs such as queries (COQL) have their own cap of 10; past a cap Zoho answers
  429 ``TOO_MANY_REQUESTS``.

Exhausted credits: Zoho's status-code table gives 429 for "the number of API requests per
minute/day has exceeded the limit" and documents no separate code; the emulator answers 429
``TOO_MANY_REQUESTS`` then too (the stricter reading: a refusal, never served), with a
message that says it is the day's credits.
"""

from __future__ import annotations

import collections
import json
import re
from dataclasses import dataclass

WINDOW = 24 * 3600.0  # credits free up as the calls that spent them leave the rolling day


@dataclass(frozen=True)
class Edition:
    name: str
    base: int  # credits every org of the edition has
    per_user: int  # credits per user licence
    maximum: int | None  # the cap on base + users x per_user (None: unlimited)
    concurrency: int  # calls in flight at once, per org


EDITIONS: dict[str, Edition] = {
    "Free": Edition("Free", 5_000, 0, 5_000, 5),
    "Standard": Edition("Standard", 50_000, 250, 100_000, 10),
    "Professional": Edition("Professional", 50_000, 500, 3_000_000, 15),
    "Enterprise": Edition("Enterprise", 50_000, 1_000, 5_000_000, 20),
    "Ultimate": Edition("Ultimate", 50_000, 2_000, None, 25),
}

# The demo orgs' editions (seed data). Chosen so that the test suite's heaviest runs stay
# under every cap: 16 workers at once on one org (tests/security), the 2,600-lead UK org
# paged end to end, a page fanning out 4 calls.
ORG_EDITIONS: dict[str, str] = {
    "720019234": "Ultimate",  # Zylker Traders Inc.
    "720019877": "Enterprise",  # Zylker Labs LLC
    "20071245781": "Enterprise",  # Nordwind Logistik GmbH
    "60012873459": "Enterprise",  # Kaveri Textiles Pvt Ltd
    "7001938172": "Professional",  # Banksia Solar Pty Ltd
    "90051762213": "Enterprise",  # Thamesgate Wholesale Ltd
}
DEFAULT_EDITION = "Enterprise"

# Calls whose own concurrency cap is lower than the edition's ("sub-concurrency").
SUB_CONCURRENCY = {"coql": 10}


def edition_of(zgid: str) -> Edition:
    return EDITIONS[ORG_EDITIONS.get(zgid, DEFAULT_EDITION)]


def allowance(zgid: str, users: int) -> int:
    """The org's credits for a rolling day: ``base + users x per_user``, capped."""
    ed = edition_of(zgid)
    total = ed.base + users * ed.per_user
    return total if ed.maximum is None else min(total, ed.maximum)


_LIMIT_RE = re.compile(r"\blimit\s+(\d+)(?:\s*,\s*(\d+))?", re.IGNORECASE)

# Credit weights: (method, pattern below /crm/v8/) -> credits. First match wins; anything
# else costs 1 credit ("Each API call made will result in a reduction of 1 credit").
WEIGHTS: list[tuple[str, re.Pattern, int]] = [
    ("POST", re.compile(r"^Leads/\d+/actions/convert$", re.IGNORECASE), 5),  # Convert Lead
]


def coql_credits(query: str) -> int:
    """1 credit for LIMIT 1-200, 2 for 201-1000, 3 for 1001-2000 (no LIMIT: 200)."""
    match = _LIMIT_RE.search(query or "")
    count = 200
    if match:
        count = int(match.group(2) or match.group(1))
    if count <= 200:
        return 1
    if count <= 1000:
        return 2
    return 3


def credits_for(method: str, crm_path: str, body: bytes) -> int:
    """What a call costs; ``crm_path`` is the part after ``/crm/v8/``."""
    path = crm_path.strip("/")
    if method == "POST" and path == "coql":
        try:
            query = json.loads(body.decode("utf-8") or "{}").get("select_query") or ""
        except (UnicodeDecodeError, ValueError, AttributeError):
            query = ""
        return coql_credits(str(query))
    for verb, pattern, weight in WEIGHTS:
        if verb == method and pattern.match(path):
            return weight
    return 1


def org_users(zgid: str) -> int:
    from . import seed

    return sum(1 for u in seed.USERS if zgid in u.orgs)


def used(st, zgid: str, now: float) -> int:
    """Credits the org spent in the rolling day before ``now``. Call under ``st.lock``."""
    log = st.credit_log.get(zgid)
    if not log:
        return 0
    while log and now - log[0][0] >= WINDOW:
        log.popleft()
    return sum(c for _, c in log)


def org_allowance(st, zgid: str) -> int:
    """The control plane's allowance for the org, else its edition's. Under ``st.lock``."""
    override = st.credit_allowance.get(zgid)
    return override if override is not None else allowance(zgid, org_users(zgid))


def org_concurrency(st, zgid: str) -> int:
    override = st.concurrency_cap.get(zgid)
    return override if override is not None else edition_of(zgid).concurrency


def admit(st, zgid: str, crm_path: str, method: str, body: bytes, now: float):
    """``(refusal, release)``: a 429 answer when the org is over a cap, else ``None`` and the
    function to call when the call is answered. Credits are spent on admission (a call Zoho
    takes costs its credits whatever it answers)."""
    from .crm.errors import crm_error

    kind = "coql" if method == "POST" and crm_path.strip("/") == "coql" else None
    cost = credits_for(method, crm_path, body)
    with st.lock:
        in_flight = st.in_flight_by_org
        cap = org_concurrency(st, zgid)
        sub_cap = SUB_CONCURRENCY.get(kind) if kind else None
        if in_flight[zgid] >= cap or (sub_cap is not None and in_flight[kind, zgid] >= sub_cap):
            resp = crm_error(
                "TOO_MANY_REQUESTS",
                "The number of concurrent API requests has exceeded the limit of your edition",
                429,
                {},
            )
            return resp, None
        if used(st, zgid, now) + cost > org_allowance(st, zgid):
            resp = crm_error(
                "TOO_MANY_REQUESTS",
                "The API credits of the organization for the rolling 24 hours are exhausted",
                429,
                {},
            )
            return resp, None
        st.credit_log.setdefault(zgid, collections.deque()).append((now, cost))
        st.stats.credits_used_by_org[zgid] += cost
        in_flight[zgid] += 1
        if kind:
            in_flight[kind, zgid] += 1

    def release():
        with st.lock:
            in_flight[zgid] -= 1
            if kind:
                in_flight[kind, zgid] -= 1

    return None, release
