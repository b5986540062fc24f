"""Reacting to deletes of connections by other code (the admin's delete of a Django user,
which cascades; a shell; a data migration): their SDK files go, their grant is revoked.

The portal's own disconnect (`services.connection_disconnect`) queues its revocation
explicitly, in its own transaction; the receiver below then finds the token already queued
and leaves it.
"""

from __future__ import annotations

import logging
import shutil
from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from accounts.models import ZohoConnection
from accounts.services import revocations
from zoho import sdk as zoho_sdk

logger = logging.getLogger("zohoportal.accounts")


@receiver(post_delete, sender=ZohoConnection, dispatch_uid="zoho_connection_sdk_files")
def remove_sdk_files(sender, instance: ZohoConnection, **kwargs) -> None:
    """Drop the connection's SDK field-metadata directory once the delete has committed.

    The files describe that org's modules and fields: nothing should outlive the connection
    (and nothing of it may be served to whatever comes next).
    """
    transaction.on_commit(
        partial(shutil.rmtree, zoho_sdk.resource_dir_path(instance.pk), ignore_errors=True)
    )
    # Other hosts' copies go with `zoho_housekeeping`. The shared copy in the cache is the
    # org's and profile's (`zoho.metadata_scope`), still used by their other connections: it
    # expires with ZOHO_METADATA_TTL.


@receiver(post_delete, sender=ZohoConnection, dispatch_uid="zoho_connection_revoke")
def revoke_deleted_connection(sender, instance: ZohoConnection, **kwargs) -> None:
    """Queue the revocation of a connection deleted by other code (the admin, its Django
    user deleted), in the delete's own transaction, unless it is queued already.

    Once the delete commits, a Celery worker asks Zoho (inline when no broker is set); if it
    cannot be reached the queued row stays and `zoho_housekeeping` retries it
    (`accounts.services.revocations`). Without this the grant would stay alive at Zoho, held by
    nothing, counting toward Zoho's 20 per user.
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
    if revocations.revocation_is_queued(refresh_token):
        return  # the disconnect that deleted it queued it
    revocations.revocation_queue(
        data_center=instance.data_center,
        refresh_token=refresh_token,
        reason=f"the refresh token of deleted connection {instance.pk}",
        connection_id=instance.pk,
    )
