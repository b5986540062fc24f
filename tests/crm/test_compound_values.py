"""Addresses, multi-select and multi-user lookups and subforms written through the JSON API
and the forms, through the real SDK to the emulator (crm/compound_values.py)."""

from __future__ import annotations

import json

import pytest

from zoho_emulator import seed

from .test_field_types import PATRICIA, TRADERS, showcase_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(client, connect):
    connect(PATRICIA)
    return showcase_lead()


def _patch(client, lead, values):
    return client.patch(
        f"/crm/api/Leads/{lead['id']}/", data=json.dumps(values), content_type="application/json"
    )


def _stored(zoho, lead) -> dict:
    return zoho.app.state.orgs[TRADERS].records["Leads"][lead["id"]]


def test_json_api_writes_an_address(client, lead, zoho):
    response = _patch(client, lead, {"Visit_Address": {"city": " Lyon ", "postal_code": 69002}})
    assert response.status_code == 200, response.content
    stored = _stored(zoho, lead)["Visit_Address"]
    assert stored["city"] == "Lyon" and stored["postal_code"] == "69002"
    assert stored["country"] == lead["Visit_Address"]["country"]  # parts not given are kept
    for bad, words in (
        ({"planet": "Mars"}, "has no part 'planet'"),
        ({"city": "x" * 251}, "City is longer than 250"),
        ("Lyon", "must be an object"),
        ({"city": ["Lyon"]}, "City must be text"),
    ):
        response = _patch(client, lead, {"Visit_Address": bad})
        assert response.status_code == 400, bad
        error = response.json()["error"]
        assert error["field"] == "Visit_Address" and words in error["message"], error
    assert _patch(client, lead, {"Visit_Address": None}).status_code == 200
    assert not _stored(zoho, lead)["Visit_Address"]


def test_json_api_links_and_unlinks_records_and_users(client, lead, zoho):
    products = list(zoho.app.state.orgs[TRADERS].records["Products"])
    before = _stored(zoho, lead)["Interested_Products"]
    linked = {item["Product"]["id"] for item in before}
    new = next(p for p in products if p not in linked)
    response = _patch(
        client,
        lead,
        {
            "Interested_Products": [
                {"Product": {"id": new}},
                {"id": before[0]["id"], "_delete": None},
            ]
        },
    )
    assert response.status_code == 200, response.content
    after = {item["Product"]["id"] for item in _stored(zoho, lead)["Interested_Products"]}
    assert after == (linked - {before[0]["Product"]["id"]}) | {new}
    user = seed.org_users(TRADERS)[2].crm_ids[TRADERS]
    response = _patch(client, lead, {"Account_Team": [user]})  # an id alone links too
    assert response.status_code == 200, response.content
    team = {item["Team_Member"]["id"] for item in _stored(zoho, lead)["Account_Team"]}
    assert user in team
    # malformed ids never leave the portal; ids Zoho does not know come back naming the field
    for bad in ([{"Product": {"id": "abc"}}], {"Product": new}, [{"id": "x", "_delete": None}]):
        response = _patch(client, lead, {"Interested_Products": bad})
        assert response.status_code == 400 and response.json()["error"]["field"] == (
            "Interested_Products"
        )
    response = _patch(client, lead, {"Interested_Products": [{"Product": {"id": "1" * 18}}]})
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == "Interested_Products"
    response = _patch(client, lead, {"Account_Team": [{"Team_Member": {"id": "1" * 18}}]})
    assert response.status_code == 400 and response.json()["error"]["field"] == "Account_Team"


def test_json_api_adds_changes_and_removes_subform_rows(client, lead, zoho):
    keep = _stored(zoho, lead)["Visit_Log"][0]
    response = _patch(
        client,
        lead,
        {
            "Visit_Log": [
                {"id": keep["id"], "Outcome": "Signed"},
                {"Visit_Date": "2026-11-02", "Outcome": "Demo", "Travel_Cost": 12.5},
            ]
        },
    )
    assert response.status_code == 200, response.content
    after = _stored(zoho, lead)["Visit_Log"]
    assert [r["Outcome"] for r in after] == ["Signed", "Demo"]
    assert after[0]["id"] == keep["id"] and after[1]["Travel_Cost"] == 12.5
    assert after[0]["Visit_Date"] == keep["Visit_Date"]  # fields not given are kept
    response = _patch(client, lead, {"Visit_Log": [{"id": after[1]["id"]}]})  # drops row 1
    assert response.status_code == 200, response.content
    assert [r["Outcome"] for r in _stored(zoho, lead)["Visit_Log"]] == ["Demo"]
    # each row is checked like the parent's fields, naming the subform and the row
    for bad, words in (
        ([{"Travel_Cost": 1.234}], "row 1: Travel Cost has more than 2 decimal places"),
        ([{"Visit_Date": "tomorrow"}], "row 1: Visit Date must be a date"),
        ([{"Outcome": "ok"}, {"Mood": "great"}], "row 2: Mood is not a field of the subform"),
        ([{"id": "abc"}], "row 1: id must be a row's id"),
        ({"Outcome": "x"}, "must be a list of rows"),
    ):
        response = _patch(client, lead, {"Visit_Log": bad})
        assert response.status_code == 400, bad
        error = response.json()["error"]
        assert error["field"] == "Visit_Log" and words in error["message"], error
    assert _patch(client, lead, {"Visit_Log": []}).status_code == 200
    assert _stored(zoho, lead)["Visit_Log"] == []


def test_fields_api_describes_the_compound_inputs(client, lead):
    fields = {f["api_name"]: f for f in client.get("/crm/api/Leads/fields/").json()["data"]}
    assert fields["Visit_Address"]["input"]["type"] == "address"
    assert "postal_code" in fields["Visit_Address"]["input"]["parts"]
    assert fields["Interested_Products"]["input"] == {
        "type": "records-multiple",
        "connected_field": "Product",
        "module": "Products",
    }
    assert fields["Account_Team"]["input"]["type"] == "users-multiple"
    sub = fields["Visit_Log"]["input"]
    assert sub["type"] == "subform"
    assert [f["api_name"] for f in sub["fields"] if f["editable"]] == [
        "Visit_Date",
        "Visited_By",
        "Outcome",
        "Travel_Cost",
    ]


def form_data(page: str) -> dict[str, list[str]]:
    """What a browser submits for the record form on `page`, untouched (every value of a
    name kept: ticked checkboxes with their value, every selected option)."""
    from html.parser import HTMLParser

    class Inputs(HTMLParser):
        def __init__(self):
            super().__init__()
            self.data: dict[str, list[str]] = {}
            self.select, self.textarea, self.in_form = None, None, False

        def add(self, name, value):
            self.data.setdefault(name, []).append(value)

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form" and "record-form" in (attrs.get("class") or ""):
                self.in_form = True
            if not self.in_form:
                return
            if tag == "input" and attrs.get("type") == "checkbox":
                if "checked" in attrs:
                    self.add(attrs["name"], attrs.get("value") or "on")
            elif tag == "input" and attrs.get("name"):
                self.add(attrs["name"], attrs.get("value") or "")
            elif tag == "select":
                self.select = attrs["name"]
            elif tag == "option" and self.select and "selected" in attrs:
                self.add(self.select, attrs.get("value") or "")
            elif tag == "textarea":
                self.textarea = attrs["name"]
                self.add(self.textarea, "")

        def handle_endtag(self, tag):
            if tag == "form":
                self.in_form = False
            elif tag == "select":
                self.select = None
            elif tag == "textarea":
                self.textarea = None

        def handle_data(self, data):
            if self.textarea:
                self.data[self.textarea][-1] += data

    parser = Inputs()
    parser.feed(page)
    parser.data.pop("csrfmiddlewaretoken", None)
    return parser.data


def _edit_page(client, lead) -> str:
    response = client.get(f"/crm/Leads/{lead['id']}/edit/")
    assert response.status_code == 200
    return response.content.decode()


def test_edit_form_offers_every_part_and_an_untouched_form_changes_nothing(client, lead, zoho):
    page = _edit_page(client, lead)
    assert 'name="Visit_Address.city"' in page and 'name="Visit_Address.postal_code"' in page
    assert 'name="Interested_Products.keep"' in page and 'data-lookup="Products"' in page
    assert 'name="Account_Team.add"' in page
    assert 'name="Visit_Log.0.Outcome"' in page and 'name="Visit_Log.1.Outcome"' in page
    kept = page.split("Kept as they are here", 1)[1].split("</p>")[0]
    assert "Proposal" in kept and "Visit Log" not in kept and "Visit Address" not in kept
    before = dict(_stored(zoho, lead))
    response = client.post(f"/crm/Leads/{lead['id']}/edit/", form_data(page))
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert "Nothing was changed." in client.get(response["Location"]).content.decode()
    assert _stored(zoho, lead)["Modified_Time"] == before["Modified_Time"]


def test_a_post_without_a_compound_fields_inputs_keeps_it(client, lead, zoho):
    """A form posted without a subform's or link list's inputs (a script, an older page)
    never means "remove every row": those fields are left as they are."""
    before = dict(_stored(zoho, lead))
    assert before["Visit_Log"] and before["Interested_Products"] and before["Visit_Address"]
    compound = ("Visit_Log", "Interested_Products", "Account_Team", "Visit_Address")
    compound += ("Qualification_Checklist",)
    data = {
        key: value
        for key, value in form_data(_edit_page(client, lead)).items()
        if key.removeprefix("initial-").split(".")[0] not in compound
    }
    data["Last_Name"] = ["Renamed"]
    response = client.post(f"/crm/Leads/{lead['id']}/edit/", data)
    page = response.content.decode()
    assert response.status_code == 302, page[page.find("There is a problem") :][:1500]
    after = _stored(zoho, lead)
    assert after["Last_Name"] == "Renamed"
    for name in compound:
        assert after[name] == before[name], name


def test_edit_form_changes_the_address_links_and_rows(client, lead, zoho):
    page = _edit_page(client, lead)
    data = form_data(page)
    data["Visit_Address.city"] = ["Grenoble"]
    stored = _stored(zoho, lead)
    first_link = stored["Interested_Products"][0]
    data["Interested_Products.keep"] = [
        v for v in data.get("Interested_Products.keep", []) if v != first_link["id"]
    ]
    products = list(zoho.app.state.orgs[TRADERS].records["Products"])
    linked = {item["Product"]["id"] for item in stored["Interested_Products"]}
    new_product = next(p for p in products if p not in linked)
    data["Interested_Products.add"] = [new_product, "", ""]
    team = {item["Team_Member"]["id"] for item in stored["Account_Team"]}
    user = next(
        u.crm_ids[TRADERS] for u in seed.org_users(TRADERS) if u.crm_ids[TRADERS] not in team
    )
    data["Account_Team.add"] = [user]
    data["Visit_Log.0.Outcome"] = ["Signed the order"]
    data["Visit_Log.1.Visit_Date"] = ["2026-12-01"]
    data["Visit_Log.1.Outcome"] = ["Follow-up"]
    data["Visit_Log.1.Travel_Cost"] = ["30.25"]
    response = client.post(f"/crm/Leads/{lead['id']}/edit/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    stored = _stored(zoho, lead)
    assert stored["Visit_Address"]["city"] == "Grenoble"
    products_now = {item["Product"]["id"] for item in stored["Interested_Products"]}
    assert products_now == (linked - {first_link["Product"]["id"]}) | {new_product}
    assert user in {item["Team_Member"]["id"] for item in stored["Account_Team"]}
    assert [r["Outcome"] for r in stored["Visit_Log"]] == ["Signed the order", "Follow-up"]
    assert stored["Visit_Log"][1]["Travel_Cost"] == 30.25
    # removing a row: tick Remove
    data = form_data(_edit_page(client, lead))
    data["Visit_Log.0.remove"] = ["on"]
    response = client.post(f"/crm/Leads/{lead['id']}/edit/", data)
    assert response.status_code == 302
    assert [r["Outcome"] for r in _stored(zoho, lead)["Visit_Log"]] == ["Follow-up"]


def test_edit_form_shows_each_rows_problem_next_to_the_subform(client, lead, zoho):
    data = form_data(_edit_page(client, lead))
    data["Visit_Log.1.Outcome"] = ["Too dear"]
    data["Visit_Log.1.Travel_Cost"] = ["1.234"]
    response = client.post(f"/crm/Leads/{lead['id']}/edit/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Visit Log row 2: Travel Cost has more than 2 decimal places." in page
    assert 'value="1.234"' in page  # what was typed is kept
    assert len(_stored(zoho, lead)["Visit_Log"]) == 1


def test_new_record_form_takes_an_address_links_and_rows(client, lead, zoho):
    page = client.get("/crm/Leads/new/").content.decode()
    data = form_data(page)
    data.update(
        {
            "Last_Name": ["Parts"],
            "Company": ["Zylker"],
            "Visit_Address.city": ["Porto"],
            "Visit_Address.country": ["Portugal"],
            "Visit_Log.0.Outcome": ["First call"],
        }
    )
    data["Account_Team.add"] = [seed.org_users(TRADERS)[1].crm_ids[TRADERS]]
    response = client.post("/crm/Leads/new/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    ident = response["Location"].rstrip("/").rsplit("/", 1)[1]
    stored = zoho.app.state.orgs[TRADERS].records["Leads"][ident]
    assert stored["Visit_Address"]["city"] == "Porto"
    assert [r["Outcome"] for r in stored["Visit_Log"]] == ["First call"]
    assert len(stored["Account_Team"]) == 1


def test_a_multi_select_picklist_is_sent_as_zohos_choices(client, lead, zoho):
    response = _patch(client, lead, {"Preferred_Channel": ["Phone", "Email"]})
    assert response.status_code == 200, response.content
    assert _stored(zoho, lead)["Preferred_Channel"] == ["Phone", "Email"]


def _meta(api_name, data_type, **extra):
    return {
        "api_name": api_name,
        "label": api_name.replace("_", " "),
        "data_type": data_type,
        **extra,
    }


ME = {"id": "1", "name": "Sales"}


@pytest.mark.single_database
def test_profile_permissions_hold_for_compound_fields_and_subform_rows():
    from dataclasses import replace

    from core.errors import AppError, ErrorCode
    from crm.fields import Field
    from crm.validation import clean_value

    read_only = [{"id": "1", "permission": "read_only"}]
    for kind in ("address", "multiselectlookup", "multiuserlookup", "subform"):
        field = Field.from_metadata(_meta("X", kind, profiles=read_only), ME)
        assert not field.editable, kind
    outcome = Field.from_metadata(_meta("Outcome", "text", length=10))
    cost = Field.from_metadata(_meta("Cost", "currency", profiles=read_only), ME)
    subform = Field.from_metadata(_meta("Visit_Log", "subform", subform_module="Visit_Log"))
    assert not subform.editable  # its rows cannot be checked without the subform's fields
    subform = replace(subform, subform_fields=(outcome, cost))
    assert subform.editable
    with pytest.raises(AppError, match="row 1: Cost is read-only for your Zoho profile") as e:
        clean_value(subform, [{"Outcome": "ok", "Cost": 3}])
    assert e.value.code is ErrorCode.INVALID_DATA and e.value.field == "Visit_Log"
    with pytest.raises(AppError, match="row 1: Outcome is longer than 10 characters"):
        clean_value(subform, [{"Outcome": "x" * 11}])
    row = {"id": "42", "Outcome": " ok ", "Parent_Id": {"id": "9"}, "$x": 1}
    rows = clean_value(subform, [row])
    assert rows == [{"id": "42", "Outcome": "ok"}] and rows.types["Outcome"] == "text"
