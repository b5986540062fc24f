"""One record per form, however often it is sent: a one-time token bound to the form.

Each create form carries a random token (`issue`). The first POST with it claims the token in
the shared cache (`cache.add`, atomic in Redis and in Django's memory cache, so it holds
across workers and hosts); once the record exists, the token remembers where it lives. A
second POST with the same token (a double click, a reload, a resend from the browser's
history) never writes again: it is sent to that record, or, while the first is still being
saved, waits for it. A failed save gives the token back, so the corrected form can be sent.

The JSON API does the same with an `Idempotency-Key` header (quick input sends one per
record it creates).

While the shared cache does not answer (Redis down or hanging), tokens are claimed in the
database instead (`SubmitClaim`, a unique index standing in for `cache.add`): a double submit
still writes once, on any worker and host. A token claimed in Redis just before it went away
is not seen by the database, so a resend in that moment may save twice; never a 500.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.cache import CACHE_ERRORS, MISSING, cache_delete, cache_get, cache_set
from crm.models import SubmitClaim

FIELD_NAME = "form_token"
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
TTL = 60 * 60  # a form left open for an hour may still be sent once
PENDING = "pending"
WAIT_SECONDS = 20  # how long a second submission waits for the first one's answer
_POLL = 0.1


def issue() -> str:
    """A new token for a form."""
    return secrets.token_urlsafe(24)


def _key(user_id: int, scope: str, token: str) -> str:
    return f"crm:submit:{user_id}:{scope}:{token}"


class Claim:
    """The outcome of presenting a token: `first` (go on and save), or the earlier result."""

    def __init__(self, key: str | None, *, first: bool, result: Any = None, in_db: bool = False):
        self.key = key
        self.first = first
        self.result = result
        self.in_db = in_db  # claimed in the database (the cache did not answer)

    def done(self, result: Any) -> None:
        """The save succeeded: later submissions answer with `result`."""
        if self.key and self.in_db:
            SubmitClaim.objects.filter(key_digest=_digest(self.key)).update(
                done=True, result=result
            )
        elif self.key:
            cache_set(self.key, {"result": result}, TTL)

    def release(self) -> None:
        """The save failed (nothing was written): the token may be sent again."""
        if self.key and self.in_db:
            SubmitClaim.objects.filter(key_digest=_digest(self.key)).delete()
        elif self.key:
            cache_delete(self.key)


def claim(*, user_id: int, scope: str, token: str | None) -> Claim:
    """Present `token`: the first presentation may save; a repeat gets the first's result
    (waiting up to WAIT_SECONDS while the first is still saving; `result` None if it never
    finished). A missing or malformed token protects nothing and always goes on."""
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        return Claim(None, first=True)
    key = _key(user_id, scope, token)
    try:
        if cache.add(key, PENDING, TTL):
            if not SubmitClaim.objects.filter(key_digest=_digest(key)).exists():
                return Claim(key, first=True)
            cache_delete(key)  # claimed in the database during an outage: that one counts
            return _claim_in_database(key)
    except CACHE_ERRORS:
        return _claim_in_database(key)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        stored = cache_get(key)
        if isinstance(stored, dict):
            return Claim(None, first=False, result=stored.get("result"))
        if stored is MISSING:  # the first one failed and gave the token back
            return claim(user_id=user_id, scope=scope, token=token)
        if time.monotonic() >= deadline:
            return Claim(None, first=False, result=None)
        time.sleep(_POLL)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _claim_in_database(key: str) -> Claim:
    """`claim` with the database's unique index in place of the cache's `add`."""
    digest = _digest(key)
    SubmitClaim.objects.filter(created_at__lt=timezone.now() - timedelta(seconds=TTL)).delete()
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            with transaction.atomic():
                SubmitClaim.objects.create(key_digest=digest)
            return Claim(key, first=True, in_db=True)
        except IntegrityError:
            pass
        row = SubmitClaim.objects.filter(key_digest=digest).values("done", "result").first()
        if row is not None and row["done"]:
            return Claim(None, first=False, result=row["result"])
        if time.monotonic() >= deadline:
            return Claim(None, first=False, result=None)
        if row is not None:  # the first one is still saving (else it gave the token back)
            time.sleep(_POLL)
