"""Encryption of Zoho tokens at rest (MultiFernet, keys from TOKEN_ENCRYPTION_KEYS).

Each ciphertext is bound to its row: the plaintext carries a binding string built from the
connection's tenant key and the column name, checked on decryption. A ciphertext copied
from another row (or from the other token column) fails closed with TokenDecryptionError,
exactly like a ciphertext under an unknown key.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_SEPARATOR = "\x1f"  # ASCII unit separator: never part of a binding or a Zoho token


class TokenDecryptionError(Exception):
    """A stored token cannot be decrypted with the configured keys, or is bound elsewhere."""

    def __init__(self, message: str = ""):
        super().__init__(
            message
            or "A stored Zoho token cannot be decrypted with TOKEN_ENCRYPTION_KEYS. "
            "The key it was written with is missing, or the value was copied from another row. "
            "Restore the key (newest first), or reconnect the account."
        )


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from error


def fernet() -> MultiFernet:
    keys = tuple(settings.TOKEN_ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS is empty.")
    return _fernet(keys)


def encrypt(plaintext: str, *, binding: str) -> str:
    """Ciphertext (text) of `plaintext`, bound to `binding`."""
    return fernet().encrypt(f"{binding}{_SEPARATOR}{plaintext}".encode()).decode("ascii")


def decrypt(ciphertext: str, *, binding: str) -> str:
    """The plaintext of `ciphertext`; TokenDecryptionError if the key or binding is wrong."""
    try:
        payload = fernet().decrypt(ciphertext.encode("ascii")).decode()
    except (InvalidToken, UnicodeError, ValueError):
        raise TokenDecryptionError() from None
    found_binding, separator, plaintext = payload.partition(_SEPARATOR)
    if not separator or found_binding != binding:
        raise TokenDecryptionError(
            "A stored Zoho token belongs to another connection (its ciphertext was copied); "
            "refusing to use it. Reconnect the account."
        )
    return plaintext


def rotate(ciphertext: str) -> str:
    """The same ciphertext re-encrypted under the newest key (binding unchanged)."""
    try:
        return fernet().rotate(ciphertext.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError, ValueError):
        raise TokenDecryptionError() from None


def rotate_rows(model, fields: tuple[str, ...], *, batch_size: int = 500) -> int:
    """Re-encrypt `fields` (empty ones left as they are) of every `model` row under the
    newest key, `batch_size` rows per transaction under row locks; the rows changed.

    Raises TokenDecryptionError (and changes nothing further) on a value no key can read.
    """
    from django.db import transaction

    count = 0
    ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            rows = model.objects.select_for_update().filter(pk__in=ids[start : start + batch_size])
            for row in rows:
                for name in fields:
                    if getattr(row, name):
                        setattr(row, name, rotate(getattr(row, name)))
                row.save(update_fields=list(fields))
                count += 1
    return count
