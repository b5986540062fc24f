"""What the CRM pages keep in the portal's own database (the CRM data itself stays at Zoho)."""

from __future__ import annotations

from django.db import models


class SubmitClaim(models.Model):
    """A submit-once token claimed while the shared cache did not answer (crm/submit_once.py):
    the database's unique index stands in for Redis's `SET NX` until Redis is back."""

    key_digest = models.CharField(max_length=64, unique=True)  # SHA-256 of the cache key
    done = models.BooleanField(default=False)
    result = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"submit claim {self.key_digest[:12]}{' (done)' if self.done else ''}"
