"""SDK objects as plain, JSON-safe data, and plain values as the SDK's types."""

from __future__ import annotations

import inspect
import logging
from datetime import date, datetime
from typing import Any, TypeVar

from zohocrmsdk.src.com.zoho.crm.api.layouts import Layouts
from zohocrmsdk.src.com.zoho.crm.api.record import (
    ActionWrapper,
    BodyWrapper,
    FileDetails,
    ImageUpload,
    Record,
)
from zohocrmsdk.src.com.zoho.crm.api.users import MinifiedUser
from zohocrmsdk.src.com.zoho.crm.api.util.choice import Choice

from crm import compound_values
from crm.zoho.errors import text_of, zoho_failed

logger = logging.getLogger("zohoportal.crm")
T = TypeVar("T")


# --- conversions --------------------------------------------------------------------------
def plain(value: Any) -> Any:
    """An SDK value as JSON-safe plain data, whatever the field's type.

    Lookups and subform rows come back as `Record`s (all their keys kept; a lookup is
    Zoho's {"id", "name"}), owners as `MinifiedUser` ({"id", "name", "email"}), choices as
    their value, and any other SDK object (layouts, tags, territories, line items,
    reminders, …) as a dict of what its getters answer.
    """
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Choice):
        return plain(value.get_value())
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, MinifiedUser):  # an owner: Zoho's {"id", "name", "email"}
        ident = value.get_id()
        return {
            "id": None if ident is None else str(ident),
            "name": value.get_name(),
            "email": value.get_email(),
        }
    if isinstance(value, FileDetails | ImageUpload):  # one file of a file or image field
        return _zoho_keys(_sdk_object(value))
    if hasattr(value, "get_key_values"):  # a lookup or a subform row
        answer = {str(k): plain(v) for k, v in (value.get_key_values() or {}).items()}
        ident = value.get_id() if hasattr(value, "get_id") else answer.get("id")
        answer["id"] = None if ident is None else str(ident)
        answer.setdefault("name", None)
        return answer
    return _sdk_object(value)


def _sdk_object(value: Any) -> Any:
    """Any other SDK model object as a dict of its getters' answers (no setters called)."""
    getters = _GETTERS.get(type(value))
    if getters is None:
        getters = [
            name
            for name, member in inspect.getmembers(type(value), inspect.isfunction)
            if name.startswith("get_")
            and name != "get_key_modified"
            and len(inspect.signature(member).parameters) == 1
        ]
        _GETTERS[type(value)] = getters
    if not getters:
        return str(value)
    answer = {}
    for name in getters:
        try:
            item = getattr(value, name)()
        except Exception:  # noqa: BLE001, S112 - an SDK getter that fails is skipped
            continue
        if item is not None:
            key = name[4:]
            answer[key] = str(item) if key == "id" else plain(item)
    return answer


_GETTERS: dict[type, list[str]] = {}


def _zoho_keys(answer: dict) -> dict:
    """A file's keys as Zoho names them (`File_Name__s`, `Created_By__s`, `id`), not as the
    SDK's getters do (`file_name__s`); the SDK's write-only `delete` flag left out."""
    out = {}
    for key, value in answer.items():
        if key.endswith("__s"):
            key = "_".join(part.capitalize() for part in key[:-3].split("_")) + "__s"
        elif key == "delete":
            continue
        out[key] = value
    return out


def record_dict(record: Record) -> dict:
    data = {key: plain(value) for key, value in record.get_key_values().items()}
    if record.get_id() is not None:
        data["id"] = str(record.get_id())
    return data


def _sdk_value(value: Any, data_type: str) -> Any:
    """A cleaned value as the SDK's type for the field: its field cache checks them."""
    if value is None:
        return None
    if isinstance(value, compound_values.Rows):  # subform rows, multi-lookup changes
        return [_sdk_row(row, value.types) for row in value]
    if data_type == "picklist":
        return Choice(value)
    if data_type == "multiselectpicklist":  # the SDK checks each choice is a Choice
        return [Choice(item) for item in value]
    if data_type == "lookup":  # the related record, by id: Zoho's {"id": …}
        related = Record()
        related.set_id(int(value))
        return related
    if data_type in ("fileupload", "imageupload"):  # files to add, by their Files API id
        kind = FileDetails if data_type == "fileupload" else ImageUpload
        added = []
        for item in value:
            entry = kind()
            if "_delete" in item:  # Zoho's way to remove one: {"id": …, "_delete": null}
                entry.set_id(str(item["id"]))
                entry.set_delete(None)
            else:
                entry.set_file_id__s(item["File_Id__s"])
            added.append(entry)
        return added
    if data_type in ("ownerlookup", "userlookup"):  # a user of the org, by id
        owner = MinifiedUser()
        owner.set_id(int(value))
        return owner
    if data_type == "layout":  # the layout a record is created in, by id
        layout = Layouts()
        layout.set_id(int(value))
        return layout
    return value


def _sdk_row(values: dict, types: dict[str, str]) -> Record:
    """One subform row or multi-lookup change as the SDK's `Record` (its keys as their
    types; Zoho's `_delete` kept as null)."""
    row = Record()
    for key, value in values.items():
        if key == "id":
            row.set_id(int(value))
        else:
            row.add_key_value(key, _sdk_value(value, types.get(key, "")))
    return row


def records_body(records: list[dict], types: dict[str, str]) -> BodyWrapper:
    body = BodyWrapper()
    sdk_records = []
    for values in records:
        record = Record()
        for key, value in values.items():
            record.add_key_value(key, _sdk_value(value, types.get(key, "")))
        sdk_records.append(record)
    body.set_data(sdk_records)
    return body


def write_results(body: ActionWrapper) -> list[dict]:
    results = []
    for item in body.get_data() or []:
        if not hasattr(item, "get_status") or text_of(item.get_status()) not in (
            "success",
            "error",
        ):
            raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
        details = plain(item.get_details() or {})
        result = {
            "status": text_of(item.get_status()),
            "code": text_of(item.get_code()),
            "message": text_of(item.get_message()),
        }
        if result["status"] == "success":
            if details.get("id") is None:  # every success names its record
                raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
            result["id"] = str(details["id"])
        else:
            # Zoho names a bad field by api_name, and an unknown record by its id alone.
            result["field"] = details.get("api_name") or ("id" if "id" in details else None)
            if result["code"] == "DUPLICATE_DATA":
                duplicate_of = (details.get("duplicate_record") or {}).get("id")
                result["duplicate_of"] = None if duplicate_of is None else str(duplicate_of)
        results.append(result)
    if not results:
        raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
    return results
