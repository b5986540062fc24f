"""Actions on a record: Convert Lead, notes, attachments and "New …" with the parent filled
in, through the test client, the portal's SDK calls and the emulator over real HTTP."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.django_db


def api(client, method, url, body=None, **headers):
    return getattr(client, method)(
        url,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        **headers,
    )


def new_lead(client, **values) -> str:
    body = {"Last_Name": "Okafor", "First_Name": "Ada", "Company": "Okafor Freight Ltd", **values}
    created = api(client, "post", "/crm/api/Leads/", body)
    assert created.status_code == 201, created.content
    return created.json()["data"]["id"]


def form_token(page: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', page)[1]


# --- Convert Lead -------------------------------------------------------------------------
def test_convert_a_lead_with_a_deal_on_the_page(client, signed_in):
    lead = new_lead(client)
    page = client.get(f"/crm/Leads/{lead}/convert/")
    assert page.status_code == 200
    text = page.text
    assert "Convert lead “Ada Okafor”?" in text
    assert 'value="Okafor Freight Ltd"' in text  # the deal's name starts as the company

    sent = client.post(
        f"/crm/Leads/{lead}/convert/",
        {
            "form_token": form_token(text),
            "create_deal": "on",
            "Deal_Name": "Okafor Freight: first order",
            "Stage": "Qualification",
            "Amount": "1200.50",
            "Closing_Date": "2027-01-31",
        },
    )
    assert sent.status_code == 302 and sent["Location"] == f"/crm/Leads/{lead}/convert/"
    done = client.get(sent["Location"]).text
    assert "is converted" in done
    contact = re.search(r'href="/crm/Contacts/(\d+)/">Ada Okafor</a>', done)[1]
    account = re.search(r'href="/crm/Accounts/(\d+)/">Okafor Freight Ltd</a>', done)[1]
    deal = re.search(r'href="/crm/Deals/(\d+)/">Okafor Freight: first order</a>', done)[1]

    made = client.get(f"/crm/api/Deals/{deal}/").json()["data"]
    assert made["Stage"] == "Qualification" and made["Amount"] == 1200.5
    assert made["Account_Name"]["id"] == account and made["Contact_Name"]["id"] == contact
    person = client.get(f"/crm/api/Contacts/{contact}/").json()["data"]
    assert person["Last_Name"] == "Okafor" and person["Account_Name"]["id"] == account

    again = client.post(f"/crm/Leads/{lead}/convert/", {"form_token": form_token(text)})
    assert again.status_code == 302  # the same form sent twice converts once
    page = client.get(f"/crm/Leads/{lead}/convert/").text
    assert "Convert lead" not in page and "is converted" in page


def test_the_api_converts_once_and_answers_the_ids(client, signed_in):
    account = client.get("/crm/api/Accounts/?per_page=1").json()["data"][0]
    lead = new_lead(client, Company=account["Account_Name"])
    answer = api(client, "post", f"/crm/api/Leads/{lead}/convert/")
    assert answer.status_code == 200, answer.content
    data = answer.json()["data"]
    assert set(data) == {"Contacts", "Accounts", "Deals"}
    assert data["Accounts"] == account["id"]  # the account of that name, not a new one
    assert data["Deals"] is None  # no deal asked for
    contact = client.get(f"/crm/api/Contacts/{data['Contacts']}/").json()["data"]
    assert contact["Account_Name"]["id"] == account["id"]

    twice = api(client, "post", f"/crm/api/Leads/{lead}/convert/")
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "ID_ALREADY_CONVERTED"


def test_a_deal_without_its_stage_is_refused_naming_the_field(client, signed_in):
    lead = new_lead(client)
    answer = api(
        client, "post", f"/crm/api/Leads/{lead}/convert/", {"deal": {"Deal_Name": "No stage"}}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "Stage"
    assert api(client, "post", f"/crm/api/Leads/{lead}/convert/").status_code == 200
