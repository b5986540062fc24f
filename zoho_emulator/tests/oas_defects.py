"""Defects of Zoho's CRM v8 OpenAPI specs (``zoho/crm-oas`` ``v8.0``), corrected in memory.

Each :class:`~.oas.Allowance` names the file, the JSON pointers it touches and the evidence
(Zoho's own examples, mostly from the per-operation ``examples/`` the same repository
publishes); zoho_emulator/README.md lists the same under "Spec defects". Everything not
named here is validated exactly as Zoho wrote it. An allowance whose target is gone or
already right fails the run (see :func:`~.oas.apply_allowance`), so the list stays honest
when Zoho updates the specs.
"""

from __future__ import annotations

from oas import Allowance

COMMON = (
    "https://raw.githubusercontent.com/Zohocorp-Pvt-Ltd/crm-oas/refs/heads/main/v8.0/common.json"
)
API_EXCEPTION = {"$ref": f"{COMMON}#/components/schemas/API_Exception"}


# ------------------------------------------------------------------------------ fixes


def nullable(node: dict) -> dict:
    """``node`` that also accepts ``null`` (a ``$ref`` cannot carry ``nullable`` in 3.0)."""
    if "$ref" in node or "type" not in node:
        return {"anyOf": [node, {"enum": [None]}]}
    return {**node, "nullable": True}


def without_required(*names: str):
    def fix(node: dict) -> dict:
        return {**node, "required": [n for n in node["required"] if n not in names]}

    return fix


def without(*keys: str):
    def fix(node: dict) -> dict:
        return {k: v for k, v in node.items() if k not in keys}

    return fix


def replace_with(value):
    return lambda node: value


def with_statuses(extra: dict):
    """Add response statuses the operation answers but the spec does not list."""

    def fix(responses: dict) -> dict:
        return {**responses, **{k: v for k, v in extra.items() if k not in responses}}

    return fix


def errors_out_of_200(*, no_content: bool):
    """``responses`` whose only entry, ``200``, is ``oneOf [<success>..., <error>]``: the
    success shapes for every 2xx, the error shape (the operation's own ``API_Exception``)
    for every 4xx, and ``204`` (no body) when the operation answers it."""

    def fix(responses: dict) -> dict:
        media = responses["200"]["content"]["application/json"]
        branches = media["schema"]["oneOf"]
        is_error = [b.get("$ref", "").endswith("/API_Exception") for b in branches]
        # File_Body_Wrapper ({file}: a download) is no JSON answer; with no required key it
        # would match every JSON body too.
        ok = [
            b
            for b, e in zip(branches, is_error, strict=True)
            if not e and not b.get("$ref", "").endswith("/File_Body_Wrapper")
        ]
        errors = [b for b, e in zip(branches, is_error, strict=True) if e]
        assert ok and errors, "the 200 answer no longer mixes successes and errors"
        out = {
            "2XX": {
                "description": "success",
                "content": {"application/json": {"schema": {"oneOf": ok}}},
            },
            "4XX": {
                "description": "error",
                "content": {"application/json": {"schema": {"oneOf": errors}}},
            },
        }
        if no_content:
            out["204"] = {"description": "no content"}
        return out

    return fix


AUTH_ERRORS = {
    "401": {
        "description": "INVALID_TOKEN / OAUTH_SCOPE_MISMATCH",
        "content": {"application/json": {"schema": API_EXCEPTION}},
    },
    "403": {
        "description": "NO_PERMISSION",
        "content": {"application/json": {"schema": API_EXCEPTION}},
    },
}


def _responses(path: str, method: str) -> str:
    return "/paths/" + path.replace("~", "~0").replace("/", "~1") + f"/{method}/responses"


# fields.json/layouts.json "fields" keys absent from fields Zoho's getFields example shows
FIELD_KEYS_NOT_ALWAYS_SENT = (
    "_update_existing_records",
    "allowed_modules",
    "autonumber",
    "available_in_user_layout",
    "blueprint_supported",
    "category",
    "common.picklist",
    "file_upolad_optionlist",
    "layout_associations",
    "multiuserlookup",
    "number_separator",
    "quick_sequence_number",
    "refer_from_field",
    "sharing_properties",
    "show_type",
    "static_field",
    "sub_module",
    "subform",
    "textarea",
)
FIELD_NULLS = ("association_details", "crypt", "external", "hipaa_compliance")
# modules.json "modules" keys Zoho's getModules example never has
MODULE_KEYS_NOT_SENT = (
    "$field_states",
    "$on_demand_properties",
    "$properties",
    "activity_badge",
    "business_card_fields",
    "chart_view",
    "chart_view_supported",
    "common.search_supported",
    "custom_view",
    "default_mapping_fields",
    "display_field",
    "emailTemplate_support",
    "email_parser_supported",
    "fields",
    "filter_status",
    "filter_supported",
    "inventory_template_supported",
    "kanban_view",
    "kanban_view_supported",
    "layout_associations",
    "layouts",
    "lookup_field_properties",
    "per_page",
    "related_list_properties",
    "related_lists",
    "scoring_supported",
    "search_layout_fields",
    "track_current_data",
    "triggers_supported",
    "visible",
    "webform_supported",
    "zia_view",
)

RECORD = "/crm/v8/{module_api_name}"
RECORD_ID = "/crm/v8/{module_api_name}/{id}"

ALLOWANCES: tuple[Allowance, ...] = (
    # -- statuses --------------------------------------------------------------------
    Allowance(
        "record-errors-under-200",
        "record.json",
        (
            _responses(RECORD, "get"),
            _responses(RECORD_ID, "get"),
            _responses(RECORD + "/search", "get"),
        ),
        errors_out_of_200(no_content=True),
        "record.json lists one status, 200, for Get Records / Get Record / Search Records, "
        "as oneOf [Response_Wrapper, API_Exception]: the branches are not exclusive (neither "
        "has a required key, so every body matches both and oneOf fails), errors come back as "
        "4xx and an empty result as 204 at Zoho. Evidence: the same repository's "
        "v8.0/record/operations/getRecords/operation.md lists 200, 204, 400, 401, 403 and its "
        "examples response-400-invaliddata.md, response-401-scopemismatch.md, "
        "response-403-nopermission.md. Get Record's 200 also offers File_Body_Wrapper "
        "({file}, no required key), a download that is never a JSON answer: left out of the "
        "JSON success shapes.",
    ),
    Allowance(
        "record-write-errors-under-200",
        "record.json",
        (
            _responses(RECORD, "post"),
            _responses(RECORD, "put"),
            _responses(RECORD, "delete"),
            _responses(RECORD_ID, "put"),
            _responses(RECORD_ID, "delete"),
        ),
        errors_out_of_200(no_content=False),
        "record.json lists only 200 for Create/Update/Delete Records, as oneOf [{data: "
        "[Success_Response | API_Exception]}, API_Exception] (not exclusive, as above). Zoho "
        "answers 201 (create), 207 (mixed results) and 4xx. Evidence: "
        "v8.0/record/operations/createRecords/examples/response-201-success.md, "
        "response-207-mixedresults.md, response-400-mandatorynotfound.md, "
        "response-401-oauthscopemismatch.md, response-403-nopermission.md; "
        "deleteRecords/examples/response-207-mixedresults.md.",
    ),
    Allowance(
        "related-records-errors-under-200",
        "related_records.json",
        (_responses("/crm/v8/{module_api_name}/{record_id}/{related_list_api_name}", "get"),),
        errors_out_of_200(no_content=True),
        "Get Related Records: the same single 200 oneOf [Response_Wrapper, API_Exception] as "
        "record.json (same generator); Zoho answers 204 for an empty list and 4xx errors.",
    ),
    Allowance(
        "org-errors-under-200",
        "org.json",
        (_responses("/crm/v8/org", "get"),),
        lambda r: {
            "200": {
                "description": "",
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                b
                                for b in r["200"]["content"]["application/json"]["schema"]["oneOf"]
                                if not b["$ref"].endswith("Exception")
                            ]
                        }
                    }
                },
            },
            "4XX": {
                "description": "",
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                b
                                for b in r["200"]["content"]["application/json"]["schema"]["oneOf"]
                                if b["$ref"].endswith("Exception")
                            ]
                            + [API_EXCEPTION]
                        }
                    }
                },
            },
        },
        "Get Organization lists only 200, as oneOf [Response_Wrapper, Invalid_Data_Exception] "
        "(errors under a success status, branches not exclusive). Its 4xx are validated "
        "against that Invalid_Data_Exception or common.json's API_Exception.",
    ),
    *(
        Allowance(
            f"auth-errors-{file.split('.')[0]}",
            file,
            (_responses(path, "get"),),
            with_statuses(AUTH_ERRORS),
            "No 401 or 403 is listed, though every CRM call answers INVALID_TOKEN / "
            "OAUTH_SCOPE_MISMATCH (401) and NO_PERMISSION (403): validated against "
            "common.json#/components/schemas/API_Exception. Evidence: "
            "v8.0/related_lists/operations/getRelatedLists/examples/response-401-invalidtoken.md, "
            "v8.0/layouts/operations/getLayouts/examples/response-401-oauthscopemismatch.md.",
        )
        for file, path in (
            ("users.json", "/crm/v8/users"),
            ("modules.json", "/crm/v8/settings/modules"),
            ("fields.json", "/crm/v8/settings/fields"),
            ("layouts.json", "/crm/v8/settings/layouts"),
            ("related_lists.json", "/crm/v8/settings/related_lists"),
            ("record_count.json", "/crm/v8/{module_api_name}/actions/count"),
            ("custom_views.json", "/crm/v8/settings/custom_views"),
        )
    ),
    # -- users: values copied from one example -------------------------------------------
    Allowance(
        "users-example-values",
        "users.json",
        (
            "/components/schemas/users/properties/date_format",
            "/components/schemas/users/properties/number_separator",
            "/components/schemas/users/properties/email",
        ),
        without("enum", "pattern"),
        "users.json#/components/schemas/users: date_format enum ['MMM d, yyyy'], "
        "number_separator enum ['Space'] and email pattern '[a-z0-9]{9}[@][a-z0-9]{5}[.]com' "
        "are one example's values made into the only ones allowed. Evidence: "
        "v8.0/users/operations/getUsers/examples/response-200-usersgetresponse.md has "
        "date_format 'MM/dd/yyyy' and email 'user@example.com' (neither allowed); the SDK's "
        "number_separator is an open Choice.",
    ),
    Allowance(
        "users-time-zone-type",
        "users.json",
        ("/components/schemas/users/properties/time_zone",),
        lambda node: {**node, "type": "string"},
        "users.json#/components/schemas/users/properties/time_zone is type object; a user's "
        "time zone is an IANA name string (the SDK's Users.set_time_zone takes a string, and "
        "org.json's Org time_zone is a string).",
    ),
    # -- null where Zoho's own examples show null -----------------------------------------
    Allowance(
        "info-page-tokens-null",
        "record.json",
        (
            "/components/schemas/Info/properties/next_page_token",
            "/components/schemas/Info/properties/previous_page_token",
            "/components/schemas/Info/properties/page_token_expiry",
        ),
        nullable,
        "record.json#/components/schemas/Info: next_page_token, previous_page_token and "
        "page_token_expiry are plain strings, but are null on the last page / first page. "
        "Evidence: the same repository's v8.0/record/operations/getRecords/operation.md marks "
        "all three [nullable], and response-200-leads.md has previous_page_token null.",
    ),
    Allowance(
        "fields-nulls",
        "fields.json",
        (
            "/components/schemas/fields/properties/associated_module",
            "/components/schemas/fields/properties/tooltip",
            "/components/schemas/fields/properties/history_tracking",
        ),
        nullable,
        "fields.json#/components/schemas/fields: associated_module, tooltip and "
        "history_tracking are objects, not nullable. Evidence: "
        "v8.0/fields/operations/getFields/examples/response-200-fullexample.md has "
        '"associated_module": null, "tooltip": null, "history_tracking": null on every '
        "field.",
    ),
    Allowance(
        "layout-fields-nulls",
        "layouts.json",
        (
            "/components/schemas/fields/properties/associated_module",
            "/components/schemas/fields/properties/tooltip",
            "/components/schemas/fields/properties/history_tracking",
            "/components/schemas/sections/properties/properties",
            "/components/schemas/layouts/properties/created_by",
            "/components/schemas/layouts/properties/modified_by",
        ),
        nullable,
        "layouts.json: a section's fields have the same nulls as Get Fields (above); a "
        "section's properties is null for ordinary sections and a system layout has no "
        "creator or modifier (created_by/modified_by null, as modules.json's Home and Notes "
        "modules in v8.0/modules/operations/getModules/examples/"
        "response-200-allmoduleswithvariations.md).",
    ),
    Allowance(
        "modules-modified-by-null",
        "modules.json",
        ("/components/schemas/modules/properties/modified_by",),
        nullable,
        "modules.json#/components/schemas/modules/properties/modified_by is not nullable. "
        "Evidence: response-200-allmoduleswithvariations.md (getModules) has "
        '"modified_by": null for Home, Notes, Feeds and Stage History.',
    ),
    Allowance(
        "modules-generated-type-enum",
        "modules.json",
        ("/components/schemas/modules/properties/generated_type",),
        lambda node: {
            **node,
            "enum": [
                *node["enum"],
                *("subform", "static_subform", "field_tracker", "webtab_link"),
            ],
        },
        "modules.json#/components/schemas/modules/properties/generated_type allows only "
        "default, web, linking and custom. Evidence: getModules' "
        "response-200-allmoduleswithvariations.md has static_subform (Subform_2), "
        "webtab_link (webtab) and field_tracker (DealHistory); getModuleByApiName's "
        "response-200-staticsubformmodule.md static_subform; the modules sample of Zoho's "
        "developer docs lists Quoted_Items with subform.",
    ),
    Allowance(
        "related-lists-nulls",
        "related_lists.json",
        (
            "/components/schemas/related_list/properties/module",
            "/components/schemas/related_list/properties/connectedmodule",
            "/components/schemas/related_list/properties/linkingmodule",
        ),
        nullable,
        "related_lists.json#/components/schemas/related_list: module, connectedmodule and "
        "linkingmodule are not nullable. Evidence: v8.0/related_lists/operations/"
        "getRelatedLists/examples/response-200-allnullablefieldsnull.md has all three null "
        "(the Notes list).",
    ),
    Allowance(
        "org-phone-null",
        "org.json",
        ("/components/schemas/Org/properties/phone",),
        nullable,
        "org.json#/components/schemas/Org/properties/phone is not nullable, though fax and "
        "mobile (the same kind of optional company number) are, and are null in "
        "v8.0/org/operations/getOrganization/examples/response-200-orggetresponse.md; an org "
        "that never entered a phone number has none.",
    ),
    # -- error shapes --------------------------------------------------------------------
    Allowance(
        "record-error-enums",
        "record.json",
        (
            "/components/schemas/API_Exception/properties/message",
            "/components/schemas/API_Exception/properties/code",
        ),
        without("enum"),
        "record.json#/components/schemas/API_Exception enumerates messages and codes "
        "gathered from examples: the message enum lacks Zoho's own 'the module name given "
        "seems to be invalid' (it has 'The module name given seems to be invalid') and 'invalid "
        "oauth scope to access this URL'; the code enum lacks DISCRETE_PAGINATION_LIMIT_EXCEEDED, "
        "PAGINATION_LIMIT_EXCEEDED, EXPIRED_VALUE and TOKEN_BOUND_DATA_MISMATCH, which "
        "v8.0/record/operations/getRecords/examples/response-400-*.md show. Messages are free "
        "text; the code stays checked by the test itself.",
    ),
    Allowance(
        "photo-error-codes",
        "record_photo.json",
        ("/components/schemas/error/properties/code",),
        lambda node: {**node, "enum": [*node["enum"], "RECORD_LOCKED"]},
        "record_photo.json#/components/schemas/error/properties/code allows only "
        "INVALID_URL_PATTERN, INVALID_DATA and INVALID_MODULE (no example files exist for the "
        "photo operations). A locked record refuses changes with RECORD_LOCKED, its image "
        "included: Zoho's announcement 'The New Error Codes in CRM API - RECORD_LOCKED and "
        "NOT_APPROVED' (help.zoho.com community) lists record image operations among those "
        "answering RECORD_LOCKED, in the same {code, details, message, status} shape.",
    ),
    Allowance(
        "photo-error-details-oneof",
        "record_photo.json",
        ("/components/schemas/error/properties/details",),
        lambda node: {"anyOf": node["oneOf"]},
        "record_photo.json#/components/schemas/error/properties/details is oneOf [object, "
        "InvalidDetails {id}, InvalidRecord {resource_path_index}]: the first branch is any "
        "object, so details naming the record's id (InvalidDetails, the spec's own shape) "
        "match two branches and fail oneOf. anyOf keeps the three shapes.",
    ),
    Allowance(
        "related-records-error-enums",
        "related_records.json",
        (
            "/components/schemas/API_Exception/properties/message",
            "/components/schemas/API_Exception/properties/code",
        ),
        without("enum"),
        "related_records.json#/components/schemas/API_Exception: the same example-gathered "
        "enums; they lack REQUIRED_PARAM_MISSING (fields is mandatory on Get Related Records "
        "in v8), INVALID_MODULE and OAUTH_SCOPE_MISMATCH.",
    ),
    Allowance(
        "param-name-not-param",
        "layouts.json",
        ("/components/schemas/ParamDetails", "/components/schemas/InvalidParamError"),
        lambda node: (
            {**node, "properties": {"param_name": {"type": "string"}}, "required": ["param_name"]}
            if "param" in node.get("properties", {})
            else {
                **node,
                "properties": {
                    **node["properties"],
                    "code": {"type": "string", "enum": ["INVALID_MODULE"]},
                },
            }
        ),
        "layouts.json: ParamDetails requires 'param', and InvalidParamError's code enum is "
        '[\'InvalidModule\']. Zoho\'s settings APIs answer details {"param_name": "module"} '
        "and the code INVALID_MODULE: v8.0/related_lists/operations/getRelatedLists/examples/"
        "response-400-requiredparammissing.md and response-400-invalidmodule.md.",
    ),
    Allowance(
        "related-lists-param-name",
        "related_lists.json",
        ("/components/schemas/InvalidParamError/properties/details",),
        replace_with(
            {
                "type": "object",
                "properties": {"param_name": {"type": "string"}},
                "required": ["param_name"],
            }
        ),
        "related_lists.json#/components/schemas/InvalidParamError/properties/details requires "
        "'param'; the same repository's getRelatedLists/examples/response-400-invalidmodule.md "
        'has details {"param_name": "module"}.',
    ),
    Allowance(
        "common-param-details",
        "common.json",
        ("/components/schemas/ParamDetails",),
        without_required("param"),
        "common.json#/components/schemas/ParamDetails requires both param_name and param; "
        "getRelatedLists/examples/response-400-requiredparammissing.md has only param_name.",
    ),
    Allowance(
        "fields-invalid-module-details",
        "fields.json",
        ("/components/schemas/InvalidParamDetails",),
        replace_with(
            {
                "type": "object",
                "properties": {"param_name": {"type": "string"}},
                "required": ["param_name"],
            }
        ),
        "fields.json#/components/schemas/InvalidParamDetails (the details of INVALID_MODULE) "
        "requires api_name; the module is a query parameter, and the settings APIs name it "
        "with param_name (getRelatedLists/examples/response-400-invalidmodule.md).",
    ),
    Allowance(
        "attachment-download-not-json",
        "attachments.json",
        ("/components/responses/ImageResponse",),
        replace_with({"description": "", "content": {"image/png": {}}}),
        "attachments.json#/components/responses/ImageResponse (Get Attachment's 200) gives "
        "image/png the schema File_Body_Wrapper, an object {file}: the answer is the file's "
        "bytes, never a JSON object. Checked as record_photo.json's own ImageResponse is "
        "written for the same kind of download: image/png with no body schema.",
    ),
    # -- required keys Zoho's own examples leave out ---------------------------------------
    Allowance(
        "fields-required-overreach",
        "fields.json",
        ("/components/schemas/fields",),
        without_required(*FIELD_KEYS_NOT_ALWAYS_SENT),
        "fields.json#/components/schemas/fields/required lists every property (75 keys, "
        "typo 'file_upolad_optionlist' included). Zoho's own "
        "v8.0/fields/operations/getFields/examples/response-200-fullexample.md leaves out "
        "these on every field (layout_associations and quick_sequence_number on some): "
        + ", ".join(FIELD_KEYS_NOT_ALWAYS_SENT)
        + ". The rest stays required.",
    ),
    Allowance(
        "layout-fields-required-overreach",
        "layouts.json",
        ("/components/schemas/fields",),
        without_required(*FIELD_KEYS_NOT_ALWAYS_SENT),
        "layouts.json#/components/schemas/fields (a layout section's fields) has the same "
        "everything-required list as fields.json; the same keys are dropped, on the same "
        "evidence (Zoho's getFields example).",
    ),
    Allowance(
        "fields-more-nulls",
        "fields.json",
        tuple(f"/components/schemas/fields/properties/{k}" for k in FIELD_NULLS),
        nullable,
        "fields.json#/components/schemas/fields: "
        + ", ".join(FIELD_NULLS)
        + " are objects, not nullable; Zoho's getFields example "
        "(response-200-fullexample.md) has each of them null on every field.",
    ),
    Allowance(
        "layout-fields-more-nulls",
        "layouts.json",
        tuple(f"/components/schemas/fields/properties/{k}" for k in FIELD_NULLS),
        nullable,
        "layouts.json#/components/schemas/fields: the same nulls as Get Fields (above).",
    ),
    Allowance(
        "modules-required-overreach",
        "modules.json",
        ("/components/schemas/modules",),
        without_required(*MODULE_KEYS_NOT_SENT),
        "modules.json#/components/schemas/modules/required names the full module metadata "
        "(fields, layouts, related_lists, custom_view...), which Get Modules never answers. "
        "Zoho's own v8.0/modules/operations/getModules/examples/"
        "response-200-allmoduleswithvariations.md has none of these on any module "
        "(track_current_data on one): " + ", ".join(MODULE_KEYS_NOT_SENT) + ".",
    ),
    Allowance(
        "related-lists-required-overreach",
        "related_lists.json",
        ("/components/schemas/related_list",),
        without_required("visible", "sort_by", "sort_order", "fields"),
        "related_lists.json#/components/schemas/related_list requires visible, sort_by, "
        "sort_order and fields; none of them is in Zoho's getRelatedLists examples "
        "(response-200-successresponse.md, response-200-allnullablefieldsnull.md).",
    ),
    Allowance(
        "custom-views-system-views-have-no-maker",
        "custom_views.json",
        (
            "/components/schemas/custom_views/properties/created_by",
            "/components/schemas/custom_views/properties/modified_by",
            "/components/schemas/custom_views/properties/criteria",
        ),
        nullable,
        "custom_views.json#/components/schemas/custom_views makes created_by and modified_by "
        "an owner object and criteria a Criteria object, never null. Zoho's own sample "
        "response on the v8 Custom Views Metadata page (developer/docs/api/v8/"
        "custom-view-meta.html) shows the system view 'All Leads' (system_name ALLVIEWS) with "
        '"created_by": null and "modified_by": null; a view that lists every record has no '
        "criteria to give, so it is null like the nullable created_time beside it.",
    ),
    Allowance(
        "custom-views-criteria-value",
        "custom_views.json",
        ("/components/schemas/Criteria/properties/value",),
        replace_with({"nullable": True}),
        "Criteria.value is typed object, yet a criterion compares a field with a value: a "
        "picklist's text, a user placeholder such as ${CURRENTUSER}, a list for in/not_in. "
        "The SDK built from the same spec types it Object "
        "(zohocrmsdk custom_views/criteria.py set_value) and record.json's search criteria "
        "take strings.",
    ),
    Allowance(
        "coql-no-content",
        "coql.json",
        (_responses("/crm/v8/coql", "post"),),
        with_statuses({"204": {"description": "no content"}}),
        "coql.json lists 200 and 400 only; a query that matches nothing answers 204. "
        "Evidence: the same repository's v8.0/coql/operations/executeCOQLQuery/operation.md "
        "(204: the query executed successfully but returned no matching records).",
    ),
    Allowance(
        "bulk-read-job-keys",
        "bulk_read.json",
        ("/components/schemas/Query", "/components/schemas/Job_Detail"),
        without_required("cvid", "criteria", "file_type", "result"),
        "Job_Detail requires result and its query cvid, criteria and file_type; Zoho's Get "
        "Bulk Read Job Details examples (developer docs, v8 Bulk Read 'Get the Status of the "
        "Bulk Read Jobs') show a query of module and page only, and result only once the "
        "job is COMPLETED.",
    ),
    Allowance(
        "bulk-read-result-token",
        "bulk_read.json",
        ("/components/schemas/Result",),
        without_required("next_page_token"),
        "Result requires next_page_token; Zoho's COMPLETED example has none when "
        "more_records is false (nothing follows).",
    ),
    Allowance(
        "bulk-read-download-bytes",
        "bulk_read.json",
        (
            _responses("/crm/bulk/v8/read/{job_id}/result", "get")
            + "/200/content/application~1x-download",
        ),
        replace_with({}),
        "Download Result's 200 (application/x-download) is described as a JSON object "
        "{file}; the answer is the ZIP file's bytes (the SDK reads it as a stream, like the "
        "photo download record_photo.json describes with a media type and no schema).",
    ),
    Allowance(
        "bulk-read-create-error-overlap",
        "bulk_read.json",
        (_responses("/crm/bulk/v8/read", "post") + "/400/content/application~1json/schema",),
        lambda node: {"anyOf": node["oneOf"]},
        "Create Bulk Read Job's 400 is oneOf [{data: [...]} with nothing required, "
        "Invalid_Criteria, Group_Operator_Not_Supported, ...]; the first branch matches every "
        "error object, so each error with its own schema (INVALID_CRITERIA, "
        "GROUP_OPERATOR_NOT_SUPPORTED, ...) matches two branches and oneOf refuses it: anyOf.",
    ),
    Allowance(
        "bulk-write-upload-details",
        "bulk_write.json",
        ("/components/schemas/Success_Response/properties/details",),
        without("required"),  # id and created_by, its only two
        "Success_Response serves both Upload File and Create Bulk Write Job, and requires the "
        "job's id and created_by in details; Upload File's answer (Zoho's v8 Bulk Write "
        "'Upload File' page) has details {file_id, created_time} only.",
    ),
    Allowance(
        "bulk-write-not-found-overlap",
        "bulk_write.json",
        (
            _responses("/crm/bulk/v8/write/{job_id}", "get")
            + "/400/content/application~1json/schema",
        ),
        lambda node: {"anyOf": node["oneOf"]},
        "Get Bulk Write Job Details' 400 is oneOf [Resource_Not_Found, API_Exception]; "
        'API_Exception lists RESOURCE_NOT_FOUND and "The requested resource doesn\'t exist." '
        "too, so Zoho's own not-found answer matches both and oneOf refuses it: anyOf.",
    ),
    Allowance(
        "bulk-write-download-bytes",
        "bulk_write.json",
        (_responses("/{download_url}", "get") + "/200/content/application~1octet-stream",),
        replace_with({}),
        "Download Bulk Write Result's 200 (application/octet-stream) is described as a JSON "
        "object {file} or an API_Exception; the answer is the ZIP file's bytes (the SDK reads "
        "it as a stream).",
    ),
)

# The emulator's own gaps: keys the spec requires that the emulator does not send yet, each
# with why. Applied like the allowances (so the rest of each answer is still checked), but
# listed in zoho_emulator/README.md under "Known differences from real Zoho", not as defects.
EMULATOR_GAPS: tuple[Allowance, ...] = (
    Allowance(
        "gap-field-ui-type",
        "fields.json",
        ("/components/schemas/fields",),
        without_required("ui_type"),
        "ui_type is Zoho's internal UI widget number, undocumented per data type.",
    ),
    Allowance(
        "gap-layout-keys",
        "layouts.json",
        (
            "/components/schemas/layouts",
            "/components/schemas/sections",
            "/components/schemas/fields",
            "/components/schemas/profiles",
        ),
        without_required(
            "actions_allowed",
            "convert_mapping",
            "created_for",
            "subform_properties",
            "_delete",
            "_default_view",
            "profiles",
            "ui_type",
            "default_value",
            "section_id",
            "static_values",
            "validation_rule",
        ),
        "Layout keys the spec requires and the emulator does not send; the repository has "
        "no Get Layouts example to show which of them Zoho really sends on a GET "
        "(_delete is an input key of Update Layouts).",
    ),
    Allowance(
        "gap-module-profiles",
        "modules.json",
        ("/components/schemas/modules",),
        without_required("profiles", "profile_count"),
        "A module's profiles[] / profile_count: the emulator's profiles have no per-org ids yet.",
    ),
    Allowance(
        "gap-org-license",
        "org.json",
        ("/components/schemas/Org",),
        without_required("license_details"),
        "license_details (edition, paid or trial): the emulator models no license yet.",
    ),
    Allowance(
        "gap-convert-nothing-made",
        "convert_lead.json",
        (
            "/components/schemas/Successful_Convert/properties/Deals",
            "/components/schemas/Successful_Convert/properties/Accounts",
        ),
        nullable,
        "Convert Lead's details require Contacts, Deals and Accounts (each a Record), yet a "
        "conversion whose body has no Deals makes no deal, and a lead without a company no "
        "account: the emulator answers null for what it did not make (the SDK reads null "
        "there). The repository has no Convert Lead example to settle the shape.",
    ),
    Allowance(
        "gap-subform-associated-module",
        "fields.json",
        ("/components/schemas/fields/properties/associated_module",),
        lambda node: {"anyOf": [node, {"type": "object", "required": ["module", "id"]}]},
        "A subform field's associated_module: the emulator sends {module, id} (the shape of "
        "Zoho's help page for Get Fields); the spec's Minified_Module wants api_name. No "
        "example in the repository settles it.",
    ),
)
