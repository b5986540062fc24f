"""The portal's own count of the Zoho API credits it spends, per org and UTC day.

Zoho meters credits per org over a rolling 24 hours, by edition (its "API Limits" page); an
org's admin sees the total in Zoho. This count is the portal's share, shown in the Django
admin beside each org. Weights as Zoho documents them: 1 credit a call, Convert Lead 5,
a COQL query by its LIMIT (1-200: 1, 201-1000: 2, 1001-2000: 3).

Every CRM call the SDK makes goes through `zoho.transport.request`, which calls
`spent()` with the call's answer; `counting(connection)` (around the SDK calls of one
connection, `crm.zoho.runner.run`) says whose org it is. A call Zoho refused with 429 or 401
(no valid token) spent nothing. The count is one cache increment a call, in the shared cache
(all workers, all hosts); a cache that does not answer loses counts, never a request.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache

from core import metrics
from core.cache import CACHE_ERRORS, _unavailable

KEEP_SECONDS = 2 * 24 * 3600  # today's and yesterday's counts
_org: contextvars.ContextVar[int | None] = contextvars.ContextVar("api_credits_org", default=None)
_CRM_PATH = re.compile(r"/crm/v\d+/(?P<path>[^?#]*)")
_LIMIT = re.compile(r"\blimit\s+(\d+)(?:\s*,\s*(\d+))?", re.IGNORECASE)
_CONVERT = re.compile(r"^Leads/\d+/actions/convert/?$", re.IGNORECASE)


@contextlib.contextmanager
def counting(connection) -> Iterator[None]:
    """Count the block's CRM calls for `connection`'s org (its `ZohoOrg` primary key)."""
    token = _org.set(connection.org_id)
    try:
        yield
    finally:
        _org.reset(token)


def weight(method: str, url: str, body: Any = None) -> int:
    """The credits Zoho takes for a call; 0 for a URL that is not a CRM API call."""
    match = _CRM_PATH.search(url or "")
    if match is None:
        return 0
    path = match.group("path").strip("/")
    method = method.upper()
    if method == "POST" and path == "coql":
        return coql_weight(_select_query(body))
    if method == "POST" and _CONVERT.match(path):
        return 5
    return 1


def coql_weight(query: str) -> int:
    match = _LIMIT.search(query or "")
    count = int(match.group(2) or match.group(1)) if match else 200
    return 1 if count <= 200 else 2 if count <= 1000 else 3


def _select_query(body: Any) -> str:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return ""
    return str(body.get("select_query") or "") if isinstance(body, dict) else ""


def _key(org_pk: int, day: str | None = None) -> str:
    return f"api-credits:{org_pk}:{day or datetime.now(UTC).date().isoformat()}"


def spent(method: str, url: str, body: Any, status: int) -> None:
    """Count a call Zoho answered (`zoho.transport.request`)."""
    org_pk = _org.get()
    if org_pk is None or status in (401, 429):
        return
    credits = weight(method, url, body)
    if not credits:
        return
    metrics.credits_used(credits)  # the /metrics counter, by data center
    key = _key(org_pk)
    try:
        try:
            cache.incr(key, credits)
        except ValueError:  # the day's first call
            if not cache.add(key, credits, KEEP_SECONDS):
                cache.incr(key, credits)
    except CACHE_ERRORS as error:
        _unavailable("incr", error)


def used_today(org_pk: int) -> int:
    """The credits the portal spent for the org since midnight UTC."""
    try:
        return int(cache.get(_key(org_pk), 0) or 0)
    except CACHE_ERRORS as error:
        _unavailable("get", error)
        return 0
