"""Zoho CRM through the SDK: the only crm module that imports `zohocrmsdk`.

Every function here runs one connection's SDK calls inside `zoho.sdk.activated`,
turns SDK objects into plain dicts and SDK answers into `CrmError`. A 401 INVALID_TOKEN
(the token was revoked or expired early at Zoho) is retried once after a forced refresh.
"""

from __future__ import annotations

import contextvars
import inspect
import io
import logging
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import requests
from django import db
from zohocrmsdk.src.com.zoho.crm.api.coql import BodyWrapper as CoqlBody
from zohocrmsdk.src.com.zoho.crm.api.coql import CoqlOperations
from zohocrmsdk.src.com.zoho.crm.api.coql import ResponseWrapper as CoqlWrapper
from zohocrmsdk.src.com.zoho.crm.api.exception import SDKException
from zohocrmsdk.src.com.zoho.crm.api.field_attachments import FieldAttachmentsOperations
from zohocrmsdk.src.com.zoho.crm.api.fields import FieldsOperations, GetFieldsParam
from zohocrmsdk.src.com.zoho.crm.api.fields import ResponseWrapper as FieldsWrapper
from zohocrmsdk.src.com.zoho.crm.api.files import ActionWrapper as FilesActionWrapper
from zohocrmsdk.src.com.zoho.crm.api.files import BodyWrapper as FilesBodyWrapper
from zohocrmsdk.src.com.zoho.crm.api.files import FilesOperations
from zohocrmsdk.src.com.zoho.crm.api.files import SuccessResponse as FilesSuccess
from zohocrmsdk.src.com.zoho.crm.api.layouts import GetLayoutsParam, Layouts, LayoutsOperations
from zohocrmsdk.src.com.zoho.crm.api.layouts import ResponseWrapper as LayoutsWrapper
from zohocrmsdk.src.com.zoho.crm.api.modules import ModulesOperations
from zohocrmsdk.src.com.zoho.crm.api.modules import ResponseWrapper as ModulesWrapper
from zohocrmsdk.src.com.zoho.crm.api.org import OrgOperations
from zohocrmsdk.src.com.zoho.crm.api.org import ResponseWrapper as OrgWrapper
from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.record import (
    ActionWrapper,
    BodyWrapper,
    CountWrapper,
    DeleteRecordsParam,
    FileDetails,
    GetRecordParam,
    GetRecordsParam,
    ImageUpload,
    Record,
    RecordCountParam,
    RecordOperations,
    ResponseWrapper,
    SearchRecordsParam,
)
from zohocrmsdk.src.com.zoho.crm.api.related_lists import (
    GetRelatedListsParam,
    RelatedListsOperations,
)
from zohocrmsdk.src.com.zoho.crm.api.related_lists import ResponseWrapper as RelatedListsWrapper
from zohocrmsdk.src.com.zoho.crm.api.related_records import (
    GetRelatedRecordsParam,
    RelatedRecordsOperations,
)
from zohocrmsdk.src.com.zoho.crm.api.related_records import ResponseWrapper as RelatedWrapper
from zohocrmsdk.src.com.zoho.crm.api.users import GetUsersParam, MinifiedUser, UsersOperations
from zohocrmsdk.src.com.zoho.crm.api.users import ResponseWrapper as UsersWrapper
from zohocrmsdk.src.com.zoho.crm.api.util import StreamWrapper
from zohocrmsdk.src.com.zoho.crm.api.util.choice import Choice

from accounts import activation, refresh, token_crypto
from accounts.models import ZohoConnection
from core import metrics
from crm import record_state
from crm.errors import CrmError, no_permission, zoho_failed, zoho_timed_out
from zoho import credits as api_credits

logger = logging.getLogger("zohoportal.crm")
T = TypeVar("T")
MAX_USER_PAGES = 10  # 2,000 users, 200 a page


class _NotStarted(Exception):
    """A call `run_concurrently` dropped after an earlier one failed (never seen outside)."""


class _InvalidToken(Exception):
    """Zoho answered 401 INVALID_TOKEN: refresh once and retry."""


def _unreadable_tokens(connection: ZohoConnection, error: Exception) -> CrmError:
    """The 403 "Reconnect needed" for tokens this host cannot decrypt, with a WARNING that
    says why (the error's own text: which keys or which row, never token material); the
    request's own line would only say "Forbidden"."""
    logger.warning(
        "connection %s: answering Reconnect needed: its stored tokens cannot be decrypted (%s)",
        connection.pk,
        error,
    )
    return CrmError(
        "NEEDS_RECONSENT",
        "This connection's stored tokens cannot be read. Sign in with Zoho again.",
    )


# --- running calls ------------------------------------------------------------------------
def run(connection: ZohoConnection, call: Callable[[], T], *, write: bool = False) -> T:
    """`call()` as `connection`; one forced refresh and retry on 401 INVALID_TOKEN.

    `write` marks a call that changes records: if Zoho does not answer in time the change
    may still have been made, so the error says to check before trying again.
    Every HTTP call made inside is counted under the name of the function that defined
    `call` (`record_list`, ...; core/metrics.py).
    """
    operation = _operation(call)
    for attempt in (1, 2):
        try:
            with (
                metrics.zoho_call(connection.data_center, operation),
                activation.activated(connection) as active,
                api_credits.counting(connection),
            ):
                used_token = active.access_token
                try:
                    return _throttle_retried(call)
                except SDKException as error:
                    if _api_exception_code(error) == "INVALID_TOKEN":
                        raise _InvalidToken() from None
                    raise
        except _InvalidToken:
            if attempt == 2:
                raise CrmError(
                    "ZOHO_ERROR", "Zoho refused a freshly refreshed token. Please try again."
                ) from None
            connection = _refresh_after_rejection(connection, used_token)
        except refresh.RefreshError as error:
            raise CrmError(error.code, error.message) from None
        except token_crypto.TokenDecryptionError as error:
            raise _unreadable_tokens(connection, error) from None
        except SDKException as error:
            raise _sdk_error(error, write=write) from None
    raise AssertionError("unreachable")


# A 429 for too many calls in flight at once clears as soon as one of them is answered: it
# is tried again once, after this many seconds. Zoho carried out nothing it refused, so a
# write is safe to send again. Out of credits is not retried (nothing frees them soon).
CONCURRENCY_RETRY_DELAY = 1.0


def _throttle_retried(call: Callable[[], T]) -> T:
    try:
        return call()
    except CrmError as error:
        if error.code != "THROTTLED" or error.reason != "concurrency":
            raise
        logger.info("Zoho: too many calls in flight for the org; trying once more")
    time.sleep(CONCURRENCY_RETRY_DELAY)
    return call()


def _operation(call: Callable) -> str:
    """`record_list` for the `call` defined in `record_list` (a bounded metrics label)."""
    name = getattr(call, "__qualname__", "") or ""
    return name.split(".", 1)[0] if ".<locals>." in name else "other"


# Calls of one page fanned out at once: Zoho caps concurrent API calls per org by edition
# (its "API Limits" page; the Free edition's cap is the smallest), so one page never takes
# more than a few of them, leaving the rest to the org's other users.
CONCURRENT_CALLS = 4


def run_concurrently(
    connection: ZohoConnection, work: Callable[[ZohoConnection, Any], T], items: list
) -> list[T]:
    """`work(connection, item)` for each item, at most CONCURRENT_CALLS at once, in order.

    The connection is made fresh here first, on this thread, so that the threads never
    refresh it: each then runs its calls under its own `activated()` (the SDK's state is
    per thread) with no database work, and gives back any database connection it opened.
    Each runs in a copy of this thread's context (the request id in log lines).
    """
    if len(items) < 2:
        return [work(connection, item) for item in items]
    try:
        connection = refresh.connection_ensure_fresh(connection)
    except refresh.RefreshError as error:
        raise CrmError(error.code, error.message) from None
    except token_crypto.TokenDecryptionError as error:
        raise _unreadable_tokens(connection, error) from None
    context = contextvars.copy_context()
    failed = threading.Event()

    def one(item):
        if failed.is_set():  # an earlier item failed: its error is what the caller gets
            raise _NotStarted
        try:
            return work(connection, item)
        except BaseException:
            failed.set()
            raise
        finally:
            db.connections.close_all()  # this thread's own, if it opened any

    pool = ThreadPoolExecutor(
        max_workers=min(CONCURRENT_CALLS, len(items)), thread_name_prefix="zoho-call"
    )
    try:
        futures = [pool.submit(context.copy().run, one, item) for item in items]
        return [future.result() for future in futures]
    finally:
        # After a failure the calls not yet started are dropped (a throttled org gets no
        # more of them, a timeout is waited for once); those under way finish.
        pool.shutdown(wait=True, cancel_futures=True)


def _refresh_after_rejection(connection: ZohoConnection, rejected: str) -> ZohoConnection:
    try:
        return refresh.connection_refresh(
            connection=connection, force=True, stale_access_token=rejected
        )
    except refresh.RefreshError as error:
        raise CrmError(error.code, error.message) from None


def _api_exception_code(error: SDKException) -> str | None:
    """Zoho's error code when the SDK raised it instead of returning it.

    Before a call that sends or reads records the SDK fetches the module's field metadata
    itself (once per connection); an error answer to *that* call (e.g. 401 INVALID_TOKEN
    for a revoked grant) comes out as SDKException("API_EXCEPTION", details={"code": …}).
    """
    details = getattr(error, "details", None)
    if getattr(error, "code", None) == "API_EXCEPTION" and isinstance(details, dict):
        return str(details.get("code") or "") or None
    return None


# The SDK's own checks of a record's values against its field cache, made before sending.
_SDK_VALUE_ERRORS = {
    "TYPE ERROR",
    "MAXIMUM LENGTH ERROR",
    "MINIMUM LENGTH ERROR",
    "UNACCEPTED VALUES ERROR",
    "REGEX MISMATCH ERROR",
    "UNIQUE KEY ERROR",
}
_SDK_TYPE_NAMES = {
    "Integer": "a whole number",
    "Long": "a whole number",
    "Float": "a number",
    "Double": "a number",
    "Boolean": "true or false",
    "Date": "a date",
    "DateTime": "a date and time",
    "String": "text",
}


def _sdk_value_error(error: SDKException) -> CrmError:
    """The SDK refused a value of the record being written (nothing was sent): a 400.

    The portal converts values to the SDK's types first, so this happens only when the
    portal's cached field metadata and the SDK's disagree (e.g. a field changed at Zoho).
    """
    details = getattr(error, "details", None) or {}
    field = str(details.get("field") or "")[:100] or None
    expected = _SDK_TYPE_NAMES.get(str(details.get("accepted_type") or ""))
    name = field or "A field"
    message = (
        f"{name} must be {expected} for Zoho CRM."
        if expected
        else f"{name} has a value Zoho CRM does not accept."
    )
    return CrmError("INVALID_DATA", message, field=field)


def _sdk_error(error: SDKException, *, write: bool) -> CrmError:
    code = _api_exception_code(error)
    if code:
        return _api_error(code, str(error.details.get("message") or ""), None, 0)
    if write and getattr(error, "code", None) in _SDK_VALUE_ERRORS:
        return _sdk_value_error(error)
    cause = getattr(error, "cause", None)
    if isinstance(cause, requests.Timeout):
        return zoho_timed_out(write=write)
    if isinstance(cause, requests.RequestException):
        return zoho_failed("Zoho CRM could not be reached. Please try again.")
    logger.warning("SDK error: %s", getattr(error, "code", type(error).__name__))
    return zoho_failed("Zoho CRM gave an answer the portal does not understand.")


def _value(enum_or_str: Any) -> str:
    return (
        str(enum_or_str.get_value())
        if hasattr(enum_or_str, "get_value")
        else str(enum_or_str or "")
    )


def _api_error(code: str, message: str, details: dict | None, status: int) -> CrmError:
    details = details or {}
    field = (
        (details.get("api_name") or details.get("param_name"))
        if isinstance(details, dict)
        else None
    )
    if code == "INVALID_TOKEN":
        raise _InvalidToken()
    if code == "OAUTH_SCOPE_MISMATCH":
        return CrmError(
            "NEEDS_RECONSENT",
            "This connection was not granted access to that data. Sign in with Zoho again "
            "and approve all requested permissions.",
        )
    if code in ("NO_PERMISSION", "FEATURE_NOT_SUPPORTED"):
        # The user's Zoho profile (or the org's edition) does not allow it: signing in
        # again changes nothing, so this is never "reconnect".
        return no_permission(
            "Your Zoho profile does not allow this" + (f" (Zoho: {message})." if message else ".")
            if code == "NO_PERMISSION"
            else "Zoho does not offer this feature for your org"
            + (f" (Zoho: {message})." if message else "."),
            code=code,
        )
    if code == "DISCRETE_PAGINATION_LIMIT_EXCEEDED":
        return CrmError(
            code,
            "Zoho pages by number through the first 2,000 records only: continue with the "
            "page_token of the page before.",
            field="page",
        )
    if code == "DUPLICATE_DATA":
        return CrmError(code, message or "A record with this value already exists.", field=field)
    if code in (record_state.RECORD_LOCKED, record_state.NOT_APPROVED):
        return record_state.from_zoho(code, message)
    if code in (
        "INVALID_DATA",
        "MANDATORY_NOT_FOUND",
        "INVALID_MODULE",
        "REQUIRED_PARAM_MISSING",
        "LIMIT_EXCEEDED",
        "INVALID_REQUEST",
        "INVALID_QUERY",
    ):
        if code == "INVALID_DATA" and field == "id":
            return CrmError("NOT_FOUND", "No such record in the active org.")
        return CrmError(code, message or "Zoho CRM did not accept the data.", field=field)
    if status == 429 or code in ("TOO_MANY_REQUESTS", "API_LIMIT_EXCEEDED"):
        return throttled(message)
    if code == "EXPIRED_VALUE" and field == "page_token":
        return CrmError(
            code,
            "This list was opened more than a day ago, and Zoho no longer goes on from where "
            "it was.",
            field="page_token",
        )
    if code == "PAGINATION_LIMIT_EXCEEDED":
        return CrmError(
            code,
            "Zoho goes page by page through the first 100,000 records of a list only: search "
            "or sort differently to find the others.",
            field="page_token",
        )
    return zoho_failed()


CREDITS_RETRY_AFTER = 3600  # seconds: credits come back as the calls that spent them age out
CONCURRENCY_RETRY_AFTER = 5


def throttled(zoho_message: str = "") -> CrmError:
    """Zoho's 429: out of API credits for the rolling day, or too many calls at once.

    Zoho answers both with TOO_MANY_REQUESTS; only its message tells them apart (one that
    speaks of credits or a limit for the day). Anything else is taken for the concurrency
    cap, which clears in seconds."""
    text = (zoho_message or "").lower()
    if "credit" in text or "per day" in text or "limit reached" in text:
        error = CrmError(
            "THROTTLED",
            "Your Zoho org has used up its API credits for now. Zoho gives them back over a "
            "rolling day: please try again later today.",
        )
        error.reason, error.retry_after = "credits", CREDITS_RETRY_AFTER
    else:
        error = CrmError(
            "THROTTLED",
            "Zoho CRM is busy with other requests from your org right now. Please try again "
            f"in {CONCURRENCY_RETRY_AFTER} seconds.",
        )
        error.reason, error.retry_after = "concurrency", CONCURRENCY_RETRY_AFTER
    return error


def _check(response) -> Any:
    """The response's object, or the CrmError its status and body mean. None for 204."""
    if response is None:  # the SDK swallowed an error while reading the answer
        raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
    status = response.get_status_code()
    if status in (204, 304):
        return None
    body = response.get_object()
    if hasattr(body, "get_code") and hasattr(body, "get_message") and not hasattr(body, "get_data"):
        raise _api_error(
            _value(body.get_code()), _value(body.get_message()), body.get_details(), status
        )
    if status == 429:
        raise throttled()
    if status >= 500:
        raise zoho_failed()
    if body is None:
        raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
    return body


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
    if data_type == "picklist":
        return Choice(value)
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


def _records_body(records: list[dict], types: dict[str, str]) -> BodyWrapper:
    body = BodyWrapper()
    sdk_records = []
    for values in records:
        record = Record()
        for key, value in values.items():
            record.add_key_value(key, _sdk_value(value, types.get(key, "")))
        sdk_records.append(record)
    body.set_data(sdk_records)
    return body


def _results(body: ActionWrapper) -> list[dict]:
    results = []
    for item in body.get_data() or []:
        if not hasattr(item, "get_status") or _value(item.get_status()) not in ("success", "error"):
            raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
        details = plain(item.get_details() or {})
        result = {
            "status": _value(item.get_status()),
            "code": _value(item.get_code()),
            "message": _value(item.get_message()),
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


# --- operations (each a function of one connection) ----------------------------------------
def modules(connection: ZohoConnection) -> list[dict]:
    """Every module of the org, with what this user's profile may do in it."""

    def call():
        body = _check(ModulesOperations().get_modules())
        if not isinstance(body, ModulesWrapper):
            raise zoho_failed()
        return [
            {
                "api_name": m.get_api_name(),
                "label": m.get_plural_label() or m.get_api_name(),
                "singular_label": m.get_singular_label() or m.get_api_name(),
                "api_supported": bool(m.get_api_supported()),
                # Zoho answers these for the signed-in user's profile; absent means allowed.
                "viewable": m.get_viewable() is not False,
                "creatable": m.get_creatable() is not False,
                "editable": m.get_editable() is not False,
                "deletable": m.get_deletable() is not False,
                "custom": _value(m.get_generated_type()) == "custom",
                "tab": _is_tab(m),
            }
            for m in body.get_modules() or []
            if m.get_api_name()
        ]

    return run(connection, call)


# Modules Zoho lists that are parts of records, not modules of their own (line items,
# subform rows) and modules that only track other records.
NOT_TAB_TYPES = frozenset({"subform", "static_subform", "field_tracker", "linking"})


def _is_tab(module) -> bool:
    """Whether Zoho shows the module as a tab: `show_as_tab` not false, `status` visible
    (not `system_hidden` as Notes and Attachments, nor `user_hidden`), and not a subform's
    module (`generated_type` subform/static_subform). Absent flags mean a tab."""
    if module.get_show_as_tab() is False:
        return False
    if (_value(module.get_status()) or "visible") != "visible":
        return False
    return _value(module.get_generated_type()) not in NOT_TAB_TYPES


def fields(connection: ZohoConnection, module: str) -> list[dict]:
    """A module's fields as plain data (`crm.fields.Field.from_metadata` reads these)."""

    def call():
        params = ParameterMap()
        params.add(GetFieldsParam.module, module)
        body = _check(FieldsOperations().get_fields(params))
        if not isinstance(body, FieldsWrapper):
            raise zoho_failed()
        result = []
        for f in body.get_fields() or []:
            options = f.get_pick_list_values() or []
            picklist = [_value(p.get_actual_value()) for p in options]
            operations = f.get_operation_type()
            lookup = f.get_lookup() if f.get_data_type() == "lookup" else None
            lookup_module = lookup.get_module() if lookup is not None else None
            result.append(
                {
                    "api_name": f.get_api_name(),
                    "label": f.get_field_label() or f.get_display_label() or f.get_api_name(),
                    "data_type": f.get_data_type() or "text",
                    "json_type": f.get_json_type() or "string",
                    "required": bool(f.get_system_mandatory()),
                    "read_only": bool(f.get_read_only()),  # for this user
                    "field_read_only": bool(f.get_field_read_only()),
                    # Owner: field_read_only, yet Zoho's API updates it (operation_type)
                    "api_update": None if operations is None else operations.get_api_update(),
                    "profiles": [
                        {
                            "id": str(p.get_id() or ""),
                            "name": p.get_name() or "",
                            "permission": p.get_permission_type() or "read_write",
                        }
                        for p in f.get_profiles() or []
                    ],
                    "picklist_labels": [
                        _value(p.get_display_value() or p.get_actual_value()) for p in options
                    ],
                    "length": f.get_length(),
                    "decimal_place": f.get_decimal_place(),
                    "sortable": bool(f.get_sortable()),
                    "searchable": bool(f.get_searchable()),
                    "picklist": picklist,
                    "lookup_module": lookup_module.get_api_name() if lookup_module else None,
                    "custom": bool(f.get_custom_field()),
                    "unique": bool(f.get_unique()),
                    "name_field": bool(f.get_display_field()),
                    **_type_details(f),
                }
            )
        return result

    return run(connection, call)


def _type_details(f) -> dict:
    """What a field's type block adds (`crm.fields.Field` reads these keys): a textarea's
    `textarea.type` (rich text), a currency's own `currency.precision`, a subform's module,
    and the connected field and module of a multi-select or multi-user lookup."""
    details: dict[str, Any] = {}
    textarea = f.get_textarea()
    if textarea is not None and textarea.get_type() is not None:
        details["rich_text"] = _value(textarea.get_type()) == "rich_text"
    currency = f.get_currency()
    if currency is not None and currency.get_precision() is not None:
        details["precision"] = currency.get_precision()
    associated = f.get_associated_module()
    kind = f.get_data_type()
    if kind == "subform" and associated is not None:
        details["subform_module"] = associated.get_module()
    linked = {
        "multiselectlookup": f.get_multiselectlookup(),
        "multiuserlookup": f.get_multiuserlookup(),
    }.get(kind)
    if linked is not None:
        link = linked.get_linking_details()
        connected = link.get_connected_lookup_field() if link is not None else None
        target = linked.get_connected_details()
        target_module = target.get_module() if target is not None else None
        details["connected_field"] = connected.get_api_name() if connected else None
        details["connected_module"] = target_module.get_api_name() if target_module else None
    return details


def org_currency(connection: ZohoConnection) -> dict:
    """The org's currency: {"symbol", "iso_code"} (Zoho's `GET /org`)."""

    def call():
        body = _check(OrgOperations().get_organization())
        if not isinstance(body, OrgWrapper) or not body.get_org():
            raise zoho_failed()
        org = body.get_org()[0]
        return {"symbol": org.get_currency_symbol() or "", "iso_code": org.get_iso_code() or ""}

    return run(connection, call)


# --- downloads: record photos and the files of file and image fields -----------------------
MAX_DOWNLOAD_BYTES = 25 * 1024 * 1024  # Zoho takes files of at most 20 MB


@dataclass(frozen=True)
class Download:
    name: str
    data: bytes


def _download(response) -> Download | None:
    """The file of a download answer (None for 204: no photo)."""
    body = _check(response)
    if body is None:
        return None
    stream = body.get_file() if hasattr(body, "get_file") else None
    if stream is None or stream.get_stream() is None:
        raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
    data = stream.get_stream().content
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise zoho_failed("The file is larger than the portal passes on.")
    return Download(name=stream.get_name() or "file", data=data)


def file_upload(connection: ZohoConnection, name: str, data: bytes) -> str:
    """Upload one file through Zoho's Files API (`POST /files`); its encrypted id, the
    `File_Id__s` a file or image field takes."""

    def call():
        stream = io.BytesIO(data)
        stream.name = name  # the file name the multipart part carries
        body = FilesBodyWrapper()
        body.set_file([StreamWrapper(name=name, stream=stream)])
        answer = _check(FilesOperations().upload_files(body))
        items = answer.get_data() if isinstance(answer, FilesActionWrapper) else None
        if not items:
            raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
        item = items[0]
        if not isinstance(item, FilesSuccess):
            raise _api_error(
                _value(item.get_code()), _value(item.get_message()), item.get_details(), 400
            )
        ident = (item.get_details() or {}).get("id")
        if not ident:
            raise zoho_failed("Zoho CRM gave an answer the portal does not understand.")
        return str(ident)

    return run(connection, call, write=True)


def record_photo(connection: ZohoConnection, module: str, record_id: int) -> Download | None:
    """The record's photo (`GET /{module}/{id}/photo`), None when it has none."""
    return run(connection, lambda: _download(RecordOperations(module).get_photo(record_id)))


def field_attachment(
    connection: ZohoConnection, module: str, record_id: int, attachment_id: int
) -> Download:
    """One file of a file or image field of a record
    (`GET /{module}/{id}/actions/download_fields_attachment`)."""

    def call():
        operations = FieldAttachmentsOperations(module, record_id, attachment_id)
        found = _download(operations.get_field_attachments())
        if found is None:
            raise CrmError("NOT_FOUND", "No such file on this record.")
        return found

    return run(connection, call)


def users(connection: ZohoConnection) -> list[dict]:
    """The org's active users, as {"id", "name", "email"}: who can own a record."""

    def call():
        found, page = [], 1
        while page <= MAX_USER_PAGES:
            params = ParameterMap()
            params.add(GetUsersParam.type, "ActiveUsers")
            params.add(GetUsersParam.page, page)
            params.add(GetUsersParam.per_page, 200)
            body = _check(UsersOperations().get_users(params))
            if body is None:  # 204: none (left)
                break
            if not isinstance(body, UsersWrapper):
                raise zoho_failed()
            found += [
                {
                    "id": str(u.get_id()),
                    "name": u.get_full_name() or "",
                    "email": u.get_email(),
                    "profile": _profile_of(u),
                }
                for u in body.get_users() or []
                if u.get_id() is not None
            ]
            info = body.get_info()
            if not (info and info.get_more_records()):
                break
            page += 1
        return found

    return run(connection, call)


def _profile_of(user) -> dict | None:
    """A user's CRM profile as {"id", "name"} (what a field's `profiles` names)."""
    profile = user.get_profile()
    if profile is None:
        return None
    return {"id": str(profile.get_id() or ""), "name": profile.get_name() or ""}


def record_list(
    connection: ZohoConnection,
    module: str,
    *,
    field_names: list[str],
    page: int,
    per_page: int,
    sort_by: str | None,
    sort_order: str | None,
    page_token: str | None = None,
) -> tuple[list[dict], dict]:
    def call():
        params = ParameterMap()
        params.add(GetRecordsParam.fields, ",".join(field_names))
        if page_token:
            params.add(GetRecordsParam.page_token, page_token)
        else:
            params.add(GetRecordsParam.page, page)
        params.add(GetRecordsParam.per_page, per_page)
        if sort_by:
            params.add(GetRecordsParam.sort_by, sort_by)
            params.add(GetRecordsParam.sort_order, sort_order or "asc")
        return _page(RecordOperations(module).get_records(params), page, per_page)

    return run(connection, call)


def record_search(
    connection: ZohoConnection,
    module: str,
    *,
    field_names: list[str],
    page: int,
    per_page: int,
    word: str | None = None,
    email: str | None = None,
) -> tuple[list[dict], dict]:
    """Zoho's search answers the first 2,000 matches only (no page_token)."""

    def call():
        params = ParameterMap()
        if email:
            params.add(SearchRecordsParam.email, email)
        else:
            params.add(SearchRecordsParam.word, word)
        params.add(SearchRecordsParam.fields, ",".join(field_names))
        params.add(SearchRecordsParam.page, page)
        params.add(SearchRecordsParam.per_page, per_page)
        return _page(RecordOperations(module).search_records(params), page, per_page)

    return run(connection, call)


# A name put into a COQL query: Zoho's own API names only (they come from its metadata).
_COQL_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,99}")
IDS_PER_CALL = 100  # Get Records takes at most 100 ids


def record_list_ordered(
    connection: ZohoConnection,
    module: str,
    *,
    field_names: list[str],
    sort_by: str,
    sort_order: str | None,
    offset: int,
    limit: int,
) -> tuple[list[dict], dict]:
    """One page sorted by a field Get Records cannot sort by (its `sort_by` takes id,
    Created_Time and Modified_Time only): COQL's ORDER BY names the page's ids in order (the
    id breaks ties, so pages neither repeat nor skip a record), then Get Records with those
    ids brings their values in Zoho's usual shape (COQL answers a lookup as its id alone)."""
    if not _COQL_NAME.fullmatch(module) or not _COQL_NAME.fullmatch(sort_by):
        raise zoho_failed("The portal cannot ask Zoho for this order.")
    order = "desc" if sort_order == "desc" else "asc"
    query = (
        f"select id from {module} where id is not null "  # noqa: S608 - API names, checked
        f"order by {sort_by} {order}, id asc limit {int(limit)} offset {int(offset)}"
    )

    def call():
        body = CoqlBody()
        body.set_select_query(query)
        answer = _check(CoqlOperations().get_records(body))
        empty = {
            "page": offset // limit + 1,
            "per_page": limit,
            "more_records": False,
            "count": 0,
            "next_page_token": None,
            "previous_page_token": None,
        }
        if answer is None:  # 204: no records this far
            return [], empty
        if not isinstance(answer, CoqlWrapper):
            raise zoho_failed()
        ids = [str(r.get_id()) for r in answer.get_data() or [] if r.get_id() is not None]
        info = answer.get_info()
        more = bool(info.get_more_records()) if info is not None else False
        found: dict[str, dict] = {}
        for start in range(0, len(ids), IDS_PER_CALL):
            params = ParameterMap()
            params.add(GetRecordsParam.fields, ",".join(field_names))
            params.add(GetRecordsParam.ids, ",".join(ids[start : start + IDS_PER_CALL]))
            params.add(GetRecordsParam.per_page, IDS_PER_CALL)
            body = _check(RecordOperations(module).get_records(params))
            if body is None:  # deleted meanwhile
                continue
            if not isinstance(body, ResponseWrapper):
                raise zoho_failed()
            found.update((r["id"], r) for r in (record_dict(x) for x in body.get_data() or []))
        records = [found[i] for i in ids if i in found]
        return records, {**empty, "more_records": more, "count": len(records)}

    return run(connection, call)


def _page(response, page: int, per_page: int) -> tuple[list[dict], dict]:
    body = _check(response)
    empty = {"page": page, "per_page": per_page, "more_records": False, "count": 0}
    if body is None:
        return [], {**empty, "next_page_token": None, "previous_page_token": None}
    if not isinstance(body, ResponseWrapper):
        raise zoho_failed()
    info = body.get_info()
    records = [record_dict(r) for r in body.get_data() or []]
    if info is None:
        return records, {**empty, "count": len(records)}
    return records, {
        "page": int(info.get_page() or page),
        "per_page": int(info.get_per_page() or per_page),
        "more_records": bool(info.get_more_records()),
        "count": int(info.get_count() or len(records)),
        "next_page_token": info.get_next_page_token() or None,
        "previous_page_token": info.get_previous_page_token() or None,
    }


def record_get(
    connection: ZohoConnection, module: str, record_id: int, *, field_chunks: list[list[str]]
) -> dict | None:
    """One record, read in one call per chunk of at most 50 field names and put together."""

    def call():
        record: dict = {}
        for names in field_chunks:
            params = ParameterMap()
            params.add(GetRecordParam.fields, ",".join(names))
            body = _check(RecordOperations(module).get_record(record_id, params))
            if body is None:
                return None
            if not isinstance(body, ResponseWrapper) or not body.get_data():
                raise zoho_failed()
            record.update(record_dict(body.get_data()[0]))
        return record

    return run(connection, call)


def records_create(
    connection: ZohoConnection, module: str, records: list[dict], types: dict[str, str]
) -> list[dict]:
    def call():
        body = _check(RecordOperations(module).create_records(_records_body(records, types)))
        if not isinstance(body, ActionWrapper):
            raise zoho_failed()
        return _results(body)

    return run(connection, call, write=True)


def record_update(
    connection: ZohoConnection, module: str, record_id: int, values: dict, types: dict[str, str]
) -> dict:
    def call():
        body = _check(
            RecordOperations(module).update_record(record_id, _records_body([values], types))
        )
        if not isinstance(body, ActionWrapper):
            raise zoho_failed()
        return _results(body)[0]

    return run(connection, call, write=True)


def record_delete(connection: ZohoConnection, module: str, record_id: int) -> dict:
    def call():
        params = ParameterMap()
        params.add(DeleteRecordsParam.ids, str(record_id))
        body = _check(RecordOperations(module).delete_records(params))
        if not isinstance(body, ActionWrapper):
            raise zoho_failed()
        return _results(body)[0]

    return run(connection, call, write=True)


# --- navigation reads: layouts, related lists, related records, counts ---------------------
# Related lists Zoho's UI no longer shows (getRelatedLists examples): the portal skips them.
HIDDEN_LIST_STATUSES = frozenset({"user_hidden", "scheduled_for_deletion", "system_hidden"})


def layouts(connection: ZohoConnection, module: str) -> list[dict]:
    """The module's active layouts, in Zoho's order, as {"id", "name", "sections": [{"label",
    "api_name", "subform", "fields": [api names], "required": [api names]}]}: `required`
    is what the layout makes mandatory (Zoho flags it there, not in the field metadata)."""

    def call():
        params = ParameterMap()
        params.add(GetLayoutsParam.module, module)
        body = _check(LayoutsOperations().get_layouts(params))
        if body is None:
            return []
        if not isinstance(body, LayoutsWrapper):
            raise zoho_failed()
        found = []
        for lay in body.get_layouts() or []:
            if _value(lay.get_status()) not in ("active", "") or lay.get_id() is None:
                continue
            sections = sorted(lay.get_sections() or [], key=lambda s: s.get_sequence_number() or 0)
            found.append(
                {
                    "id": str(lay.get_id()),
                    "name": lay.get_display_label() or lay.get_name() or str(lay.get_id()),
                    "sections": [_section(s) for s in sections],
                }
            )
        return found

    return run(connection, call)


def _section(section) -> dict:
    fields = sorted(section.get_fields() or [], key=lambda f: f.get_sequence_number() or 0)
    return {
        "label": section.get_display_label() or section.get_name() or "",
        "api_name": section.get_api_name() or section.get_name() or "",
        "subform": bool(section.get_issubformsection()),
        "fields": [f.get_api_name() for f in fields if f.get_api_name()],
        "required": [f.get_api_name() for f in fields if f.get_api_name() and f.get_required()],
    }


def related_lists(connection: ZohoConnection, module: str) -> list[dict]:
    """The module's shown related lists that Zoho's API serves, in Zoho's order, as
    {"api_name", "label", "module"} (`module`: the related records' module).

    A list without an `href` has no related records API (the SDK refuses it too). Zoho's
    samples have `module: null` on Notes: such a list's module is its `api_name` when that
    names a module (`crm.records` keeps the lists of modules this user may read). Lists
    whose `status` is not visible (`user_hidden`, `scheduled_for_deletion`) are skipped,
    and so is a `visible: false` of older metadata."""

    def call():
        params = ParameterMap()
        params.add(GetRelatedListsParam.module, module)
        body = _check(RelatedListsOperations().get_related_lists(params))
        if body is None:
            return []
        if not isinstance(body, RelatedListsWrapper):
            raise zoho_failed()
        found = []
        entries = sorted(
            body.get_related_lists() or [], key=lambda r: int(r.get_sequence_number() or 0)
        )
        for entry in entries:
            api_name = entry.get_api_name()
            related_module = entry.get_module()
            module_name = related_module.get_api_name() if related_module is not None else None
            if (
                not api_name
                or not entry.get_href()
                or entry.get_visible() is False
                or _value(entry.get_status()) in HIDDEN_LIST_STATUSES
            ):
                continue
            found.append(
                {
                    "api_name": api_name,
                    "label": entry.get_display_label() or api_name,
                    "module": module_name or api_name,
                }
            )
        return found

    return run(connection, call)


def related_records(
    connection: ZohoConnection,
    module: str,
    record_id: int,
    related_list: str,
    *,
    field_names: list[str],
    page: int = 1,
    per_page: int = 5,
) -> tuple[list[dict], dict]:
    """One page of the records a related list holds for `record_id` (204: none)."""

    def call():
        params = ParameterMap()
        params.add(GetRelatedRecordsParam.fields, ",".join(field_names))
        params.add(GetRelatedRecordsParam.page, page)
        params.add(GetRelatedRecordsParam.per_page, per_page)
        response = RelatedRecordsOperations(related_list, module).get_related_records(
            record_id, params
        )
        body = _check(response)
        empty = {"page": page, "per_page": per_page, "more_records": False, "count": 0}
        if body is None:
            return [], empty
        if not isinstance(body, RelatedWrapper):
            raise zoho_failed()
        records = [record_dict(r) for r in body.get_data() or []]
        info = body.get_info()
        more = bool(info.get_more_records()) if info is not None else False
        return records, {**empty, "more_records": more, "count": len(records)}

    return run(connection, call)


def record_count(
    connection: ZohoConnection, module: str, *, word: str | None = None, email: str | None = None
) -> int:
    """How many records the module holds (or match `word`/`email`): Zoho's count API."""

    def call():
        params = ParameterMap()
        if email:
            params.add(RecordCountParam.email, email)
        elif word:
            params.add(RecordCountParam.word, word)
        body = _check(RecordOperations(module).record_count(params))
        if body is None:
            return 0
        if not isinstance(body, CountWrapper):
            raise zoho_failed()
        return int(body.get_count() or 0)

    return run(connection, call)
