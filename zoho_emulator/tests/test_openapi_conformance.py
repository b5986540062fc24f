"""Every answer the portal can get from the emulator, checked against Zoho's OpenAPI specs.

Each row of CASES is one request (operation, case): it is sent over real HTTP, the status and
Zoho code are the ones the row expects (so the row exercises what it says), and the answer
(status, media type, body) must validate against the spec of that operation in
``zoho/crm-oas`` ``v8.0`` with openapi-core. The specs are Zoho's and not in this repository:

    git clone https://github.com/zoho/crm-oas /path/to/crm-oas
    ZOHO_CRM_OAS=/path/to/crm-oas pytest -q zoho_emulator/tests/test_openapi_conformance.py

Without ``ZOHO_CRM_OAS`` the module is skipped. Spec defects (the spec contradicting Zoho's own
examples) are corrected in memory by ``oas_defects.ALLOWANCES``, one place each; they are
listed under "Spec defects" in zoho_emulator/README.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from emulator_support import DANA, FULL_SCOPE, PATRICIA, THAMESGATE, TOM

from zoho_emulator import schema, seed
from zoho_emulator.crm.custom_views import module_views
from zoho_emulator.state import pristine_records

oas = pytest.importorskip("oas", reason="openapi-core is not installed")
from oas_defects import ALLOWANCES, EMULATOR_GAPS  # noqa: E402

ROOT = oas.spec_root()
pytestmark = pytest.mark.skipif(
    ROOT is None, reason=f"Zoho's OpenAPI specs are not here: {oas.HOW_TO_RUN}"
)

Op = oas.Operation
GET_USERS = Op("users.json", "Get Users")
GET_ORG = Op("org.json", "Get Organization")
GET_MODULES = Op("modules.json", "Get Modules")
GET_FIELDS = Op("fields.json", "Get Fields")
GET_LAYOUTS = Op("layouts.json", "Get Layouts")
GET_RELATED_LISTS = Op("related_lists.json", "Get Related Lists")
GET_RECORDS = Op("record.json", "Get Records")
GET_RECORD = Op("record.json", "Get Record")
SEARCH = Op("record.json", "Search Records")
COUNT = Op("record_count.json", "Get Count")
CREATE = Op("record.json", "Create Records")
UPDATE_ONE = Op("record.json", "Update Record")
UPDATE_MANY = Op("record.json", "Update Records")
DELETE_ONE = Op("record.json", "Delete Record")
DELETE_MANY = Op("record.json", "Delete Records")
RELATED = Op("related_records.json", "Get Related Records")
COQL = Op("coql.json", "Get Records")
GET_PHOTO = Op("record_photo.json", "Get Photo")
UPLOAD_PHOTO = Op("record_photo.json", "Upload Photo")
DELETE_PHOTO = Op("record_photo.json", "Delete Photo")
GET_FILE = Op("files.json", "Get File")
CONVERT = Op("convert_lead.json", "Convert Lead")
GET_ATTACHMENTS = Op("attachments.json", "Get Attachments")
UPLOAD_ATTACHMENT = Op("attachments.json", "Upload Url Attachments")
GET_ATTACHMENT = Op("attachments.json", "Get Attachment")
DELETE_ATTACHMENT = Op("attachments.json", "Delete Attachment")
DELETE_ATTACHMENTS = Op("attachments.json", "Delete Attachments")
GET_CUSTOM_VIEWS = Op("custom_views.json", "Get Custom Views")
GET_CUSTOM_VIEW = Op("custom_views.json", "Get Custom View")

# Who asks: a demo user and the scopes of the token (None: no Authorization header at all).
FULL = (PATRICIA, FULL_SCOPE)
NO_TOKEN = None
LEADS_READ_ONLY = (PATRICIA, "ZohoCRM.modules.leads.READ")
RESTRICTED = (DANA, FULL_SCOPE)  # Dana's profile: no Quotes at all, Accounts read only
BIG_ORG = (TOM, FULL_SCOPE)  # Thamesgate: 2,600 Leads
FILES = (PATRICIA, FULL_SCOPE + ",ZohoCRM.files.READ")
VIEWS = (PATRICIA, FULL_SCOPE + ",ZohoCRM.settings.custom_views.READ")
# Zylker Traders' Leads views (zoho_emulator/crm/custom_views.py): "All Leads", "My Leads",
# and "Contacted and qualified" (a user's view whose criteria is a group).
_ZYLKER = next(o for o in seed.ORGS if o.zgid == "720019234")
_LEAD_VIEWS = {
    v.name: v.id
    for v in module_views(
        _ZYLKER, schema.org_schema(_ZYLKER.zgid, _ZYLKER.currency).module("Leads")
    )
}
# The first lead with a value of every field type (zoho_emulator/field_types.py), with a photo.
SHOWCASE = next(
    rid for rid, rec in pristine_records("720019234")[0]["Leads"].items() if rec.get("Proposal")
)


@dataclass(frozen=True)
class Case:
    """One request and the answer it must get. ``path`` is below ``/crm/v8/`` and may name
    ``{lead}``, ``{account}``, ``{contact}``, ``{locked_lead}``, ``{pending_lead}``,
    ``{attachment}`` (a PNG attached to ``{account}``) (ids of the asker's org, looked up
    first)."""

    id: str
    op: oas.Operation
    method: str
    path: str
    status: int
    code: str | None = None  # the Zoho code of the answer (top level, or of data[0])
    params: dict = field(default_factory=dict)
    body: object = None
    who: tuple | None = FULL
    files: dict | None = None  # multipart parts: name -> (filename, bytes, content type)


# The smallest PNG a photo upload takes: 1 x 1 pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def lead(**values) -> dict:
    return {"Last_Name": "Conformance", "Company": "Spec Check Ltd", **values}


CASES = [
    # the field types real orgs use, the record photo and the Files API
    Case("record-every-type", GET_RECORD, "GET", f"Leads/{SHOWCASE}", 200),
    Case(
        "fields-visit-log",
        GET_FIELDS,
        "GET",
        "settings/fields",
        200,
        params={"module": "Visit_Log"},
    ),
    Case("photo", GET_PHOTO, "GET", f"Leads/{SHOWCASE}/photo", 200),
    Case("photo-none", GET_PHOTO, "GET", "Leads/{lead}/photo", 204),
    Case("photo-unknown", GET_PHOTO, "GET", "Leads/1234567890123456789/photo", 400, "INVALID_DATA"),
    Case(
        "photo-upload",
        UPLOAD_PHOTO,
        "POST",
        "Leads/{lead}/photo",
        200,
        "SUCCESS",
        files={"file": ("me.png", PNG, "image/png")},
    ),
    Case(
        "photo-upload-not-an-image",
        UPLOAD_PHOTO,
        "POST",
        "Leads/{lead}/photo",
        400,
        "INVALID_DATA",
        files={"file": ("me.png", b"not an image", "image/png")},
    ),
    Case(
        "photo-upload-locked",
        UPLOAD_PHOTO,
        "POST",
        "Leads/{locked_lead}/photo",
        400,
        "RECORD_LOCKED",
        files={"file": ("me.png", PNG, "image/png")},
    ),
    Case("photo-delete", DELETE_PHOTO, "DELETE", f"Leads/{SHOWCASE}/photo", 200, "SUCCESS"),
    Case("file-unknown", GET_FILE, "GET", "files", 400, "INVALID_DATA", {"id": "nope"}, who=FILES),
    # Convert Lead and a record's attachments (the record page's actions)
    Case(
        "convert",
        CONVERT,
        "POST",
        "Leads/{lead}/actions/convert",
        200,
        "SUCCESS",
        body={"data": [{"Deals": {"Deal_Name": "Spec deal", "Stage": "Qualification"}}]},
    ),
    Case(
        "convert-no-deal",
        CONVERT,
        "POST",
        "Leads/{lead}/actions/convert",
        200,
        "SUCCESS",
        body={"data": [{}]},
    ),
    Case(
        "convert-unknown-lead",
        CONVERT,
        "POST",
        "Leads/1234567890123456789/actions/convert",
        400,
        "INVALID_DATA",
        body={"data": [{}]},
    ),
    Case(
        "convert-deal-without-stage",
        CONVERT,
        "POST",
        "Leads/{lead}/actions/convert",
        400,
        "MANDATORY_NOT_FOUND",
        body={"data": [{"Deals": {"Deal_Name": "Spec deal"}}]},
    ),
    Case(
        "attachments",
        GET_ATTACHMENTS,
        "GET",
        "Accounts/{account}/Attachments",
        200,
        params={"fields": "File_Name"},
    ),
    Case(
        "attachments-none",
        GET_ATTACHMENTS,
        "GET",
        "Leads/{lead}/Attachments",
        204,
        params={"fields": "File_Name"},
    ),
    Case(
        "attachments-unknown-record",
        GET_ATTACHMENTS,
        "GET",
        "Leads/1234567890123456789/Attachments",
        400,
        "INVALID_DATA",
        params={"fields": "File_Name"},
    ),
    Case(
        "attachment-upload",
        UPLOAD_ATTACHMENT,
        "POST",
        "Leads/{lead}/Attachments",
        200,
        "SUCCESS",
        files={"file": ("terms.png", PNG, "image/png")},
    ),
    Case(
        "attachment-upload-url",
        UPLOAD_ATTACHMENT,
        "POST",
        "Leads/{lead}/Attachments",
        200,
        "SUCCESS",
        params={"attachmentUrl": "https://example.com/terms.pdf"},
    ),
    Case(
        "attachment-upload-unknown-record",
        UPLOAD_ATTACHMENT,
        "POST",
        "Leads/1234567890123456789/Attachments",
        400,
        "INVALID_DATA",
        files={"file": ("terms.png", PNG, "image/png")},
    ),
    Case("attachment", GET_ATTACHMENT, "GET", "Accounts/{account}/Attachments/{attachment}", 200),
    Case(
        "attachment-unknown",
        GET_ATTACHMENT,
        "GET",
        "Accounts/{account}/Attachments/1234567890123456789",
        400,
        "INVALID_DATA",
    ),
    Case(
        "attachment-delete",
        DELETE_ATTACHMENT,
        "DELETE",
        "Accounts/{account}/Attachments/{attachment}",
        200,
        "SUCCESS",
    ),
    Case(
        "attachments-delete",
        DELETE_ATTACHMENTS,
        "DELETE",
        "Accounts/{account}/Attachments",
        200,
        "SUCCESS",
        {"ids": "{attachment}"},
    ),
    # custom views (the list page's view picker) and cvid
    Case(
        "custom-views",
        GET_CUSTOM_VIEWS,
        "GET",
        "settings/custom_views",
        200,
        params={"module": "Leads"},
        who=VIEWS,
    ),
    Case(
        "custom-views-deals",
        GET_CUSTOM_VIEWS,
        "GET",
        "settings/custom_views",
        200,
        params={"module": "Deals"},
        who=VIEWS,
    ),
    Case(
        "custom-view-mine",
        GET_CUSTOM_VIEW,
        "GET",
        f"settings/custom_views/{_LEAD_VIEWS['My Leads']}",
        200,
        params={"module": "Leads"},
        who=VIEWS,
    ),
    Case(
        "custom-view-group",
        GET_CUSTOM_VIEW,
        "GET",
        f"settings/custom_views/{_LEAD_VIEWS['Contacted and qualified']}",
        200,
        params={"module": "Leads"},
        who=VIEWS,
    ),
    Case(
        "custom-view-unknown",
        GET_CUSTOM_VIEW,
        "GET",
        "settings/custom_views/1234567890123456789",
        400,
        "INVALID_DATA",
        {"module": "Leads"},
        who=VIEWS,
    ),
    Case(
        "custom-views-no-module",
        GET_CUSTOM_VIEWS,
        "GET",
        "settings/custom_views",
        400,
        "REQUIRED_PARAM_MISSING",
        who=VIEWS,
    ),
    Case(
        "custom-views-bad-module",
        GET_CUSTOM_VIEWS,
        "GET",
        "settings/custom_views",
        400,
        "INVALID_MODULE",
        {"module": "Nope"},
        who=VIEWS,
    ),
    Case(
        "custom-views-scope",
        GET_CUSTOM_VIEWS,
        "GET",
        "settings/custom_views",
        401,
        "OAUTH_SCOPE_MISMATCH",
        {"module": "Leads"},
    ),
    Case(
        "records-cvid",
        GET_RECORDS,
        "GET",
        "Leads",
        200,
        params={"fields": "Last_Name,Lead_Status", "cvid": _LEAD_VIEWS["Contacted and qualified"]},
    ),
    Case(
        "records-cvid-unknown",
        GET_RECORDS,
        "GET",
        "Leads",
        400,
        "INVALID_DATA",
        {"fields": "Last_Name", "cvid": "1234567890123456789"},
    ),
    Case(
        "search-cvid",
        SEARCH,
        "GET",
        "Leads/search",
        200,
        params={
            "criteria": "(Lead_Status:equals:Contacted)",
            "cvid": _LEAD_VIEWS["My Leads"],
            "fields": "Last_Name,Lead_Status",
        },
    ),
    Case(
        "count-cvid",
        COUNT,
        "GET",
        "Leads/actions/count",
        200,
        params={"cvid": _LEAD_VIEWS["My Leads"]},
    ),
    # users and org (sign-in reads both)
    Case("current-user", GET_USERS, "GET", "users", 200, params={"type": "CurrentUser"}),
    Case("active-users", GET_USERS, "GET", "users", 200, params={"type": "ActiveUsers"}),
    Case("users-bad-type", GET_USERS, "GET", "users", 400, "INVALID_DATA", {"type": "Nobody"}),
    Case("users-no-token", GET_USERS, "GET", "users", 401, "INVALID_TOKEN", who=NO_TOKEN),
    Case(
        "users-scope", GET_USERS, "GET", "users", 401, "OAUTH_SCOPE_MISMATCH", who=LEADS_READ_ONLY
    ),
    Case("org", GET_ORG, "GET", "org", 200),
    Case("org-scope", GET_ORG, "GET", "org", 401, "OAUTH_SCOPE_MISMATCH", who=LEADS_READ_ONLY),
    # metadata
    Case("modules", GET_MODULES, "GET", "settings/modules", 200),
    Case("modules-restricted", GET_MODULES, "GET", "settings/modules", 200, who=RESTRICTED),
    Case(
        "modules-scope",
        GET_MODULES,
        "GET",
        "settings/modules",
        401,
        "OAUTH_SCOPE_MISMATCH",
        who=LEADS_READ_ONLY,
    ),
    Case("fields-leads", GET_FIELDS, "GET", "settings/fields", 200, params={"module": "Leads"}),
    Case("fields-deals", GET_FIELDS, "GET", "settings/fields", 200, params={"module": "Deals"}),
    Case("fields-quotes", GET_FIELDS, "GET", "settings/fields", 200, params={"module": "Quotes"}),
    Case(
        "fields-custom", GET_FIELDS, "GET", "settings/fields", 200, params={"module": "Shipments"}
    ),
    Case("fields-no-module", GET_FIELDS, "GET", "settings/fields", 400, "REQUIRED_PARAM_MISSING"),
    Case(
        "fields-bad-module",
        GET_FIELDS,
        "GET",
        "settings/fields",
        400,
        "INVALID_MODULE",
        {"module": "Nope"},
    ),
    Case("layouts-leads", GET_LAYOUTS, "GET", "settings/layouts", 200, params={"module": "Leads"}),
    Case(
        "layouts-no-module", GET_LAYOUTS, "GET", "settings/layouts", 400, "REQUIRED_PARAM_MISSING"
    ),
    Case(
        "layouts-bad-module",
        GET_LAYOUTS,
        "GET",
        "settings/layouts",
        400,
        "INVALID_MODULE",
        {"module": "Nope"},
    ),
    Case(
        "related-lists-accounts",
        GET_RELATED_LISTS,
        "GET",
        "settings/related_lists",
        200,
        params={"module": "Accounts"},
    ),
    Case(
        "related-lists-leads",
        GET_RELATED_LISTS,
        "GET",
        "settings/related_lists",
        200,
        params={"module": "Leads"},
    ),
    Case(
        "related-lists-no-module",
        GET_RELATED_LISTS,
        "GET",
        "settings/related_lists",
        400,
        "REQUIRED_PARAM_MISSING",
    ),
    Case(
        "related-lists-bad-module",
        GET_RELATED_LISTS,
        "GET",
        "settings/related_lists",
        400,
        "INVALID_MODULE",
        {"module": "Nope"},
    ),
    # reading records
    Case(
        "records",
        GET_RECORDS,
        "GET",
        "Leads",
        200,
        params={"fields": "Last_Name,Company,Email,Owner,Created_Time", "per_page": 5},
    ),
    Case(
        "records-all-fields-deals",
        GET_RECORDS,
        "GET",
        "Deals",
        200,
        params={
            "fields": "Deal_Name,Amount,Stage,Closing_Date,Account_Name,Contact_Name",
            "per_page": 3,
        },
    ),
    Case(
        "records-last-page",
        GET_RECORDS,
        "GET",
        "Accounts",
        200,
        params={"fields": "Account_Name", "per_page": 200},
    ),
    Case(
        "records-sorted",
        GET_RECORDS,
        "GET",
        "Leads",
        200,
        params={"fields": "Last_Name", "sort_by": "Modified_Time", "sort_order": "asc"},
    ),
    Case(
        "records-none", GET_RECORDS, "GET", "Leads", 204, params={"fields": "Last_Name", "page": 10}
    ),
    Case("records-no-fields", GET_RECORDS, "GET", "Leads", 400, "REQUIRED_PARAM_MISSING"),
    Case(
        "records-bad-field",
        GET_RECORDS,
        "GET",
        "Leads",
        400,
        "INVALID_DATA",
        {"fields": "No_Such_Field"},
    ),
    Case(
        "records-bad-sort",
        GET_RECORDS,
        "GET",
        "Leads",
        400,
        "INVALID_DATA",
        {"fields": "Last_Name", "sort_order": "sideways"},
    ),
    Case(
        "records-sort-by-other-field",
        GET_RECORDS,
        "GET",
        "Leads",
        400,
        "INVALID_DATA",
        {"fields": "Last_Name", "sort_by": "Company"},
    ),
    # converted leads: listed only when asked for (record.json, parameter `converted`)
    Case(
        "records-converted-both",
        GET_RECORDS,
        "GET",
        "Leads",
        200,
        params={"fields": "Last_Name", "converted": "both"},
    ),
    Case(
        "records-bad-converted",
        GET_RECORDS,
        "GET",
        "Leads",
        400,
        "INVALID_DATA",
        {"fields": "Last_Name", "converted": "maybe"},
    ),
    # COQL: how the portal sorts by any other column
    Case(
        "coql-order-by",
        COQL,
        "POST",
        "coql",
        200,
        body={
            "select_query": "select id from Leads where id is not null "
            "order by Company desc, id asc limit 20 offset 0"
        },
    ),
    Case(
        "coql-none",
        COQL,
        "POST",
        "coql",
        204,
        body={"select_query": "select id from Leads where Last_Name = 'No such lead'"},
    ),
    Case(
        "coql-syntax-error",
        COQL,
        "POST",
        "coql",
        400,
        "SYNTAX_ERROR",
        body={"select_query": "select from Leads"},
    ),
    Case(
        "coql-not-sortable",
        COQL,
        "POST",
        "coql",
        400,
        "INVALID_QUERY",
        body={"select_query": "select id from Leads order by Description"},
    ),
    Case(
        "coql-limit-exceeded",
        COQL,
        "POST",
        "coql",
        400,
        "LIMIT_EXCEEDED",
        body={"select_query": "select id from Leads limit 2001"},
    ),
    Case(
        "records-bad-page-token",
        GET_RECORDS,
        "GET",
        "Leads",
        400,
        "INVALID_DATA",
        {"fields": "Last_Name", "page_token": "nope"},
    ),
    Case(
        "records-discrete-limit",
        GET_RECORDS,
        "GET",
        "Leads",
        400,
        "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
        {"fields": "Last_Name", "page": 11},
        who=BIG_ORG,
    ),
    Case(
        "records-bad-module",
        GET_RECORDS,
        "GET",
        "Nope",
        400,
        "INVALID_MODULE",
        {"fields": "Last_Name"},
    ),
    Case(
        "records-no-permission",
        GET_RECORDS,
        "GET",
        "Quotes",
        403,
        "NO_PERMISSION",
        {"fields": "Subject"},
        who=RESTRICTED,
    ),
    Case(
        "records-no-token",
        GET_RECORDS,
        "GET",
        "Leads",
        401,
        "INVALID_TOKEN",
        {"fields": "Last_Name"},
        who=NO_TOKEN,
    ),
    Case(
        "records-scope",
        GET_RECORDS,
        "GET",
        "Contacts",
        401,
        "OAUTH_SCOPE_MISMATCH",
        {"fields": "Last_Name"},
        who=LEADS_READ_ONLY,
    ),
    Case("record", GET_RECORD, "GET", "Leads/{lead}", 200),
    Case(
        "record-some-fields",
        GET_RECORD,
        "GET",
        "Leads/{lead}",
        200,
        params={"fields": "Last_Name,Email"},
    ),
    Case("record-account", GET_RECORD, "GET", "Accounts/{account}", 200),
    Case("record-missing", GET_RECORD, "GET", "Leads/1234567890123456789", 204),
    Case(
        "record-bad-field",
        GET_RECORD,
        "GET",
        "Leads/{lead}",
        400,
        "INVALID_DATA",
        {"fields": "No_Such_Field"},
    ),
    Case(
        "record-no-permission",
        GET_RECORD,
        "GET",
        "Quotes/1234567890123456789",
        403,
        "NO_PERMISSION",
        who=RESTRICTED,
    ),
    Case(
        "search-word",
        SEARCH,
        "GET",
        "Leads/search",
        200,
        params={"word": "an", "fields": "Last_Name,Email", "per_page": 5},
    ),
    Case(
        "search-criteria",
        SEARCH,
        "GET",
        "Leads/search",
        200,
        params={"criteria": "(Last_Name:starts_with:a)", "fields": "Last_Name"},
    ),
    Case(
        "search-converted-both",
        SEARCH,
        "GET",
        "Leads/search",
        200,
        params={"word": "an", "fields": "Last_Name", "converted": "both"},
    ),
    Case(
        "search-bad-converted",
        SEARCH,
        "GET",
        "Leads/search",
        400,
        "INVALID_DATA",
        {"word": "an", "fields": "Last_Name", "converted": "maybe"},
    ),
    Case(
        "search-nothing",
        SEARCH,
        "GET",
        "Leads/search",
        204,
        params={"email": "nobody@nowhere.invalid", "fields": "Last_Name"},
    ),
    Case(
        "search-no-criteria",
        SEARCH,
        "GET",
        "Leads/search",
        400,
        "REQUIRED_PARAM_MISSING",
        {"fields": "Last_Name"},
    ),
    Case(
        "search-bad-criteria",
        SEARCH,
        "GET",
        "Leads/search",
        400,
        "INVALID_QUERY",
        {"criteria": "(Last_Name:frobs:a)", "fields": "Last_Name"},
    ),
    Case(
        "search-scope",
        SEARCH,
        "GET",
        "Leads/search",
        401,
        "OAUTH_SCOPE_MISMATCH",
        {"word": "an", "fields": "Last_Name"},
        who=LEADS_READ_ONLY,
    ),
    Case("count", COUNT, "GET", "Leads/actions/count", 200),
    Case("count-word", COUNT, "GET", "Leads/actions/count", 200, params={"word": "an"}),
    Case("count-bad-module", COUNT, "GET", "Nope/actions/count", 400, "INVALID_MODULE"),
    Case(
        "count-scope",
        COUNT,
        "GET",
        "Contacts/actions/count",
        401,
        "OAUTH_SCOPE_MISMATCH",
        who=LEADS_READ_ONLY,
    ),
    Case(
        "count-no-permission",
        COUNT,
        "GET",
        "Quotes/actions/count",
        403,
        "NO_PERMISSION",
        who=RESTRICTED,
    ),
    Case(
        "search-no-permission",
        SEARCH,
        "GET",
        "Quotes/search",
        403,
        "NO_PERMISSION",
        {"word": "an", "fields": "Subject"},
        who=RESTRICTED,
    ),
    Case(
        "related-scope",
        RELATED,
        "GET",
        "Accounts/{account}/Contacts",
        401,
        "OAUTH_SCOPE_MISMATCH",
        {"fields": "Last_Name"},
        who=LEADS_READ_ONLY,
    ),
    Case(
        "fields-no-permission",
        GET_FIELDS,
        "GET",
        "settings/fields",
        403,
        "NO_PERMISSION",
        {"module": "Quotes"},
        who=RESTRICTED,
    ),
    Case(
        "layouts-no-permission",
        GET_LAYOUTS,
        "GET",
        "settings/layouts",
        403,
        "NO_PERMISSION",
        {"module": "Quotes"},
        who=RESTRICTED,
    ),
    Case(
        "related-contacts",
        RELATED,
        "GET",
        "Accounts/{account}/Contacts",
        200,
        params={"fields": "Last_Name,Email"},
    ),
    Case(
        "related-none",
        RELATED,
        "GET",
        "Leads/{lead}/Notes",
        204,
        params={"fields": "Note_Title", "page": 9},
    ),
    Case(
        "related-bad-list",
        RELATED,
        "GET",
        "Accounts/{account}/Nope",
        400,
        "INVALID_DATA",
        {"fields": "Last_Name"},
    ),
    Case(
        "related-no-fields",
        RELATED,
        "GET",
        "Accounts/{account}/Contacts",
        400,
        "REQUIRED_PARAM_MISSING",
    ),
    # writing records
    Case("create", CREATE, "POST", "Leads", 201, "SUCCESS", body={"data": [lead()]}),
    Case(
        "create-many-mixed",
        CREATE,
        "POST",
        "Leads",
        207,
        "SUCCESS",
        body={"data": [lead(), {"Company": "No Name"}]},
    ),
    Case(
        "create-mandatory",
        CREATE,
        "POST",
        "Leads",
        400,
        "MANDATORY_NOT_FOUND",
        body={"data": [{"Company": "No Name"}]},
    ),
    Case(
        "create-invalid-value",
        CREATE,
        "POST",
        "Leads",
        400,
        "INVALID_DATA",
        body={"data": [lead(Annual_Revenue="lots")]},
    ),
    Case(
        "create-duplicate",
        CREATE,
        "POST",
        "Leads",
        400,
        "DUPLICATE_DATA",
        body={"data": [lead(Email="{lead_email}")]},
    ),
    Case("create-no-data", CREATE, "POST", "Leads", 400, "MANDATORY_NOT_FOUND", body={}),
    Case("create-bad-body", CREATE, "POST", "Leads", 400, "INVALID_DATA", body="not json"),
    Case(
        "create-no-permission",
        CREATE,
        "POST",
        "Accounts",
        403,
        "NO_PERMISSION",
        body={"data": [{"Account_Name": "X"}]},
        who=RESTRICTED,
    ),
    Case(
        "create-scope",
        CREATE,
        "POST",
        "Leads",
        401,
        "OAUTH_SCOPE_MISMATCH",
        body={"data": [lead()]},
        who=LEADS_READ_ONLY,
    ),
    Case(
        "create-bad-module", CREATE, "POST", "Nope", 400, "INVALID_MODULE", body={"data": [lead()]}
    ),
    Case(
        "update-one",
        UPDATE_ONE,
        "PUT",
        "Leads/{lead}",
        200,
        "SUCCESS",
        body={"data": [{"Company": "Renamed Ltd"}]},
    ),
    Case(
        "update-one-missing",
        UPDATE_ONE,
        "PUT",
        "Leads/1234567890123456789",
        400,
        "INVALID_DATA",
        body={"data": [{"Company": "Renamed Ltd"}]},
    ),
    Case(
        "update-static-subform-row-added",
        UPDATE_ONE,
        "PUT",
        "Leads/{lead}",
        400,
        "INVALID_DATA",
        body={"data": [{"Qualification_Checklist": [{"Criterion": "Budget", "Met": True}]}]},
    ),
    Case(
        "update-one-blank-mandatory",
        UPDATE_ONE,
        "PUT",
        "Leads/{lead}",
        400,
        "MANDATORY_NOT_FOUND",
        body={"data": [{"Last_Name": ""}]},
    ),
    Case(
        "update-many",
        UPDATE_MANY,
        "PUT",
        "Leads",
        200,
        "SUCCESS",
        body={"data": [{"id": "{lead}", "Company": "Renamed Ltd"}]},
    ),
    Case(
        "update-many-no-id",
        UPDATE_MANY,
        "PUT",
        "Leads",
        400,
        "MANDATORY_NOT_FOUND",
        body={"data": [{"Company": "Renamed Ltd"}]},
    ),
    Case(
        "update-no-permission",
        UPDATE_ONE,
        "PUT",
        "Accounts/{account}",
        403,
        "NO_PERMISSION",
        body={"data": [{"Phone": "1"}]},
        who=RESTRICTED,
    ),
    Case("delete-one", DELETE_ONE, "DELETE", "Leads/{lead}", 200, "SUCCESS"),
    Case(
        "delete-one-missing", DELETE_ONE, "DELETE", "Leads/1234567890123456789", 400, "INVALID_DATA"
    ),
    Case("delete-many", DELETE_MANY, "DELETE", "Leads", 200, "SUCCESS", {"ids": "{lead}"}),
    Case(
        "delete-many-mixed",
        DELETE_MANY,
        "DELETE",
        "Leads",
        207,
        "SUCCESS",
        {"ids": "{lead},1234567890123456789"},
    ),
    Case("delete-many-no-ids", DELETE_MANY, "DELETE", "Leads", 400, "REQUIRED_PARAM_MISSING"),
    # locked records and records awaiting approval (the demo's oldest leads)
    Case("record-locked", GET_RECORD, "GET", "Leads/{locked_lead}", 200),
    Case(
        "update-one-locked",
        UPDATE_ONE,
        "PUT",
        "Leads/{locked_lead}",
        400,
        "RECORD_LOCKED",
        body={"data": [{"Company": "Renamed Ltd"}]},
    ),
    Case(
        "update-one-not-approved",
        UPDATE_ONE,
        "PUT",
        "Leads/{pending_lead}",
        400,
        "NOT_APPROVED",
        body={"data": [{"Company": "Renamed Ltd"}]},
    ),
    Case(
        "update-many-locked",
        UPDATE_MANY,
        "PUT",
        "Leads",
        400,
        "RECORD_LOCKED",
        body={"data": [{"id": "{locked_lead}", "Company": "Renamed Ltd"}]},
    ),
    Case(
        "update-many-mixed",
        UPDATE_MANY,
        "PUT",
        "Leads",
        207,
        "RECORD_LOCKED",
        body={
            "data": [
                {"id": "{locked_lead}", "City": "Oslo"},
                {"id": "{pending_lead}", "City": "Oslo"},
                {"id": "{lead}", "City": "Oslo"},
            ]
        },
    ),
    Case(
        "update-many-over-limit",
        UPDATE_MANY,
        "PUT",
        "Leads",
        400,
        "LIMIT_EXCEEDED",
        body={"data": [{"id": "{lead}", "City": "Oslo"}] * 101},
    ),
    Case(
        "delete-many-over-limit",
        DELETE_MANY,
        "DELETE",
        "Leads",
        400,
        "LIMIT_EXCEEDED",
        {"ids": ",".join(str(1234567890123456000 + n) for n in range(101))},
    ),
    Case("delete-one-locked", DELETE_ONE, "DELETE", "Leads/{locked_lead}", 400, "RECORD_LOCKED"),
    Case(
        "delete-many-not-approved",
        DELETE_MANY,
        "DELETE",
        "Leads",
        400,
        "NOT_APPROVED",
        {"ids": "{pending_lead}"},
    ),
    Case(
        "delete-no-permission",
        DELETE_MANY,
        "DELETE",
        "Accounts",
        403,
        "NO_PERMISSION",
        {"ids": "{account}"},
        who=RESTRICTED,
    ),
]


@pytest.fixture(scope="module")
def specs():
    return oas.ZohoSpecs(ROOT, ALLOWANCES + EMULATOR_GAPS)


def _token(emulator, who) -> str | None:
    if who is None:
        return None
    email, scope = who
    return emulator.issue_tokens(email, scopes=scope)["access_token"]


def _ids(zoho_http, emulator, who) -> dict[str, str]:
    """The first Lead, Account and Contact of the asker's org (admin token, same org)."""
    email = who[0] if who else PATRICIA
    if email == DANA:  # Dana owns nothing and may read Accounts: ask as Patricia, same org
        email = PATRICIA
    org = THAMESGATE if email == TOM else None
    token = emulator.issue_tokens(email, scopes=FULL_SCOPE, org=org)["access_token"]
    ids = {}
    for name, module, fld in (
        ("lead", "Leads", "Last_Name,Email"),
        ("account", "Accounts", "Account_Name"),
        ("contact", "Contacts", "Last_Name"),
    ):
        resp = zoho_http.api(
            "GET",
            "us" if email != TOM else "uk",
            module,
            token,
            params={"fields": fld, "per_page": 1},
        )
        assert resp.status_code == 200, resp.text
        first = resp.json()["data"][0]
        ids[name] = first["id"]
        if module == "Leads":
            ids["lead_email"] = first["Email"]
    oldest = zoho_http.api(  # the demo locks the oldest lead, the next awaits approval
        "GET",
        "us" if email != TOM else "uk",
        "Leads",
        token,
        params={"fields": "Last_Name", "per_page": 2, "sort_order": "asc"},
    )
    assert oldest.status_code == 200, oldest.text
    ids["locked_lead"], ids["pending_lead"] = (r["id"] for r in oldest.json()["data"])
    attached = zoho_http.api(  # a PNG on the account: Get Attachment's spec answers image/png
        "POST",
        "us" if email != TOM else "uk",
        f"Accounts/{ids['account']}/Attachments",
        token,
        files={"file": ("logo.png", PNG, "image/png")},
    )
    assert attached.status_code == 200, attached.text
    ids["attachment"] = attached.json()["data"][0]["details"]["id"]
    return ids


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def _code(payload) -> str | None:
    if not isinstance(payload, dict):
        return None
    if "code" in payload:
        return payload["code"]
    data = payload.get("data")
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return data[0].get("code")
    return None


def _send(case: Case, emulator, zoho_http):
    """Send ``case``'s request over HTTP; assert it got the status and code it expects."""
    ids = _ids(zoho_http, emulator, case.who)
    dc = "uk" if case.who == BIG_ORG else "us"
    kwargs = {"params": _fill(case.params, ids)}
    if isinstance(case.body, str):
        kwargs["data"] = case.body
        kwargs["headers"] = {"Content-Type": "application/json"}
    elif case.body is not None:
        kwargs["data"] = json.dumps(_fill(case.body, ids))
        kwargs["headers"] = {"Content-Type": "application/json"}
    if case.files:
        kwargs["files"] = case.files
    resp = zoho_http.api(
        case.method, dc, _fill(case.path, ids), _token(emulator, case.who), **kwargs
    )
    is_json = "json" in resp.headers.get("Content-Type", "")  # a photo is an image
    payload = resp.json() if resp.content and is_json else None
    assert resp.status_code == case.status, resp.text
    assert _code(payload) == case.code, resp.text
    return resp


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.op.operation_id}:{c.id}")
def test_answer_conforms_to_zohos_spec(case, specs, emulator, zoho_http):
    resp = _send(case, emulator, zoho_http)
    specs.validate(
        case.op,
        status=resp.status_code,
        body=resp.content,
        content_type=resp.headers.get("Content-Type"),
        headers=dict(resp.headers),
    )


def test_expired_and_exhausted_page_tokens_conform(specs, emulator, zoho_http, monkeypatch):
    """EXPIRED_VALUE and PAGINATION_LIMIT_EXCEEDED need a token first: not a static row."""
    from zoho_emulator.crm import paging

    token = _token(emulator, BIG_ORG)
    params = {"fields": "Last_Name", "per_page": 200}
    first = zoho_http.api("GET", "uk", "Leads", token, params=params).json()["info"]
    emulator.client.expire_page_tokens()
    expired = zoho_http.api(
        "GET", "uk", "Leads", token, params={**params, "page_token": first["next_page_token"]}
    )
    assert expired.status_code == 400 and expired.json()["code"] == "EXPIRED_VALUE"
    monkeypatch.setattr(paging, "TOKEN_RECORD_LIMIT", 200)
    fresh = zoho_http.api("GET", "uk", "Leads", token, params=params).json()["info"]
    spent = zoho_http.api(
        "GET", "uk", "Leads", token, params={**params, "page_token": fresh["next_page_token"]}
    )
    assert spent.status_code == 400 and spent.json()["code"] == "PAGINATION_LIMIT_EXCEEDED"
    for resp in (expired, spent):
        specs.validate(
            GET_RECORDS,
            status=resp.status_code,
            body=resp.content,
            content_type=resp.headers.get("Content-Type"),
            headers=dict(resp.headers),
        )


# ------------------------------------------------------------------------------ the checker


def _json(value) -> bytes:
    return json.dumps(value).encode()


GOOD_INFO = {"per_page": 1, "count": 1, "page": 1, "more_records": False}

# Answers the validator must refuse: (id, operation, status, content type, body).
MALFORMED = [
    ("users-without-info", GET_USERS, 200, "application/json", _json({"users": []})),
    (
        "records-per-page-as-text",
        GET_RECORDS,
        200,
        "application/json",
        _json({"data": [{"id": "1"}], "info": {**GOOD_INFO, "per_page": "1"}}),
    ),
    (
        "records-data-not-a-list",
        GET_RECORDS,
        200,
        "application/json",
        _json({"data": {"id": "1"}, "info": GOOD_INFO}),
    ),
    ("records-undocumented-500", GET_RECORDS, 500, "application/json", _json({})),
    ("org-as-html", GET_ORG, 200, "text/html", b"<html></html>"),
    (
        "create-status-neither-success-nor-error",
        CREATE,
        201,
        "application/json",
        _json({"data": [{"code": "SUCCESS", "status": "ok", "details": {}, "message": "m"}]}),
    ),
    (
        "fields-invalid-module-without-param-name",
        GET_FIELDS,
        400,
        "application/json",
        _json({"code": "INVALID_MODULE", "details": {}, "message": "m", "status": "error"}),
    ),
]


@pytest.mark.parametrize(
    ("op", "status", "content_type", "body"),
    [pytest.param(*row[1:], id=row[0]) for row in MALFORMED],
)
def test_the_checker_refuses_a_malformed_answer(specs, op, status, content_type, body):
    with pytest.raises(oas.ConformanceError):
        specs.validate(op, status=status, body=body, content_type=content_type)


# A real answer with one value made wrong: (case id, JSON pointer into the body, bad value).
CORRUPTED = [
    ("current-user", "/users/0/status", 5),
    ("org", "/org/0/max_per_page", "200"),
    ("modules", "/modules/0/api_supported", "yes"),
    ("fields-leads", "/fields/0/visible", "yes"),
    ("layouts-leads", "/layouts/0/sections", {}),
    ("related-lists-accounts", "/related_lists/0/module", "Contacts"),
    ("records", "/info/more_records", "no"),
    ("record", "/data/0/Created_Time", "yesterday"),
    ("create", "/data/0/status", "done"),
]
CASES_BY_ID = {case.id: case for case in CASES}


@pytest.mark.parametrize(("case_id", "pointer", "bad"), CORRUPTED, ids=[c[0] for c in CORRUPTED])
def test_the_checker_refuses_a_real_answer_with_one_bad_value(
    case_id, pointer, bad, specs, emulator, zoho_http
):
    case = CASES_BY_ID[case_id]
    resp = _send(case, emulator, zoho_http)
    body = resp.json()
    *parents, last = oas.pointer_parts(pointer)
    node = body
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[last] = bad
    with pytest.raises(oas.ConformanceError):
        specs.validate(
            case.op, status=resp.status_code, body=_json(body), content_type="application/json"
        )


def test_the_checker_accepts_a_well_formed_answer(specs):
    """The counterpart of the malformed rows: the same validator lets a good body through."""
    specs.validate(
        GET_RECORDS,
        status=200,
        body=_json({"data": [{"id": "1"}], "info": GOOD_INFO}),
        content_type="application/json;charset=UTF-8",
    )


@pytest.mark.parametrize("allowance", ALLOWANCES + EMULATOR_GAPS, ids=lambda a: a.name)
def test_each_allowance_still_corrects_something(allowance):
    """An allowance whose place is gone or already right fails here (Zoho fixed the spec:
    drop the allowance and its README entry)."""
    oas.ZohoSpecs(ROOT, [allowance]).document(allowance.file)


def test_an_allowance_for_a_place_that_is_gone_fails():
    gone = oas.Allowance("gone", "record.json", ("/components/schemas/Nope",), dict, "")
    with pytest.raises(oas.ConformanceError, match="is gone"):
        oas.ZohoSpecs(ROOT, [gone]).document("record.json")


def test_a_ref_outside_the_specs_is_refused(specs):
    with pytest.raises(oas.ConformanceError, match="outside"):
        specs.handler("https://example.com/v8.0/record.json")
