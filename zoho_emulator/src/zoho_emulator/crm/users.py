"""``GET users`` and ``GET org``."""

from __future__ import annotations

from .. import profiles, seed, zoho_keys
from ..web import Response, json_response, no_content
from .context import MAX_PER_PAGE, Ctx
from .errors import invalid_param


def _user_json(user: seed.User, org: seed.Org) -> dict:
    return {
        "id": user.crm_ids[org.zgid],
        "zuid": user.zuid,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "full_name": user.full_name,
        "status": "active",
        "confirm": True,
        "role": {"name": user.role, "id": str(int(user.crm_ids[org.zgid]) - 12000)},
        "profile": {"name": user.profile, "id": profiles.profile_id(org.zgid, user.profile)},
        # Each user's own locale settings (seed.User), the org's time zone unless set.
        "time_zone": user.time_zone or org.tz_name,
        "locale": user.locale,
        "country_locale": user.locale,
        "language": user.locale,
        "country": org.country_code,
        "city": org.city,
        "date_format": user.date_format,
        "time_format": user.time_format,
        "decimal_separator": user.decimal_separator,
        "number_separator": user.number_separator,
        "Isonline": False,
        "Created_Time": seed.format_time(seed.BASE_TIME.replace(year=2023), org.tz_offset),
        "Modified_Time": seed.format_time(seed.BASE_TIME, org.tz_offset),
    }


def users(ctx: Ctx) -> Response:
    kind = ctx.req.arg("type") or "AllUsers"
    if kind == "CurrentUser":
        users = [ctx.user]
    elif kind in (
        "AllUsers",
        "ActiveUsers",
        "ConfirmedUsers",
        "ActiveConfirmedUsers",
        "AdminUsers",
        "ActiveConfirmedAdmins",
        "NotConfirmedUsers",
        "DeactiveUsers",
        "DeletedUsers",
    ):
        users = seed.org_users(ctx.org.zgid)
        if kind in ("AdminUsers", "ActiveConfirmedAdmins"):
            users = [u for u in users if u.profile == "Administrator"]
        if kind in ("NotConfirmedUsers", "DeactiveUsers", "DeletedUsers"):
            users = []
    else:
        return invalid_param("type")
    if not users:
        return no_content()
    return json_response(
        {
            "users": [_user_json(u, ctx.org) for u in users],
            "info": {"per_page": 200, "count": len(users), "page": 1, "more_records": False},
        }
    )


def org(ctx: Ctx) -> Response:
    return json_response({"org": [org_json(ctx.org)]})


def org_json(org: seed.Org) -> dict:
    owner = seed.org_users(org.zgid)[0]
    out = {
        "id": org.org_id,
        "zgid": org.zgid,
        "company_name": org.name,
        "domain_name": f"org{org.zgid}",
        "alias": None,
        "primary_email": owner.email,
        "primary_zuid": owner.zuid,
        "time_zone": org.tz_name,
        "country": org.country,
        "country_code": org.country_code,
        "city": org.city,
        "street": None,
        "state": None,
        "zip": None,
        "phone": None,
        "mobile": None,
        "fax": None,
        "website": f"https://www.{org.domain}",
        "currency": org.currency,
        "iso_code": org.currency,
        "currency_symbol": org.currency_symbol,
        "currency_locale": org.currency_locale,
        "employee_count": "50",
        "description": None,
        "type": "Production",
        "mc_status": False,
        "gapps_enabled": False,
        "translation_enabled": False,
        "privacy_settings": False,
        "hipaa_compliance_enabled": False,
        "lite_users_enabled": False,
        "max_per_page": MAX_PER_PAGE,
        "photo_id": None,
        "zia_portal_id": None,
    }
    return zoho_keys.org(out, org.zgid)
