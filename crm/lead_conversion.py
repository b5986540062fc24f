"""Convert Lead: the lead becomes a contact, an account (new, or an existing one) and, when
asked, a deal (Zoho's Convert Lead API). What a converted lead became is read back from
the lead itself (`Converted_Contact`, `Converted_Account`, `Converted_Deal`)."""

from __future__ import annotations

from accounts.models import ZohoConnection
from core.errors import AppError, ErrorCode
from crm import metadata
from crm.fields import is_zoho_id
from crm.modules import Module
from crm.selectors import count_forget, record_name
from crm.validation import clean_values
from crm.zoho import lead_convert as zoho_convert
from crm.zoho import records as zoho_records

LEADS = "Leads"
CONVERTED_FIELDS = ("Converted__s", "Converted_Contact", "Converted_Account", "Converted_Deal")
DEAL_FIELDS = ("Deal_Name", "Stage", "Amount", "Closing_Date")  # the form's, and the API's


def require_leads(module: Module) -> None:
    if module.api_name != LEADS:
        raise AppError(ErrorCode.NOT_FOUND, f"{module.label} cannot be converted: only leads.")


def conversion_state(*, connection: ZohoConnection, module: Module, record_id: int) -> dict:
    """The lead's name, company and what it was converted to: {"name", "company",
    "converted", "Contacts", "Accounts", "Deals"} (each {"id", "name"} or None)."""
    require_leads(module)
    names = [n for n in ("Full_Name", "Last_Name", "Company", *CONVERTED_FIELDS) if module.field(n)]
    record = zoho_records.get_record(connection, LEADS, record_id, field_chunks=[names])
    if record is None:
        raise AppError(ErrorCode.NOT_FOUND, "No such record in the active org.")

    def ref(key):
        value = record.get(key)
        return value if isinstance(value, dict) and is_zoho_id(value.get("id")) else None

    return {
        "name": record.get("Full_Name") or record.get("Last_Name") or "",
        "company": record.get("Company") or "",
        "converted": bool(record.get("Converted__s")),
        "Contacts": ref("Converted_Contact"),
        "Accounts": ref("Converted_Account"),
        "Deals": ref("Converted_Deal"),
    }


def lead_convert(
    *,
    connection: ZohoConnection,
    module: Module,
    record_id: int,
    account_id: str | None = None,
    deal: dict | None = None,
) -> dict:
    """Convert the lead: {"Contacts": {"id", "name"}, "Accounts": … | None, "Deals": … |
    None}. `deal` (the new deal's values, checked against the Deals fields first) makes a
    deal too; `account_id` puts the contact in that existing account."""
    require_leads(module)
    contacts = metadata.module_get(connection=connection, module="Contacts")
    contacts.require("create")
    account_name = None
    if account_id is not None:
        accounts = metadata.module_get(connection=connection, module="Accounts")
        if is_zoho_id(str(account_id)):
            account_name = record_name(
                connection=connection, module=accounts, record_id=int(account_id)
            )
        if account_name is None:
            raise AppError(
                ErrorCode.INVALID_DATA, "No such account in the active org.", field="account"
            )
    deal_values, deal_types = None, {}
    if deal is not None:
        deals = metadata.module_get(connection=connection, module="Deals")
        deals.require("create")
        if not isinstance(deal, dict):
            raise AppError(
                ErrorCode.INVALID_DATA, "deal is an object of Deal fields.", field="deal"
            )
        deal_values = clean_values(deals, deal, creating=True)
        deal_types = deals.types
    try:
        made = zoho_convert.convert_lead(
            connection,
            record_id,
            account_id=int(account_id) if account_id is not None else None,
            account_name=account_name,
            deal=deal_values,
            deal_types=deal_types,
        )
    except AppError as error:
        raise _explained(error) from None
    for name in ("Leads", "Contacts", "Accounts", "Deals"):
        count_forget(connection=connection, module=name)
    return made


def _explained(error: AppError) -> AppError:
    """Zoho's refusals of a conversion said plainly."""
    zoho_code = error.extras.get("zoho_code")
    if zoho_code == "ID_ALREADY_CONVERTED":
        return AppError(ErrorCode.ID_ALREADY_CONVERTED, "This lead was converted already.")
    if zoho_code == "MAPPING_MISMATCH":
        return AppError(
            ErrorCode.INVALID_DATA, "That stage is not in the deal's pipeline.", field="Stage"
        )
    if error.code == ErrorCode.INVALID_DATA and error.field is None:
        # Zoho's "invalid data" naming the path's lead id (resource_path_index 1)
        return AppError(ErrorCode.NOT_FOUND, "No such lead in the active org.")
    return error
