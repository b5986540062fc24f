"""Housekeeping when a connection goes, however it goes (disconnect, admin, user deleted)."""

from __future__ import annotations

import logging
import shutil
from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from accounts import revocations
from accounts.models import ZohoConnection
from zoho import field_cache as sdk_field_cache
from zoho import sdk as zoho_sdk

logger = logging.getLogger("zohoportal.accounts")

# Set on an instance before deleting it: what its queued revocation says it was.
REVOCATION_REASON = "_zoho_revocation_reason"
# Set on an instance before deleting it when the caller makes the first attempt itself.
REVOCATION_BY_CALLER = "_zoho_revocation_by_caller"
# Set on a deleted instance: its queued revocation (`revocations.Revocation`).
REVOCATION = "_zoho_revocation"


@receiver(post_delete, sender=ZohoConnection, dispatch_uid="zoho_connection_sdk_files")
def remove_sdk_files(sender, instance: ZohoConnection, **kwargs) -> None:
    """Drop the connection's SDK field-metadata directory once the delete has committed.

    The files describe that org's modules and fields: nothing should outlive the connection
    (and nothing of it may be served to whatever comes next).
    """
    transaction.on_commit(
        partial(shutil.rmtree, zoho_sdk.resource_dir_path(instance.pk), ignore_errors=True)
    )
    # Other hosts' copies go with `zoho_housekeeping`; none of them can seed from this one.
    transaction.on_commit(partial(sdk_field_cache.forget_shared, instance.pk))


@receiver(post_delete, sender=ZohoConnection, dispatch_uid="zoho_connection_revoke")
def revoke_deleted_connection(sender, instance: ZohoConnection, **kwargs) -> None:
    """Queue the revocation of a deleted connection's refresh token, however it was deleted
    (a disconnect, the admin, its Django user deleted), in the delete's own transaction.

    Once the delete commits, a Celery worker asks Zoho (inline when no broker is set); if it
    cannot be reached the queued row stays and `zoho_housekeeping` retries it
    (`accounts.revocations`). Without this the
    grant would stay alive at Zoho, held by nothing, counting toward Zoho's 20 per user.
    The queued revocation is left on the instance (`REVOCATION`) for the caller to report.
    """
    refresh_token = instance.refresh_token_or_none()
    if not refresh_token:
        if instance.refresh_token_encrypted:
            logger.warning(
                "deleted connection %s: its refresh token cannot be decrypted, so it was not "
                "revoked at Zoho",
                instance.pk,
            )
        return
    reason = getattr(instance, REVOCATION_REASON, "") or "the refresh token of deleted connection"
    setattr(
        instance,
        REVOCATION,
        revocations.revocation_queue(
            data_center=instance.data_center,
            refresh_token=refresh_token,
            reason=f"{reason} {instance.pk}",
            connection_id=instance.pk,
            attempt_on_commit=not getattr(instance, REVOCATION_BY_CALLER, False),
        ),
    )
