"""The profiles an org has, their ids, and a field's ``profiles`` array (``settings/fields``)."""

from __future__ import annotations

from . import seed
from .field_rules import permission

# A profile's id in an org: the org's id prefix and a number per profile (stable, so that
# the users API, the field metadata and the layouts name the same id).
_PROFILE_NUMBERS = {
    "Administrator": "000000026011",
    "Standard": "000000026014",
    "Field Sales (restricted)": "000000026017",
    "Warehouse (restricted)": "000000026020",
}


def profile_id(zgid: str, profile: str) -> str:
    org = seed.org_by_zgid()[zgid]
    return org.id_prefix + _PROFILE_NUMBERS.get(profile, "000000026099")


def org_profiles(zgid: str) -> list[str]:
    """The profiles an org has: Administrator and Standard, and those its users hold."""
    names = ["Administrator", "Standard"]
    for user in seed.org_users(zgid):
        if user.profile not in names:
            names.append(user.profile)
    return names


def profiles_json(zgid: str, module: str, field: str) -> list[dict]:
    """A field's ``profiles`` array: every profile of the org with its permission."""
    return [
        {
            "permission_type": permission(name, module, field),
            "name": name,
            "id": profile_id(zgid, name),
        }
        for name in org_profiles(zgid)
    ]
