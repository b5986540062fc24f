"""Housekeeping when a connection goes, however it goes (disconnect, admin, user deleted)."""

from __future__ import annotations

import logging
import shutil
from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from . import sdk_field_cache, zoho_oauth, zoho_sdk
from .models import ZohoConnection

logger = logging.getLogger("zohoportal.accounts")

# Set on an instance whose refresh token the portal has just revoked (disconnect), so that
# deleting it does not revoke it a second time.
REVOKED_MARK = "_zoho_refresh_token_revoked"


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
    """Revoke the refresh token of a connection deleted without a disconnect (its Django user
    was deleted, say) once the delete has committed: otherwise its grant stays alive at Zoho,
    held by nothing, counting toward Zoho's 20 per user. Failures are only logged."""
    if getattr(instance, REVOKED_MARK, False):
        return
    refresh_token = instance.refresh_token_or_none()
    if not refresh_token:
        if instance.refresh_token_encrypted:
            logger.warning(
                "deleted connection %s: its refresh token cannot be decrypted, so it was not "
                "revoked at Zoho",
                instance.pk,
            )
        return
    transaction.on_commit(
        partial(
            zoho_oauth.token_revoke_quietly,
            data_center=instance.data_center,
            refresh_token=refresh_token,
            what=f"the refresh token of deleted connection {instance.pk}",
        )
    )
