"""Convert Lead (``convert_lead.json``), a record's attachments (``attachments.json``) and
its notes (``notes.json``, through the Notes module) as the emulator answers them."""

from __future__ import annotations

import pytest
from emulator_support import DANA, FULL_SCOPE, PATRICIA

from zoho_emulator.crm.attachments import MAX_ATTACHMENT_BYTES


@pytest.fixture
def us(zoho_http):
    return zoho_http.tokens(PATRICIA, "us", scope=FULL_SCOPE)["access_token"]


def _create(zoho_http, token, module, **values) -> str:
    resp = zoho_http.api("POST", "us", module, token, json={"data": [values]})
    assert resp.status_code == 201, resp.text
    return resp.json()["data"][0]["details"]["id"]


def _lead(zoho_http, token, **values) -> str:
    body = {"Last_Name": "Convert", "First_Name": "Cleo", "Company": "Cleo Mills", **values}
    return _create(zoho_http, token, "Leads", **body)


def _get(zoho_http, token, module, rid, fields):
    resp = zoho_http.api("GET", "us", f"{module}/{rid}", token, params={"fields": fields})
    return resp.json()["data"][0]


def _convert(zoho_http, token, lead, **converter):
    return zoho_http.api(
        "POST", "us", f"Leads/{lead}/actions/convert", token, json={"data": [converter]}
    )


# --- Convert Lead -------------------------------------------------------------------------
def _lead_ids(zoho_http, token, path, **params) -> set[str]:
    resp = zoho_http.api("GET", "us", path, token, params={"fields": "Last_Name", **params})
    assert resp.status_code in (200, 204), resp.text
    return {r["id"] for r in resp.json()["data"]} if resp.status_code == 200 else set()


def test_a_converted_lead_is_listed_only_when_asked_for(zoho_http, us):
    """Get Records and Search Records leave converted leads out unless `converted` is `true`
    (only them) or `both` (record.json, parameter `converted`: default false); Record Count
    counts what Get Records lists; the lead itself is still read by its id."""
    lead = _lead(zoho_http, us, Last_Name="Convertedlisting")
    count = zoho_http.api("GET", "us", "Leads/actions/count", us).json()["count"]
    assert _convert(zoho_http, us, lead).status_code == 200

    assert lead not in _lead_ids(zoho_http, us, "Leads")
    assert lead not in _lead_ids(zoho_http, us, "Leads", converted="false")
    assert _lead_ids(zoho_http, us, "Leads", converted="true") == {lead}
    assert lead in _lead_ids(zoho_http, us, "Leads", converted="both")
    search = "Leads/search"
    assert lead not in _lead_ids(zoho_http, us, search, word="Convertedlisting")
    assert lead in _lead_ids(zoho_http, us, search, word="Convertedlisting", converted="both")
    assert zoho_http.api("GET", "us", "Leads/actions/count", us).json()["count"] == count - 1
    assert _get(zoho_http, us, "Leads", lead, "Converted__s")["Converted__s"] is True

    refused = zoho_http.api(
        "GET", "us", "Leads", us, params={"fields": "Last_Name", "converted": "maybe"}
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "INVALID_DATA"
    assert refused.json()["details"]["param_name"] == "converted"


def test_convert_makes_contact_account_and_deal(zoho_http, us):
    lead = _lead(zoho_http, us, Email="cleo@mills.example", City="Leeds")
    note = _create(
        zoho_http,
        us,
        "Notes",
        Note_Content="Met at the fair",
        Parent_Id={"id": lead},
        **{"$se_module": "Leads"},
    )
    resp = _convert(
        zoho_http,
        us,
        lead,
        Deals={"Deal_Name": "Mills order", "Stage": "Qualification", "Amount": 900},
    )
    assert resp.status_code == 200, resp.text
    item = resp.json()["data"][0]
    assert item["code"] == "SUCCESS" and item["status"] == "success"
    assert item["message"] == "The record has been converted successfully"
    made = item["details"]
    assert made["Contacts"]["name"] == "Cleo Convert"
    assert made["Accounts"]["name"] == "Cleo Mills"
    assert made["Deals"]["name"] == "Mills order"

    contact = _get(
        zoho_http, us, "Contacts", made["Contacts"]["id"], "Email,Account_Name,Mailing_City"
    )
    assert contact["Email"] == "cleo@mills.example" and contact["Mailing_City"] == "Leeds"
    assert contact["Account_Name"]["id"] == made["Accounts"]["id"]
    deal = _get(zoho_http, us, "Deals", made["Deals"]["id"], "Account_Name,Contact_Name,Stage")
    assert deal["Account_Name"]["id"] == made["Accounts"]["id"]
    assert deal["Contact_Name"]["id"] == made["Contacts"]["id"]
    converted = _get(
        zoho_http,
        us,
        "Leads",
        lead,
        "Converted__s,Converted_Contact,Converted_Account,Converted_Deal",
    )
    assert converted["Converted__s"] is True
    assert converted["Converted_Contact"]["id"] == made["Contacts"]["id"]
    assert converted["Converted_Deal"]["id"] == made["Deals"]["id"]
    moved = _get(zoho_http, us, "Notes", note, "Parent_Id")
    assert moved["Parent_Id"]["id"] == made["Contacts"]["id"]  # the note went to the contact

    again = _convert(zoho_http, us, lead)
    assert again.status_code == 400
    assert again.json() == {
        "code": "ID_ALREADY_CONVERTED",
        "details": {"resource_path_index": 1},
        "message": "id already converted",
        "status": "error",
    }


def test_convert_uses_the_named_or_same_named_account(zoho_http, us):
    account = _create(zoho_http, us, "Accounts", Account_Name="Existing Mills Ltd")
    by_name = _convert(zoho_http, us, _lead(zoho_http, us, Company="existing mills ltd"))
    assert by_name.json()["data"][0]["details"]["Accounts"]["id"] == account
    assert by_name.json()["data"][0]["details"]["Deals"] is None
    named = _convert(zoho_http, us, _lead(zoho_http, us, Company="Other"), Accounts={"id": account})
    assert named.json()["data"][0]["details"]["Accounts"]["id"] == account


def test_what_convert_refuses(zoho_http, us):
    lead = _lead(zoho_http, us)
    unknown = _convert(zoho_http, us, "1234567890123456789")
    assert unknown.status_code == 400 and unknown.json()["details"] == {"resource_path_index": 1}
    no_stage = _convert(zoho_http, us, lead, Deals={"Deal_Name": "No stage"})
    assert no_stage.status_code == 400
    assert no_stage.json()["data"][0] == {
        "code": "MANDATORY_NOT_FOUND",
        "details": {"api_name": "Stage", "json_path": "$.data[0].Deals.Stage"},
        "message": "required field not found",
        "status": "error",
    }
    bad_account = _convert(zoho_http, us, lead, Accounts={"id": "1234567890123456789"})
    assert bad_account.status_code == 400
    assert bad_account.json()["data"][0]["details"]["json_path"] == "$.data[0].Accounts.id"
    contacts = zoho_http.api(
        "GET", "us", "Contacts", us, params={"fields": "Last_Name", "per_page": 200}
    )
    names = [c["Last_Name"] for c in contacts.json()["data"]]
    assert "Convert" not in names  # nothing was made by the refused conversions
    no_body = zoho_http.api("POST", "us", f"Leads/{lead}/actions/convert", us, json={})
    assert no_body.status_code == 400 and no_body.json()["code"] == "MANDATORY_NOT_FOUND"
    other_module = zoho_http.api(
        "POST", "us", "Contacts/1/actions/convert", us, json={"data": [{}]}
    )
    assert other_module.status_code in (400, 404)
    assert _convert(zoho_http, us, lead).status_code == 200  # still convertible


def test_a_restricted_profile_cannot_convert_into_a_read_only_module(zoho_http):
    dana = zoho_http.tokens(DANA, "us", scope=FULL_SCOPE)["access_token"]
    lead = _lead(zoho_http, dana)
    resp = _convert(zoho_http, dana, lead)
    assert resp.status_code == 403 and resp.json()["code"] == "NO_PERMISSION"


# --- attachments --------------------------------------------------------------------------
def test_attach_list_download_and_delete(zoho_http, us):
    lead = _lead(zoho_http, us)
    path = f"Leads/{lead}/Attachments"
    assert zoho_http.api("GET", "us", path, us, params={"fields": "File_Name"}).status_code == 204
    up = zoho_http.api(
        "POST", "us", path, us, files={"file": ("terms.txt", b"Net 30 days", "text/plain")}
    )
    assert up.status_code == 200, up.text
    item = up.json()["data"][0]
    assert item["code"] == "SUCCESS" and item["message"] == "attachment uploaded successfully"
    ident = item["details"]["id"]
    listed = zoho_http.api("GET", "us", path, us, params={"fields": "File_Name"}).json()
    assert [a["File_Name"] for a in listed["data"]] == ["terms.txt"]
    assert listed["data"][0]["Size"] == "11" and listed["data"][0]["$se_module"] == "Leads"
    assert listed["info"]["more_records"] is False
    got = zoho_http.api("GET", "us", f"{path}/{ident}", us)
    assert got.status_code == 200 and got.content == b"Net 30 days"
    assert got.headers["Content-Disposition"] == 'attachment; filename="terms.txt"'

    other = _lead(zoho_http, us, Email="x@y.example")
    wrong = zoho_http.api("GET", "us", f"Leads/{other}/Attachments/{ident}", us)
    assert wrong.status_code == 400 and wrong.json()["details"] == {"resource_path_index": 3}
    assert (
        zoho_http.api("DELETE", "us", f"Leads/{other}/Attachments/{ident}", us).status_code == 400
    )
    gone = zoho_http.api("DELETE", "us", f"{path}/{ident}", us)
    assert gone.status_code == 200 and gone.json()["data"][0]["details"] == {"id": ident}
    assert zoho_http.api("GET", "us", f"{path}/{ident}", us).status_code == 400


def test_what_an_upload_refuses(zoho_http, us):
    lead = _lead(zoho_http, us)
    path = f"Leads/{lead}/Attachments"
    nothing = zoho_http.api("POST", "us", path, us, data=b"")
    assert nothing.status_code == 400 and nothing.json()["code"] == "REQUIRED_PARAM_MISSING"
    big = zoho_http.api(
        "POST", "us", path, us, files={"file": ("big.bin", b"x" * (MAX_ATTACHMENT_BYTES + 1))}
    )
    assert big.status_code == 400
    assert big.json()["details"]["maximum_size"] == MAX_ATTACHMENT_BYTES
    unknown = zoho_http.api(
        "POST", "us", "Leads/1234567890123456789/Attachments", us, files={"file": ("a", b"a")}
    )
    assert unknown.status_code == 400 and unknown.json()["details"] == {"resource_path_index": 1}
    no_list = zoho_http.api(
        "GET", "us", "Products/1/Attachments", us, params={"fields": "File_Name"}
    )
    assert no_list.status_code == 400
    link = zoho_http.api(
        "POST", "us", path, us, params={"attachmentUrl": "https://example.com/spec.pdf"}
    )
    assert link.status_code == 200
    listed = zoho_http.api("GET", "us", path, us, params={"fields": "File_Name"}).json()["data"]
    assert listed[0]["$link_url"] == "https://example.com/spec.pdf"


# --- notes (the Notes module's own endpoints) -------------------------------------------
def test_notes_of_a_record(zoho_http, us):
    lead = _lead(zoho_http, us)
    note = _create(
        zoho_http,
        us,
        "Notes",
        Note_Content="First",
        Parent_Id={"id": lead},
        **{"$se_module": "Leads"},
    )
    listed = zoho_http.api(
        "GET", "us", f"Leads/{lead}/Notes", us, params={"fields": "Note_Content"}
    )
    assert [n["Note_Content"] for n in listed.json()["data"]] == ["First"]
    changed = zoho_http.api(
        "PUT", "us", f"Notes/{note}", us, json={"data": [{"Note_Content": "Second"}]}
    )
    assert changed.status_code == 200
    assert _get(zoho_http, us, "Notes", note, "Note_Content")["Note_Content"] == "Second"
    assert zoho_http.api("DELETE", "us", f"Notes/{note}", us).status_code == 200
    listed = zoho_http.api(
        "GET", "us", f"Leads/{lead}/Notes", us, params={"fields": "Note_Content"}
    )
    assert listed.status_code == 204
