"""Who is connected to which Zoho org in which data center, and their (encrypted) tokens."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts import token_crypto
from zoho import datacenters, metadata_scope


def token_digest(token: str) -> str:
    """SHA-256 of a token: lets the store find a row by token without storing the token."""
    return hashlib.sha256(token.encode()).hexdigest()


class ZohoOrg(models.Model):
    """A Zoho CRM organisation. `zgid` is unique within its data center."""

    zgid = models.CharField("Zoho org id (zgid)", max_length=32)
    data_center = models.CharField(
        max_length=datacenters.KEY_MAX_LENGTH, choices=datacenters.choices
    )
    name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Zoho org"
        constraints = [
            models.UniqueConstraint(fields=["zgid", "data_center"], name="zoho_org_unique_per_dc"),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.zgid} ({self.data_center.upper()})"


class ZohoConnection(models.Model):
    """One Django user's grant for one Zoho user in one org in one data center.

    The tenant key is (Zoho user id, org, data center). Tokens are stored only encrypted,
    each ciphertext bound to this tenant key and column (see `token_crypto`).
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        NEEDS_RECONSENT = "needs_reconsent", "Needs re-consent"
        REVOKED = "revoked", "Revoked"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="zoho_connections"
    )
    org = models.ForeignKey(ZohoOrg, on_delete=models.PROTECT, related_name="connections")
    data_center = models.CharField(
        max_length=datacenters.KEY_MAX_LENGTH, choices=datacenters.choices
    )
    zoho_user_id = models.CharField("Zoho user id", max_length=32)  # the CRM's, one per org
    # The Zoho account (ZUID), the same in every org the person belongs to: a new sign-in
    # finds its Django user by it, never by the email (emails can move between accounts).
    zoho_account_id = models.CharField("Zoho account id (ZUID)", max_length=32, blank=True)
    email = models.EmailField("Zoho email", max_length=254)
    full_name = models.CharField(max_length=255, blank=True)
    # The Zoho CRM profile the user had at their last sign-in: what Zoho's settings APIs
    # answer depends on it, so the org's metadata is shared per (org, profile)
    # (`zoho.metadata_scope`). Empty for a connection stored before the portal kept it.
    zoho_profile_id = models.CharField("Zoho profile id", max_length=32, blank=True)
    zoho_profile_name = models.CharField("Zoho profile", max_length=255, blank=True)
    # The SDK's user signature, "email:zgid", indexed for TokenStore.find_token.
    user_signature = models.CharField(max_length=300, editable=False)
    scopes = models.TextField(blank=True, help_text="Granted scopes, comma-separated.")
    api_domain = models.URLField(
        help_text="As Zoho reported it; URLs are built from the data center."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)

    refresh_token_encrypted = models.TextField(editable=False)
    refresh_token_digest = models.CharField(max_length=64, editable=False, db_index=True)
    access_token_encrypted = models.TextField(blank=True, editable=False)
    access_token_digest = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)

    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    refresh_count = models.PositiveIntegerField(default=0)
    refresh_failure_count = models.PositiveIntegerField(default=0)
    last_refresh_error = models.CharField(max_length=255, blank=True)
    # After Zoho's throttle answer no refresh is attempted before this time (back-off).
    refresh_not_before = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Zoho connection"
        constraints = [
            models.UniqueConstraint(
                fields=["zoho_user_id", "org", "data_center"], name="zoho_connection_tenant_key"
            ),
        ]
        indexes = [
            models.Index(fields=["user_signature", "data_center"], name="zoho_conn_signature_idx"),
            models.Index(fields=["status", "access_token_expires_at"], name="zoho_conn_due_idx"),
            models.Index(fields=["zoho_account_id", "data_center"], name="zoho_conn_account_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} @ {self.org} [{self.get_status_display()}]"

    def __getstate__(self):
        """Pickled (never, today) without the decrypted tokens kept by `_decrypted`."""
        state = super().__getstate__()
        state.pop("_plaintexts", None)
        return state

    # --- tokens ---------------------------------------------------------------------------
    def _binding(self, column: str) -> str:
        return f"zoho-connection|{self.data_center}|{self.org_id}|{self.zoho_user_id}|{column}"

    def _decrypted(self, column: str, ciphertext: str) -> str:
        """A token column's plaintext, decrypted once per instance, ciphertext, binding and
        key set (a request reads the access token several times)."""
        binding = self._binding(column)
        key = (binding, ciphertext, tuple(settings.TOKEN_ENCRYPTION_KEYS))
        cache = self.__dict__.setdefault("_plaintexts", {})
        plaintext = cache.get(key)
        if plaintext is None:
            plaintext = token_crypto.decrypt(ciphertext, binding=binding)
            cache[key] = plaintext
        return plaintext

    @property
    def refresh_token(self) -> str:
        return self._decrypted("refresh", self.refresh_token_encrypted)

    @refresh_token.setter
    def refresh_token(self, value: str) -> None:
        self.refresh_token_encrypted = token_crypto.encrypt(value, binding=self._binding("refresh"))
        self.refresh_token_digest = token_digest(value)

    def refresh_token_or_none(self) -> str | None:
        """The refresh token, or None when there is none or it cannot be decrypted."""
        if not self.refresh_token_encrypted:
            return None
        try:
            return self.refresh_token
        except token_crypto.TokenDecryptionError:
            return None

    @property
    def access_token(self) -> str:
        if not self.access_token_encrypted:
            return ""
        return self._decrypted("access", self.access_token_encrypted)

    @access_token.setter
    def access_token(self, value: str) -> None:
        if value:
            self.access_token_encrypted = token_crypto.encrypt(
                value, binding=self._binding("access")
            )
            self.access_token_digest = token_digest(value)
        else:
            self.access_token_encrypted = ""
            self.access_token_digest = ""

    def set_access_token(self, value: str, *, expires_in: int) -> None:
        self.access_token = value
        self.access_token_expires_at = timezone.now() + timedelta(seconds=expires_in)

    def access_token_is_fresh(
        self, *, ahead: int | None = None, now: datetime | None = None
    ) -> bool:
        """True when the access token has more than `ahead` seconds of life left."""
        if not self.access_token_encrypted or self.access_token_expires_at is None:
            return False
        ahead = settings.ZOHO_REFRESH_AHEAD if ahead is None else ahead
        return self.access_token_expires_at - timedelta(seconds=ahead) > (now or timezone.now())

    @property
    def metadata_scope(self) -> str:
        """Under which scope this connection's Zoho metadata is cached and shared: its org
        and profile, the SDK's version and the org's generation (`zoho.metadata_scope`)."""
        return metadata_scope.scope(
            data_center=self.data_center,
            zgid=self.org.zgid,
            profile_id=self.zoho_profile_id,
            zoho_user_id=self.zoho_user_id,
        )

    @property
    def data_center_info(self) -> datacenters.DataCenter:
        return datacenters.get(self.data_center)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class TokenRefreshLog(models.Model):
    """One attempt to refresh a connection's access token: the history admins see."""

    class Outcome(models.TextChoices):
        REFRESHED = "refreshed", "Refreshed"
        THROTTLED = "throttled", "Throttled by Zoho"
        NEEDS_RECONSENT = "needs_reconsent", "Grant revoked: needs re-consent"
        FAILED = "failed", "Failed"

    connection = models.ForeignKey(
        ZohoConnection, on_delete=models.CASCADE, related_name="refresh_logs"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason = models.CharField(max_length=255, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    trigger = models.CharField(
        max_length=20, default="request", help_text="request, command, admin"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.connection_id}: {self.outcome} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class PendingRevocation(models.Model):
    """A refresh token the portal no longer uses, kept until Zoho confirms it is revoked.

    Written whenever a revocation could not reach Zoho (or, for a deleted connection, in the
    same transaction as the delete, so the token is never lost in between) and retried with
    exponential backoff by `zoho_housekeeping`. The token is encrypted like a connection's,
    bound to this row's data center and digest; the digest keeps one row per token.
    """

    data_center = models.CharField(
        max_length=datacenters.KEY_MAX_LENGTH, choices=datacenters.choices
    )
    token_encrypted = models.TextField(editable=False)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    reason = models.CharField(max_length=255, help_text="What the token was, e.g. disconnected.")
    connection_id = models.BigIntegerField(
        null=True, blank=True, help_text="The connection that held it, if any (now deleted)."
    )
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Being attempted by someone (a disconnect, a housekeeping run) until then.
    leased_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = "pending revocation"
        ordering = ["next_attempt_at"]

    def __str__(self) -> str:
        return f"revocation {self.pk} ({self.data_center.upper()}, {self.attempts} attempts)"

    def _binding(self) -> str:
        return f"pending-revocation|{self.data_center}|{self.token_digest}"

    @property
    def token(self) -> str:
        return token_crypto.decrypt(self.token_encrypted, binding=self._binding())

    @token.setter
    def token(self, value: str) -> None:
        self.token_digest = token_digest(value)
        self.token_encrypted = token_crypto.encrypt(value, binding=self._binding())
