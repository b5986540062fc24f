"""Readiness check `tokens`: can this host's TOKEN_ENCRYPTION_KEYS read the stored tokens?

A host started with the wrong keys (one missing after a rotation, a typo, another
environment's) answers every signed-in user 403 "Reconnect needed". `/readyz` (core/health.py)
runs `check()`, so such a host fails its readiness probe, with the check named,
and the load balancer keeps it out of rotation instead.

The sample: the tokens of the SAMPLE_SIZE newest active connections (by primary key: an index
scan, whatever the table's size). Only the keys are checked (can a key decrypt the value?),
not each row's binding: one row holding a copied value is that row's problem, answered on its
own; keys that cannot read what the other hosts write are this host's. Verdicts are cached
per process for the exact ciphertexts and keys they were computed on (the query runs on every
probe, the decryption only when a row or the keys changed).
"""

from __future__ import annotations

import threading

from cryptography.fernet import InvalidToken
from django.conf import settings

from accounts import token_crypto

SAMPLE_SIZE = 5


class TokensUnreadable(Exception):
    """Some sampled tokens cannot be decrypted with TOKEN_ENCRYPTION_KEYS (the message says
    which connections, never any token material)."""


_lock = threading.Lock()
_last: tuple[tuple, list[int]] | None = None  # (what was checked, connections unreadable)


def _readable(ciphertext: str) -> bool:
    try:
        token_crypto.fernet().decrypt(ciphertext.encode("ascii"))
    except (InvalidToken, UnicodeError, ValueError):
        return False
    return True


def check() -> None:
    """Raises TokensUnreadable naming the connections whose tokens no configured key reads."""
    from accounts.models import ZohoConnection  # the health module loads before the apps are ready

    global _last
    rows = list(
        ZohoConnection.objects.filter(status=ZohoConnection.Status.ACTIVE)
        .order_by("-pk")
        .values_list("pk", "refresh_token_encrypted", "access_token_encrypted")[:SAMPLE_SIZE]
    )
    checked = (tuple(settings.TOKEN_ENCRYPTION_KEYS), tuple(rows))
    with _lock:
        last = _last
    if last is not None and last[0] == checked:
        unreadable = last[1]
    else:
        unreadable = [
            pk
            for pk, refresh, access in rows
            if not all(_readable(value) for value in (refresh, access) if value)
        ]
        with _lock:
            _last = (checked, unreadable)
    if unreadable:
        raise TokensUnreadable(
            f"TOKEN_ENCRYPTION_KEYS cannot decrypt the stored tokens of {len(unreadable)} of "
            f"the {len(rows)} newest connections (ids {', '.join(map(str, unreadable))}): "
            "the key they were written with is not configured on this host. Give it the same "
            "keys as the other hosts (newest first); every user it serves would be asked to "
            "reconnect"
        )


def forget() -> None:
    """Drop the cached verdict (tests)."""
    global _last
    with _lock:
        _last = None
