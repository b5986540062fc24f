"""Zoho's Convert Lead through the SDK (`POST /Leads/{id}/actions/convert`,
`convert_lead.json`): a contact, an account (new or existing) and an optional deal."""

from __future__ import annotations

from zohocrmsdk.src.com.zoho.crm.api.convert_lead import (
    ActionHandler,
    ActionWrapper,
    APIException,
    BodyWrapper,
    LeadConverter,
    SuccessResponse,
)
from zohocrmsdk.src.com.zoho.crm.api.record import Record
from zohocrmsdk.src.com.zoho.crm.api.util import CommonAPIHandler, Constants, Utility

from accounts.models import ZohoConnection
from crm.zoho.convert import plain, records_body
from crm.zoho.errors import api_error, checked, text_of, zoho_failed
from crm.zoho.runner import run

CREATED = ("Contacts", "Accounts", "Deals")


def _post_convert(lead_id: int, body: BodyWrapper, first_record_module: str):
    """`ConvertLeadOperations(lead_id).convert_lead(body)`, except for the module the SDK
    checks the body's first record against.

    The SDK's own method names "Deals" for the whole body, and its JSON converter applies
    that module to the first `Record` it meets, then forgets it: with no deal, the
    converter's `Accounts: {"id"}` is checked as a deal (Deal_Name and Stage missing:
    MANDATORY VALUE ERROR, nothing sent). Here the first record's own module is named
    (Deals before Accounts in the converter's keys); the request is otherwise the SDK's.
    """
    handler = CommonAPIHandler()
    handler.set_api_path(f"/crm/v8/Leads/{int(lead_id)}/actions/convert")
    handler.set_http_method(Constants.REQUEST_METHOD_POST)
    handler.set_category_method(Constants.REQUEST_CATEGORY_CREATE)
    handler.set_content_type("application/json")
    handler.set_request(body)
    handler.set_mandatory_checker(True)
    handler.set_module_api_name(first_record_module)
    Utility.get_fields(first_record_module, handler)
    return handler.api_call(ActionHandler.__module__, "application/json")


def convert_lead(
    connection: ZohoConnection,
    lead_id: int,
    *,
    account_id: int | None,
    account_name: str | None = None,
    deal: dict | None,
    deal_types: dict[str, str],
) -> dict:
    """Convert the lead; `{"Contacts": {"id", "name"}, "Accounts": {…} | None, "Deals":
    {…} | None}` (what Zoho made or used). `deal` (cleaned values of a new Deal) makes a
    deal too; `account_id` adds the contact to that account instead of a new one."""

    def call():
        converter = LeadConverter()
        if account_id is not None:
            account = Record()
            account.set_id(int(account_id))
            if account_name:  # checked as an account (its name is mandatory): _post_convert
                account.add_key_value("Account_Name", account_name)
            converter.set_accounts(account)
        if deal is not None:
            converter.set_deals(records_body([deal], deal_types).get_data()[0])
        body = BodyWrapper()
        body.set_data([converter])
        first = "Deals" if deal is not None or account_id is None else "Accounts"
        answer = checked(_post_convert(lead_id, body, first))
        if not isinstance(answer, ActionWrapper) or not answer.get_data():
            raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
        item = answer.get_data()[0]
        if isinstance(item, APIException):
            raise api_error(
                text_of(item.get_code()), text_of(item.get_message()), item.get_details(), 400
            )
        if not isinstance(item, SuccessResponse):
            raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
        details = item.get_details() or {}
        made = {key: plain(details.get(key)) for key in CREATED}
        if not isinstance(made["Contacts"], dict) or not made["Contacts"].get("id"):
            raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
        return {key: value if isinstance(value, dict) else None for key, value in made.items()}

    return run(connection, call, write=True, operation="lead_convert")
