"""``POST /crm/v8/Leads/{id}/actions/convert`` (``convert_lead.json`` "Convert Lead").

The lead becomes a Contact (new, or the one ``Contacts: {"id"}`` names), an Account (the
one ``Accounts: {"id"}`` names, else an existing account whose name is the lead's Company,
else a new one when the lead has a Company) and, when the body has ``Deals``, a new Deal
linked to both. The lead stays, marked ``Converted__s: true`` with its
``Converted_Contact``/``Converted_Account``/``Converted_Deal``; a second conversion is
``ID_ALREADY_CONVERTED``. The lead's notes and attachments move to the contact, as Zoho's
conversion carries them over.

Answers (``convert_lead.json``): 200 ``{"data": [{"code": "SUCCESS", "details":
{"Contacts": {"name", "id"}, "Deals": {…}|null, "Accounts": {…}|null}, "message": "The
record has been converted successfully", "status": "success"}]}``; an unknown lead: 400
``INVALID_DATA`` ``{"resource_path_index": 1}``; a converted one: 400
``ID_ALREADY_CONVERTED``; a bad value: 400 ``{"data": [<error naming api_name and
json_path>]}``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ..schema import FieldError, parse_datetime
from ..web import Response, json_response
from .context import Ctx
from .errors import crm_error
from .records import _apply, _stamp_new

SUCCESS_MESSAGE = "The record has been converted successfully"

# A lead's fields as the contact's and the account's (Zoho's default conversion mapping).
CONTACT_MAP = {
    "Salutation": "Salutation",
    "First_Name": "First_Name",
    "Last_Name": "Last_Name",
    "Email": "Email",
    "Secondary_Email": "Secondary_Email",
    "Phone": "Phone",
    "Mobile": "Mobile",
    "Fax": "Fax",
    "Designation": "Title",
    "Lead_Source": "Lead_Source",
    "Email_Opt_Out": "Email_Opt_Out",
    "Skype_ID": "Skype_ID",
    "Twitter": "Twitter",
    "Street": "Mailing_Street",
    "City": "Mailing_City",
    "State": "Mailing_State",
    "Zip_Code": "Mailing_Zip",
    "Country": "Mailing_Country",
    "Description": "Description",
}
ACCOUNT_MAP = {
    "Company": "Account_Name",
    "Phone": "Phone",
    "Fax": "Fax",
    "Website": "Website",
    "Industry": "Industry",
    "Annual_Revenue": "Annual_Revenue",
    "No_of_Employees": "Employees",
    "Street": "Billing_Street",
    "City": "Billing_City",
    "State": "Billing_State",
    "Zip_Code": "Billing_Code",
    "Country": "Billing_Country",
}


def _invalid(api_name: str, path: str, **extra) -> FieldError:
    return FieldError(
        "INVALID_DATA", "invalid data", {"api_name": api_name, "json_path": path, **extra}
    )


def _ref_id(value, api_name: str, path: str) -> str | None:
    """The id of ``{"id": …}`` (None when absent)."""
    if value is None:
        return None
    ident = value.get("id") if isinstance(value, dict) else None
    if isinstance(ident, int) and not isinstance(ident, bool):
        ident = str(ident)
    if not isinstance(ident, str) or not ident.isdigit():
        raise _invalid(api_name, f"{path}.id" if isinstance(value, dict) else path)
    return ident


def _mapped(lead: dict, mapping: dict, fields: dict) -> dict:
    out = {}
    for source, target in mapping.items():
        value = lead.get(source)
        if target in fields and value not in (None, "", []):
            out[target] = value
    return out


def _stored(ctx: Ctx, module: str, item: dict, path: str) -> dict:
    """Validate ``item`` as a new record of ``module`` (json paths under ``path``) and save it."""
    try:
        record = _apply(ctx, module, item, 0, None)
    except FieldError as exc:
        details = dict(exc.details)
        if isinstance(details.get("json_path"), str):
            details["json_path"] = details["json_path"].replace("$.data[0]", path, 1)
        raise FieldError(exc.code, exc.message, details) from None
    _stamp_new(ctx, module, record)
    ctx.org_data.records[module][record["id"]] = record
    return record


def _ref(ctx: Ctx, module: str, record: dict | None) -> dict | None:
    if record is None:
        return None
    name_field = ctx.schema.name_field(module)
    return {"name": record.get(name_field) if name_field else None, "id": record["id"]}


def _body(ctx: Ctx):
    """The one converter object of the body, or an error answer."""
    try:
        payload = json.loads(ctx.req.body.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        payload = None
    if not isinstance(payload, dict):
        return None, crm_error(
            "INVALID_DATA", "invalid data", 400, {"expected_data_type": "jsonobject"}
        )
    items = payload.get("data")
    if items is None:
        return None, crm_error(
            "MANDATORY_NOT_FOUND",
            "required field not found",
            400,
            {"api_name": "data", "json_path": "$.data"},
        )
    if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
        return None, crm_error(
            "INVALID_DATA",
            "invalid data",
            400,
            {"api_name": "data", "json_path": "$.data", "expected_data_type": "jsonarray"},
        )
    return items[0], None


def convert_lead(ctx: Ctx, module: str, record_id: str) -> Response:
    converter, err = _body(ctx)
    if err:
        return err
    for target, op in (("Contacts", "CREATE"), ("Accounts", "CREATE")):
        denied = ctx.denied(target, op)
        if denied is not None:
            return denied
    if converter.get("Deals") is not None:
        denied = ctx.denied("Deals", "CREATE")
        if denied is not None:
            return denied
    with ctx.emu.state.lock:
        lead = ctx.org_data.records["Leads"].get(record_id)
        if lead is None:
            return crm_error("INVALID_DATA", "invalid data", 400, {"resource_path_index": 1})
        if lead.get("Converted__s"):
            return crm_error(
                "ID_ALREADY_CONVERTED", "id already converted", 400, {"resource_path_index": 1}
            )
        try:
            details = _convert(ctx, lead, converter)
        except FieldError as exc:
            return json_response({"data": [exc.as_json()]}, 400)
        ctx.org_data.version += 1
    return json_response(
        {
            "data": [
                {
                    "code": "SUCCESS",
                    "details": details,
                    "message": SUCCESS_MESSAGE,
                    "status": "success",
                }
            ]
        }
    )


def _convert(ctx: Ctx, lead: dict, converter: dict) -> dict:
    """Carry the conversion out (under the state lock); its answer's ``details``. Every
    value is checked before anything is stored."""
    data = ctx.org_data.records
    path = "$.data[0]"
    account_id = _ref_id(converter.get("Accounts"), "Accounts", f"{path}.Accounts")
    contact_id = _ref_id(converter.get("Contacts"), "Contacts", f"{path}.Contacts")
    owner_id = _ref_id(converter.get("assign_to"), "assign_to", f"{path}.assign_to")
    deal_values = converter.get("Deals")
    if deal_values is not None and not isinstance(deal_values, dict):
        raise _invalid("Deals", f"{path}.Deals", expected_data_type="jsonobject")
    if account_id is not None and account_id not in data["Accounts"]:
        raise _invalid("id", f"{path}.Accounts.id")
    if contact_id is not None and contact_id not in data["Contacts"]:
        raise _invalid("id", f"{path}.Contacts.id")
    owner = {"id": owner_id} if owner_id is not None else lead.get("Owner")
    owner_value = {"Owner": {"id": owner["id"]}} if isinstance(owner, dict) else {}

    account = data["Accounts"].get(account_id) if account_id else None
    company = (lead.get("Company") or "").strip()
    if account is None and company:
        account = next(
            (
                a
                for a in data["Accounts"].values()
                if str(a.get("Account_Name") or "").strip().lower() == company.lower()
            ),
            None,
        )
    new_account = None
    if account is None and company:
        values = _mapped(lead, ACCOUNT_MAP, ctx.schema.fields("Accounts"))
        new_account = {**values, **owner_value}
    contact = data["Contacts"].get(contact_id) if contact_id else None
    # Validate everything first: a refused deal leaves no half-made contact behind.
    snapshot = {m: dict(data[m]) for m in ("Accounts", "Contacts", "Deals")}
    try:
        if new_account is not None:
            account = _stored(ctx, "Accounts", new_account, f"{path}.Accounts")
        account_ref = _ref(ctx, "Accounts", account)
        if contact is None:
            values = _mapped(lead, CONTACT_MAP, ctx.schema.fields("Contacts"))
            if account_ref:
                values["Account_Name"] = {"id": account_ref["id"]}
            contact = _stored(ctx, "Contacts", {**values, **owner_value}, f"{path}.Contacts")
        elif converter.get("overwrite") is True:
            values = _mapped(lead, CONTACT_MAP, ctx.schema.fields("Contacts"))
            updated = {**contact, **values}
            if account_ref:
                updated["Account_Name"] = account_ref
            updated["Modified_Time"] = ctx.now()
            data["Contacts"][contact["id"]] = updated
            contact = updated
        contact_ref = _ref(ctx, "Contacts", contact)
        deal = None
        if deal_values is not None:
            values = {**owner_value, **deal_values}
            if account_ref and "Account_Name" not in deal_values:
                values["Account_Name"] = {"id": account_ref["id"]}
            if "Contact_Name" not in deal_values:
                values["Contact_Name"] = {"id": contact_ref["id"]}
            if lead.get("Lead_Source") and "Lead_Source" not in deal_values:
                values["Lead_Source"] = lead["Lead_Source"]
            deal = _stored(ctx, "Deals", values, f"{path}.Deals")
    except FieldError:
        for module, records in snapshot.items():  # undo what was stored
            data[module].clear()
            data[module].update(records)
        raise
    deal_ref = _ref(ctx, "Deals", deal)
    now = ctx.now()
    converted_at = datetime.now(UTC)
    created = _created_at(lead)
    data["Leads"][lead["id"]] = {
        **lead,
        "Converted__s": True,
        "Converted_Date_Time": now,
        "Converted_Account": account_ref,
        "Converted_Contact": contact_ref,
        "Converted_Deal": deal_ref,
        "Lead_Conversion_Time": (
            max(0, (converted_at - created).days) if created is not None else None
        ),
        "Modified_Time": now,
        "Modified_By": dict(ctx.user_ref),
    }
    _move_children(ctx, lead["id"], contact_ref)
    return {"Contacts": contact_ref, "Deals": deal_ref, "Accounts": account_ref}


def _created_at(lead: dict):
    parsed = parse_datetime(lead.get("Created_Time")) if lead.get("Created_Time") else None
    return parsed.astimezone(UTC) if parsed else None


def _move_children(ctx: Ctx, lead_id: str, contact_ref: dict) -> None:
    """The lead's notes and attachments go to the contact (``move_attachments_to`` is not
    emulated: attachments always go to the contact)."""
    data = ctx.org_data.records
    for module in ("Notes", "Attachments"):
        for rid, rec in list(data[module].items()):
            ref = rec.get("Parent_Id")
            if rec.get("$se_module") != "Leads" or not isinstance(ref, dict):
                continue
            if ref.get("id") != lead_id:
                continue
            data[module][rid] = {**rec, "Parent_Id": dict(contact_ref), "$se_module": "Contacts"}
