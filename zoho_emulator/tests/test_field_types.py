"""The field types real orgs use (files, images, photos, multi lookups, subforms, rich text,
addresses, currency precision) and the Files, photo and field-attachment downloads."""

from __future__ import annotations

import pytest
from emulator_support import FULL_SCOPE, MARCUS, PATRICIA, SOFIA, ZYLKER_LABS

from zoho_emulator import seed

FILES_SCOPE = FULL_SCOPE + ",ZohoCRM.files.READ,ZohoCRM.files.CREATE"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def us(zoho_http):
    return zoho_http.tokens(PATRICIA, "us", scope=FILES_SCOPE)["access_token"]


def _fields(zoho_http, token, module="Leads", dc="us"):
    resp = zoho_http.api("GET", dc, "settings/fields", token, params={"module": module})
    assert resp.status_code == 200, resp.text
    return {f["api_name"]: f for f in resp.json()["fields"]}


def _first_lead(zoho_http, token, dc="us"):
    ids = zoho_http.api("GET", dc, "Leads", token, params={"fields": "Last_Name"}).json()["data"]
    # the list is newest first; the showcase values sit on the first seeded leads
    for row in reversed(ids):
        rec = zoho_http.api("GET", dc, f"Leads/{row['id']}", token).json()["data"][0]
        if rec.get("Proposal"):
            return rec
    raise AssertionError("no lead with a proposal")


@pytest.mark.parametrize(
    ("email", "dc", "org"),
    [(PATRICIA, "us", None), (SOFIA, "eu", None), (PATRICIA, "us", ZYLKER_LABS)],
)
def test_every_org_has_every_type_with_metadata(zoho_http, email, dc, org):
    token = zoho_http.tokens(email, dc, org=org)["access_token"]
    fields = _fields(zoho_http, token, dc=dc)
    expected = {
        "Proposal": ("fileupload", "jsonarray"),
        "Site_Photos": ("imageupload", "jsonarray"),
        "Interested_Products": ("multiselectlookup", "jsonarray"),
        "Account_Team": ("multiuserlookup", "jsonarray"),
        "Call_Notes": ("textarea", "string"),
        "Sales_Engineer": ("userlookup", "jsonobject"),
        "Visit_Address": ("address", "jsonobject"),
        "Visit_Log": ("subform", "jsonarray"),
        "Deposit": ("currency", "double"),
        "Record_Image": ("profileimage", "string"),
    }
    for name, (data_type, json_type) in expected.items():
        assert (fields[name]["data_type"], fields[name]["json_type"]) == (data_type, json_type)
    assert fields["Call_Notes"]["textarea"] == {"type": "rich_text"}
    assert fields["Description"]["textarea"]["type"] != "rich_text"
    assert fields["Deposit"]["currency"] == {"rounding_option": "normal", "precision": 0}
    assert fields["Annual_Revenue"]["currency"]["precision"] == 2
    msl = fields["Interested_Products"]["multiselectlookup"]
    assert msl["linking_module"]["api_name"] == "Leads_X_Products"
    assert msl["connected_module"]["api_name"] == "Products"
    assert msl["linking_details"]["module"]["api_name"] == "Leads_X_Products"
    mul = fields["Account_Team"]["multiuserlookup"]
    assert mul["linking_details"]["connected_lookup_field"]["api_name"] == "Team_Member"
    assert fields["Visit_Log"]["associated_module"]["module"] == "Visit_Log"
    # the subform and the linking modules answer settings/fields too
    assert set(_fields(zoho_http, token, "Visit_Log", dc)) >= {"Visit_Date", "Visited_By"}
    assert set(_fields(zoho_http, token, "Leads_X_Products", dc)) == {"Lead", "Product"}
    org_info = zoho_http.api("GET", dc, "org", token).json()["org"][0]
    assert org_info["currency_symbol"]
    rec = _first_lead(zoho_http, token, dc)
    assert rec["Proposal"][0]["File_Name__s"].endswith(".pdf")
    assert rec["Site_Photos"][0]["Preview_Id__s"]
    assert rec["Interested_Products"][0]["Product"]["name"]
    assert rec["Account_Team"][0]["Team_Member"]["name"]
    assert rec["Sales_Engineer"]["name"]
    assert rec["Visit_Address"]["city"]
    assert rec["Visit_Log"][0]["Visited_By"]["name"]
    assert "<script>" in rec["Call_Notes"]  # the planted payload a portal must sanitise
    assert len(rec["Record_Image"]) == 70


def test_field_attachment_and_file_downloads(zoho_http, us):
    rec = _first_lead(zoho_http, us)
    doc = rec["Proposal"][0]
    resp = zoho_http.api(
        "GET",
        "us",
        f"Leads/{rec['id']}/actions/download_fields_attachment",
        us,
        params={"fields_attachment_id": doc["id"]},
    )
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/x-download"
    assert doc["File_Name__s"] in resp.headers["Content-Disposition"]
    assert resp.content.startswith(b"%PDF-")
    image = rec["Site_Photos"][0]
    resp = zoho_http.api(
        "GET",
        "us",
        f"Leads/{rec['id']}/actions/download_fields_attachment",
        us,
        params={"fields_attachment_id": image["id"]},
    )
    assert resp.content.startswith(PNG_MAGIC)
    # Get File by the encrypted id
    resp = zoho_http.api("GET", "us", "files", us, params={"id": doc["File_Id__s"]})
    assert resp.status_code == 200 and resp.content.startswith(b"%PDF-")
    # another record's attachment id, or none: INVALID_DATA / REQUIRED_PARAM_MISSING
    other = zoho_http.api("GET", "us", "Leads", us, params={"fields": "Last_Name"}).json()
    other_id = next(r["id"] for r in other["data"] if r["id"] != rec["id"])
    resp = zoho_http.api(
        "GET",
        "us",
        f"Leads/{other_id}/actions/download_fields_attachment",
        us,
        params={"fields_attachment_id": doc["id"]},
    )
    assert resp.status_code == 400 and resp.json()["code"] == "INVALID_DATA"
    resp = zoho_http.api("GET", "us", f"Leads/{rec['id']}/actions/download_fields_attachment", us)
    assert resp.json()["code"] == "REQUIRED_PARAM_MISSING"
    assert zoho_http.api("GET", "us", "files", us, params={"id": "nope"}).status_code == 400


def test_record_photo(zoho_http, us):
    rec = _first_lead(zoho_http, us)
    resp = zoho_http.api("GET", "us", f"Leads/{rec['id']}/photo", us)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "image/png"
    assert resp.content.startswith(PNG_MAGIC)
    created = zoho_http.api(
        "POST", "us", "Leads", us, json={"data": [{"Last_Name": "No Photo", "Company": "Zylker"}]}
    ).json()["data"][0]["details"]["id"]
    assert zoho_http.api("GET", "us", f"Leads/{created}/photo", us).status_code == 204
    deal = zoho_http.api("GET", "us", "Deals", us, params={"fields": "Deal_Name"}).json()
    resp = zoho_http.api("GET", "us", f"Deals/{deal['data'][0]['id']}/photo", us)
    assert resp.status_code == 400


def test_downloads_are_per_org_and_need_their_scopes(zoho_http, us):
    rec = _first_lead(zoho_http, us)
    doc = rec["Proposal"][0]
    labs = zoho_http.tokens(PATRICIA, "us", scope=FILES_SCOPE, org=ZYLKER_LABS)["access_token"]
    resp = zoho_http.api(
        "GET",
        "us",
        f"Leads/{rec['id']}/actions/download_fields_attachment",
        labs,
        params={"fields_attachment_id": doc["id"]},
    )
    assert resp.status_code == 400
    assert (
        zoho_http.api("GET", "us", "files", labs, params={"id": doc["File_Id__s"]}).status_code
        == 400
    )
    assert zoho_http.api("GET", "us", f"Leads/{rec['id']}/photo", labs).status_code == 400
    no_files = zoho_http.tokens(MARCUS, "us")["access_token"]  # FULL_SCOPE: no files scope
    resp = zoho_http.api("GET", "us", "files", no_files, params={"id": doc["File_Id__s"]})
    assert resp.status_code == 401 and resp.json()["code"] == "OAUTH_SCOPE_MISMATCH"
    settings_only = zoho_http.tokens(MARCUS, "us", scope="ZohoCRM.settings.fields.READ")
    resp = zoho_http.api("GET", "us", f"Leads/{rec['id']}/photo", settings_only["access_token"])
    assert resp.json()["code"] == "OAUTH_SCOPE_MISMATCH"
    assert zoho_http.api("GET", "us", f"Leads/{rec['id']}/photo", None).status_code == 401


def test_upload_then_attach_then_delete(zoho_http, us):
    resp = zoho_http.api(
        "POST", "us", "files", us, files={"file": ("notes.txt", b"hello", "text/plain")}
    )
    assert resp.status_code == 200, resp.text
    answer = resp.json()["data"][0]
    assert answer["code"] == "SUCCESS" and answer["details"]["name"] == "notes.txt"
    fid = answer["details"]["id"]
    assert zoho_http.api("GET", "us", "files", us, params={"id": fid}).content == b"hello"
    read_only = zoho_http.tokens(PATRICIA, "us", scope=FULL_SCOPE + ",ZohoCRM.files.READ")
    resp = zoho_http.api(
        "POST", "us", "files", read_only["access_token"], files={"file": ("a.txt", b"a")}
    )
    assert resp.json()["code"] == "OAUTH_SCOPE_MISMATCH"
    assert zoho_http.api("POST", "us", "files", us, data={"x": "1"}).status_code == 400
    rec = _first_lead(zoho_http, us)
    resp = zoho_http.api(
        "PUT",
        "us",
        f"Leads/{rec['id']}",
        us,
        json={"data": [{"Proposal": [{"File_Id__s": fid}]}]},
    )
    assert resp.status_code == 200, resp.text
    after = zoho_http.api("GET", "us", f"Leads/{rec['id']}", us).json()["data"][0]
    assert [f["File_Name__s"] for f in after["Proposal"]][-1] == "notes.txt"
    added = after["Proposal"][-1]["id"]
    got = zoho_http.api(
        "GET",
        "us",
        f"Leads/{rec['id']}/actions/download_fields_attachment",
        us,
        params={"fields_attachment_id": added},
    )
    assert got.content == b"hello"
    # a text file is no image; an unknown file id is refused; _delete removes
    bad = zoho_http.api(
        "PUT",
        "us",
        f"Leads/{rec['id']}",
        us,
        json={"data": [{"Site_Photos": [{"File_Id__s": fid}]}]},
    ).json()["data"][0]
    assert bad["code"] == "INVALID_DATA" and bad["details"]["api_name"] == "Site_Photos"
    bad = zoho_http.api(
        "PUT",
        "us",
        f"Leads/{rec['id']}",
        us,
        json={"data": [{"Proposal": [{"File_Id__s": "0" * 64}]}]},
    ).json()["data"][0]
    assert bad["code"] == "INVALID_DATA"
    zoho_http.api(
        "PUT",
        "us",
        f"Leads/{rec['id']}",
        us,
        json={"data": [{"Proposal": [{"id": added, "_delete": None}]}]},
    )
    after = zoho_http.api("GET", "us", f"Leads/{rec['id']}", us).json()["data"][0]
    assert added not in [f["id"] for f in after["Proposal"]]


def test_writing_the_other_types(zoho_http, us):
    rec = _first_lead(zoho_http, us)
    users = seed.org_users("720019234")
    user_id = users[1].crm_ids["720019234"]
    product = zoho_http.api("GET", "us", "Products", us, params={"fields": "Product_Name"}).json()[
        "data"
    ][0]
    body = {
        "Sales_Engineer": {"id": user_id},
        "Account_Team": [{"Team_Member": {"id": user_id}}],
        "Interested_Products": [{"Product": {"id": product["id"]}}],
        "Visit_Address": {"city": "Springfield", "address_line_1": "1 Elm St"},
        "Visit_Log": [{"Visit_Date": "2025-01-02", "Outcome": "Signed", "Travel_Cost": 12.5}],
        "Call_Notes": "<p>Hello <b>there</b></p>",
    }
    resp = zoho_http.api("PUT", "us", f"Leads/{rec['id']}", us, json={"data": [body]})
    assert resp.status_code == 200, resp.text
    after = zoho_http.api("GET", "us", f"Leads/{rec['id']}", us).json()["data"][0]
    assert after["Sales_Engineer"]["id"] == user_id
    assert user_id in [m["Team_Member"]["id"] for m in after["Account_Team"]]
    assert product["id"] in [p["Product"]["id"] for p in after["Interested_Products"]]
    assert after["Visit_Address"]["city"] == "Springfield"
    assert [row["Outcome"] for row in after["Visit_Log"]] == ["Signed"]
    assert after["Call_Notes"] == "<p>Hello <b>there</b></p>"
    for bad in (
        {"Sales_Engineer": {"id": "1"}},
        {"Account_Team": "x"},
        {"Interested_Products": [{"Product": {"id": "1"}}]},
        {"Visit_Address": {"planet": "Mars"}},
        {"Visit_Log": [{"id": "1", "Outcome": "x"}]},
    ):
        answer = zoho_http.api("PUT", "us", f"Leads/{rec['id']}", us, json={"data": [bad]}).json()[
            "data"
        ][0]
        assert answer["code"] == "INVALID_DATA", (bad, answer)
        assert answer["details"]["api_name"] == next(iter(bad))


# ---------------------------------------------------------------------- static subform

CRITERIA = ["Budget", "Authority", "Need", "Timeline"]


@pytest.mark.parametrize(("email", "dc"), [(PATRICIA, "us"), (SOFIA, "eu")])
def test_the_static_subform_module_is_listed_as_zoho_lists_one(zoho_http, email, dc):
    """getModules' example "all modules with variations" (Subform_2): generated_type
    static_subform, not a tab, visible, its parent named, its static fields by api_name and
    id; the parent's field is a subform pointing at it."""
    token = zoho_http.tokens(email, dc)["access_token"]
    modules = zoho_http.api("GET", dc, "settings/modules", token).json()["modules"]
    by_name = {m["api_name"]: m for m in modules}
    static = by_name["Qualification_Checklist"]
    leads = by_name["Leads"]
    assert static["generated_type"] == "static_subform"
    assert (static["show_as_tab"], static["status"], static["visibility"]) == (False, "visible", 2)
    assert static["api_supported"] is True and static["lookupable"] is False
    assert static["parent_module"] == {"api_name": "Leads", "id": leads["id"]}
    for flag in ("creatable", "editable", "deletable", "viewable"):
        assert static[flag] is leads[flag], flag
    sub_fields = _fields(zoho_http, token, "Qualification_Checklist", dc)
    assert static["static_subform_properties"] == {
        "fields": [{"api_name": "Criterion", "id": sub_fields["Criterion"]["id"]}]
    }
    assert [v["actual_value"] for v in sub_fields["Criterion"]["pick_list_values"]][-4:] == (
        CRITERIA
    )
    parent_field = _fields(zoho_http, token, "Leads", dc)["Qualification_Checklist"]
    assert parent_field["data_type"] == "subform"
    assert parent_field["associated_module"]["module"] == "Qualification_Checklist"
    # only the static one says so: line items stay "subform"
    kinds = {m["api_name"]: m["generated_type"] for m in modules}
    assert kinds["Quoted_Items"] == kinds["Visit_Log"] == "subform"
    assert kinds["Leads_X_Products"] == kinds["Leads_X_Users"] == "linking"
    assert [n for n, k in kinds.items() if k == "static_subform"] == ["Qualification_Checklist"]


def _put(zoho_http, token, rec_id, body):
    resp = zoho_http.api("PUT", "us", f"Leads/{rec_id}", token, json={"data": [body]})
    return resp.status_code, resp.json()["data"][0]


def test_every_lead_has_the_fixed_rows_and_only_their_other_columns_change(zoho_http, us):
    ids = zoho_http.api("GET", "us", "Leads", us, params={"fields": "Last_Name"}).json()["data"]
    for row in ids[:3]:
        rec = zoho_http.api("GET", "us", f"Leads/{row['id']}", us).json()["data"][0]
        assert [r["Criterion"] for r in rec["Qualification_Checklist"]] == CRITERIA
    rows = rec["Qualification_Checklist"]
    changed = [{"id": r["id"], "Met": True, "Evidence": f"checked {r['Criterion']}"} for r in rows]
    status, answer = _put(zoho_http, us, rec["id"], {"Qualification_Checklist": changed})
    assert status == 200 and answer["code"] == "SUCCESS", answer
    after = zoho_http.api("GET", "us", f"Leads/{rec['id']}", us).json()["data"][0]
    kept = after["Qualification_Checklist"]
    assert [(r["id"], r["Criterion"], r["Met"]) for r in kept] == [
        (r["id"], r["Criterion"], True) for r in rows
    ]
    assert kept[0]["Evidence"] == "checked Budget"
    keep_all = [{"id": r["id"]} for r in rows]
    refused = {
        "a row added": keep_all + [{"Criterion": "Budget", "Met": True}],
        "a row dropped": keep_all[1:],
        "a row given twice": keep_all[:3] + keep_all[:1],
        "a criterion renamed": [{**keep_all[0], "Criterion": "Need"}, *keep_all[1:]],
        "the rows cleared": None,
    }
    for what, value in refused.items():
        status, answer = _put(zoho_http, us, rec["id"], {"Qualification_Checklist": value})
        assert status == 400 and answer["code"] == "INVALID_DATA", (what, answer)
        assert answer["details"]["api_name"] == "Qualification_Checklist", what
    unchanged = zoho_http.api("GET", "us", f"Leads/{rec['id']}", us).json()["data"][0]
    assert unchanged["Qualification_Checklist"] == kept


def test_a_new_lead_gives_each_fixed_row_once(zoho_http, us):
    def create(rows):
        body = {"Last_Name": "Static", "Company": "Checklist Ltd", "Qualification_Checklist": rows}
        resp = zoho_http.api("POST", "us", "Leads", us, json={"data": [body]})
        return resp.json()["data"][0]

    missing = create([{"Criterion": c} for c in CRITERIA[:3]])
    assert missing["code"] == "INVALID_DATA", missing
    twice = create([{"Criterion": c} for c in CRITERIA[:3] + ["Budget"]])
    assert twice["code"] == "INVALID_DATA", twice
    made = create([{"Criterion": c, "Met": c == "Need"} for c in CRITERIA])
    assert made["code"] == "SUCCESS", made
    rec_id = made["details"]["id"]
    rec = zoho_http.api("GET", "us", f"Leads/{rec_id}", us).json()["data"][0]
    assert [(r["Criterion"], r["Met"]) for r in rec["Qualification_Checklist"]] == [
        ("Budget", False),
        ("Authority", False),
        ("Need", True),
        ("Timeline", False),
    ]
