"""An org's cached Zoho metadata: dropped on an operator's word (the admin's "Refresh Zoho
metadata"). What is cached, and how, is `zoho.metadata_scope` (the keys) and `crm.metadata`
(the portal's copies); the SDK's field files follow the same scope (`zoho.field_cache`)."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import ZohoOrg
from zoho import metadata_scope


@dataclass(frozen=True)
class MetadataRefresh:
    org: ZohoOrg
    profiles: tuple[str, ...]  # the profiles the org's connections were known to have

    def describe(self) -> str:
        """What was dropped, for the operator."""
        whose = (
            f"for every profile ({', '.join(self.profiles)})"
            if self.profiles
            else "for every profile"
        )
        return (
            f"{self.org}: cached Zoho metadata dropped {whose} on every host: modules, "
            "fields, layouts, related lists, users and the SDK's field files. Each "
            "connection's next page fetches them again from Zoho."
        )


def org_metadata_refresh(*, org: ZohoOrg) -> MetadataRefresh:
    """Drop the org's cached metadata for every profile, in every process on every host (a
    new generation of the org: `zoho.metadata_scope.org_refresh`)."""
    metadata_scope.org_refresh(org.data_center, org.zgid)
    names = (
        org.connections.exclude(zoho_profile_name="")
        .values_list("zoho_profile_name", flat=True)
        .distinct()
    )
    return MetadataRefresh(org=org, profiles=tuple(sorted(set(names))))
