"""The operators' view of Zoho connections: state and history, never a token.

Token columns show the first few characters of the plaintext, then `*` (like Django's
`mask_hash` for passwords); ciphertext and digests are never rendered, and nothing is
searchable by token. Actions call the same services as the management commands.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.db.models.constants import LOOKUP_SEP
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.debug import sensitive_post_parameters

from accounts import selectors, services, token_crypto
from accounts.models import PendingRevocation, TokenRefreshLog, ZohoConnection, ZohoOrg
from accounts.services import metadata as metadata_services
from accounts.services import revocations
from zoho import credits as api_credits

QUEUED = (
    "disconnected; Zoho could not be reached to revoke it, so the revocation is queued and "
    "zoho_housekeeping retries it until Zoho confirms."
)
MASK_SHOW = 6  # as django.contrib.auth.hashers.mask_hash
MASK_STARS = 12  # fixed, so the mask does not give away the token's length
HISTORY_ROWS = 20


def mask_token(value: str) -> str:
    """'1000.a************': enough to tell tokens apart at a glance, useless to an attacker."""
    return f"{value[:MASK_SHOW]}{'*' * MASK_STARS}" if value else "—"


def masked(connection: ZohoConnection, attribute: str) -> str:
    """The masked plaintext of a token column; 'undecryptable' when no key opens it."""
    try:
        return mask_token(getattr(connection, attribute))
    except token_crypto.TokenDecryptionError:
        return "undecryptable"


TOKEN_COLUMNS = frozenset(
    (
        "refresh_token_encrypted",
        "refresh_token_digest",
        "access_token_encrypted",
        "access_token_digest",
        "token_encrypted",  # PendingRevocation
        "token_digest",
    )
)


class NoTokenLookups:
    """Refuse `?refresh_token_digest=…`-style changelist filters (Django allows any local
    field): they would tell whoever holds a token whether the portal stores it."""

    def lookup_allowed(self, lookup, value, request=None):
        if TOKEN_COLUMNS.intersection(lookup.split(LOOKUP_SEP)):
            return False
        return super().lookup_allowed(lookup, value, request)


class DeletedOnlyWithTheirUser:
    """No delete page and no bulk delete here (for a connection that would skip the revoke
    action's checks), yet deleting a Django user must work: the admin checks this permission
    on every object the user's delete cascades to. The connections it deletes are revoked at
    Zoho once the delete commits (`accounts.signals`)."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is not None and super().has_delete_permission(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        raise PermissionDenied

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_delete": False}
        return super().changeform_view(request, object_id, form_url, extra_context)


class ExpiryWindowFilter(admin.SimpleListFilter):
    title = "access-token expiry"
    parameter_name = "expiry"

    def lookups(self, request, model_admin):
        return [
            ("expired", "Expired"),
            ("10m", "Expires within 10 min"),
            ("1h", "Expires within 1 hour"),
            ("later", "Expires later"),
            ("none", "No access token"),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        windows = {
            "expired": Q(access_token_expires_at__lte=now),
            "10m": Q(access_token_expires_at__gt=now)
            & Q(access_token_expires_at__lte=now + timedelta(minutes=10)),
            "1h": Q(access_token_expires_at__gt=now)
            & Q(access_token_expires_at__lte=now + timedelta(hours=1)),
            "later": Q(access_token_expires_at__gt=now + timedelta(hours=1)),
            "none": Q(access_token_expires_at__isnull=True),
        }
        window = windows.get(self.value())
        return queryset.filter(window) if window is not None else queryset


@admin.register(ZohoConnection)
class ZohoConnectionAdmin(NoTokenLookups, DeletedOnlyWithTheirUser, admin.ModelAdmin):
    list_display = [
        "id",
        "user",
        "email",
        "org",
        "data_center",
        "status",
        "access_token_expiry",
        "last_refreshed_at",
        "refresh_failure_count",
        "access_token_masked",
        "refresh_token_masked",
    ]
    list_filter = ["data_center", "status", ExpiryWindowFilter]
    # Never a token column: tokens are only stored encrypted, and must not be searchable.
    search_fields = ["email", "org__name", "org__zgid"]
    list_select_related = ["user", "org"]
    ordering = ["access_token_expires_at", "pk"]
    actions = ["refresh_now", "revoke_and_disconnect", "mark_needs_reconsent"]
    fields = [
        "user",
        "email",
        "full_name",
        "zoho_user_id",
        "zoho_account_id",
        "org",
        "zoho_profile_name",
        "zoho_profile_id",
        "data_center",
        "api_domain",
        "scopes",
        "status",
        "access_token_masked",
        "access_token_expiry",
        "access_token_expires_at",
        "refresh_token_masked",
        "last_refreshed_at",
        "refresh_count",
        "refresh_failure_count",
        "last_refresh_error",
        "refresh_not_before",
        "created_at",
        "updated_at",
        "refresh_history",
    ]
    readonly_fields = fields

    @admin.display(description="access token")
    def access_token_masked(self, connection: ZohoConnection) -> str:
        return masked(connection, "access_token")

    @admin.display(description="refresh token")
    def refresh_token_masked(self, connection: ZohoConnection) -> str:
        return masked(connection, "refresh_token")

    @admin.display(description="expiry", ordering="access_token_expires_at")
    def access_token_expiry(self, connection: ZohoConnection) -> str:
        return selectors.expiry_description(connection.access_token_expires_at)

    @admin.display(description="refresh history (newest first)")
    def refresh_history(self, connection: ZohoConnection) -> str:
        logs = connection.refresh_logs.all()[:HISTORY_ROWS]
        if not logs:
            return "No refresh yet."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} ms</td><td>{}</td></tr>",
            (
                (
                    f"{log.created_at:%Y-%m-%d %H:%M:%S}",
                    log.get_outcome_display(),
                    log.reason,
                    log.duration_ms,
                    log.trigger,
                )
                for log in logs
            ),
        )
        everything = reverse("admin:accounts_tokenrefreshlog_changelist")
        return format_html(
            "<table><thead><tr><th>time</th><th>outcome</th><th>reason</th><th>duration</th>"
            "<th>trigger</th></tr></thead><tbody>{}</tbody></table>"
            '<p><a href="{}?connection__id__exact={}">Full history</a></p>',
            rows,
            everything,
            connection.pk,
        )

    def has_add_permission(self, request) -> bool:
        return False  # connections come from "Sign in with Zoho" or `zoho_add_token`

    def has_change_permission(self, request, obj=None) -> bool:
        # The detail page is read-only; the list's actions need the change permission.
        return obj is None and super().has_change_permission(request)

    @method_decorator(sensitive_post_parameters())
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.action(description="Refresh the access token now", permissions=["change"])
    def refresh_now(self, request, queryset):
        for connection in queryset:
            label = f"#{connection.pk} {connection}"
            result = services.connection_refresh_now(connection=connection)
            if result.outcome == services.Outcome.REFRESHED:
                self.message_user(request, f"{label}: refreshed.", messages.SUCCESS)
            else:
                self.message_user(
                    request,
                    f"{label}: not refreshed ({result.outcome}): {result.reason}",
                    messages.ERROR,
                )

    @admin.action(description="Revoke at Zoho and disconnect", permissions=["change"])
    def revoke_and_disconnect(self, request, queryset):
        """Asks first (like the admin's delete action): revoking cannot be undone."""
        if request.POST.get("post") != "yes":
            return TemplateResponse(
                request,
                "admin/accounts/zohoconnection/revoke_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Revoke at Zoho and disconnect?",
                    "opts": self.model._meta,
                    "queryset": queryset.select_related("org", "user").order_by("pk"),
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                    "media": self.media,
                },
            )
        for connection in queryset:
            label = f"#{connection.pk} {connection}"
            try:
                revoked = services.connection_revoke_and_disconnect(connection=connection)
            except services.DisconnectError as error:
                self.message_user(request, f"{label}: not disconnected: {error}", messages.ERROR)
            except ZohoConnection.DoesNotExist:
                self.message_user(request, f"{label}: already gone.", messages.WARNING)
            else:
                if revoked:
                    self.message_user(
                        request, f"{label}: revoked and disconnected.", messages.SUCCESS
                    )
                else:
                    self.message_user(request, f"{label}: {QUEUED}", messages.WARNING)

    @admin.action(description="Mark as needing re-consent", permissions=["change"])
    def mark_needs_reconsent(self, request, queryset):
        for connection in queryset:
            try:
                updated = services.connection_mark_needs_reconsent(connection=connection)
            except ZohoConnection.DoesNotExist:
                self.message_user(request, f"#{connection.pk}: already gone.", messages.WARNING)
            else:
                self.message_user(
                    request,
                    f"#{updated.pk} {updated}: marked as needing re-consent.",
                    messages.SUCCESS,
                )


@admin.register(ZohoOrg)
class ZohoOrgAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "zgid",
        "data_center",
        "connection_count",
        "api_credits_today",
        "created_at",
    ]
    list_filter = ["data_center"]
    search_fields = ["name", "zgid"]
    readonly_fields = ["zgid", "data_center", "api_credits_today", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(connection_total=Count("connections"))

    @admin.display(description="connections", ordering="connection_total")
    def connection_count(self, org: ZohoOrg) -> int:
        return org.connection_total

    @admin.display(description="API credits used today (UTC)")
    def api_credits_today(self, org: ZohoOrg) -> str:
        """What the portal spent of the org's Zoho API credits since midnight UTC, by
        Zoho's weights (`zoho.credits`); the org's other apps spend from the same
        allowance."""
        return f"{api_credits.used_today(org.pk):,}"

    def has_add_permission(self, request) -> bool:
        return False  # orgs come from sign-ins

    actions = ["refresh_zoho_metadata"]

    @admin.action(description="Refresh Zoho metadata", permissions=["change"])
    def refresh_zoho_metadata(self, request, queryset):
        """Zoho's settings APIs say nothing when an admin there adds a field or changes a
        layout: this drops what the portal cached of the orgs (`ZOHO_METADATA_TTL` would)."""
        for org in queryset.order_by("pk"):
            done = metadata_services.org_metadata_refresh(org=org)
            self.message_user(request, done.describe(), messages.SUCCESS)


@admin.register(TokenRefreshLog)
class TokenRefreshLogAdmin(NoTokenLookups, DeletedOnlyWithTheirUser, admin.ModelAdmin):
    list_display = ["created_at", "connection", "outcome", "reason", "duration_ms", "trigger"]
    list_filter = ["outcome", "trigger", "connection__data_center"]
    search_fields = ["connection__email", "connection__org__name", "reason"]
    list_select_related = ["connection__org"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PendingRevocation)
class PendingRevocationAdmin(NoTokenLookups, admin.ModelAdmin):
    """Refresh tokens waiting for Zoho to confirm their revocation (`zoho_housekeeping`
    retries them). Read-only, token masked, never deleted here: deleting a row would leave
    its grant alive at Zoho with nothing to revoke it."""

    list_display = [
        "pk",
        "data_center",
        "reason",
        "token_masked",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
    ]
    list_filter = ["data_center"]
    search_fields = ["reason", "last_error"]
    fields = [
        "data_center",
        "reason",
        "connection_id",
        "token_masked",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
    ]
    readonly_fields = fields
    actions = ["retry_now"]

    @admin.display(description="refresh token")
    def token_masked(self, revocation: PendingRevocation) -> str:
        return masked(revocation, "token")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Retry the revocation now", permissions=["view"])
    def retry_now(self, request, queryset):
        for row in queryset:
            confirmed, error = revocations.revocation_attempt(row)
            if confirmed:
                self.message_user(request, f"#{row.pk}: revoked at Zoho.", messages.SUCCESS)
            else:
                self.message_user(request, f"#{row.pk}: still queued: {error}", messages.ERROR)
