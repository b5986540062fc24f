"""Zoho's Convert Lead through the SDK (`POST /Leads/{id}/actions/convert`,
`convert_lead.json`): a contact, an account (new or existing) and an optional deal."""

from __future__ import annotations

from zohocrmsdk.src.com.zoho.crm.api.convert_lead import (
    ActionWrapper,
    APIException,
    BodyWrapper,
    ConvertLeadOperations,
    LeadConverter,
    SuccessResponse,
)
from zohocrmsdk.src.com.zoho.crm.api.record import Record

from accounts.models import ZohoConnection
from crm.zoho.convert import plain, records_body
from crm.zoho.errors import api_error, checked, text_of, zoho_failed
from crm.zoho.runner import run

CREATED = ("Contacts", "Accounts", "Deals")


def convert_lead(
    connection: ZohoConnection,
    lead_id: int,
    *,
    account_id: int | None,
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
            converter.set_accounts(account)
        if deal is not None:
            converter.set_deals(records_body([deal], deal_types).get_data()[0])
        body = BodyWrapper()
        body.set_data([converter])
        answer = checked(ConvertLeadOperations(int(lead_id)).convert_lead(body))
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
