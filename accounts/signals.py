"""Housekeeping when a connection goes, however it goes (disconnect, admin, user deleted)."""

from __future__ import annotations

import shutil
from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from . import zoho_sdk
from .models import ZohoConnection


@receiver(post_delete, sender=ZohoConnection, dispatch_uid="zoho_connection_sdk_files")
def remove_sdk_files(sender, instance: ZohoConnection, **kwargs) -> None:
    """Drop the connection's SDK field-metadata directory once the delete has committed.

    The files describe that org's modules and fields: nothing should outlive the connection
    (and nothing of it may be served to whatever comes next).
    """
    transaction.on_commit(
        partial(shutil.rmtree, zoho_sdk.resource_dir_path(instance.pk), ignore_errors=True)
    )
