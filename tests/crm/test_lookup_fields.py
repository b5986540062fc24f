"""Lookup (e.g. a Contact's Account) and owner fields, written through the portal: the JSON
API, the forms and the detail page, through the emulator over real HTTP and the real SDK."""

from __future__ import annotations

import json

import pytest

from zoho_emulator import seed

pytestmark = pytest.mark.django_db

US_ORG = "720019234"  # Zylker Traders: Patricia Boyle and Marcus Webb


def crm_user_id(email: str, zgid: str) -> str:
    """A user's CRM id in an org, as the emulator seeds it."""
    return next(u for u in seed.USERS if u.email == email).crm_ids[zgid]


PATRICIA = "patricia.boyle@zylker-traders.com"
MARCUS = "marcus.webb@zylker-traders.com"
SOFIA = "sofia.lindqvist@nordwind-logistik.de"


@pytest.fixture
def signed_in(sign_in, zoho):
    sign_in(PATRICIA, org=US_ORG)


def api(client, method, url, body):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def first_ids(client, module, count=2):
    return [r["id"] for r in client.get(f"/crm/api/{module}/?per_page={count}").json()["data"]]


def get(client, module, record_id):
    return client.get(f"/crm/api/{module}/{record_id}/").json()["data"]


# --- JSON API -------------------------------------------------------------------------------
def test_fields_say_lookup_module_and_owner_is_writable(client, signed_in):
    fields = {f["api_name"]: f for f in client.get("/crm/api/Deals/fields/").json()["data"]}
    assert fields["Account_Name"]["lookup_module"] == "Accounts"
    assert fields["Contact_Name"]["lookup_module"] == "Contacts"
    assert fields["Account_Name"]["read_only"] is False
    assert fields["Owner"]["read_only"] is False and fields["Owner"]["lookup_module"] is None
    assert fields["Created_By"]["read_only"] is True
    assert fields["Deal_Name"]["lookup_module"] is None


@pytest.mark.parametrize("shape", ["object", "string"])
def test_create_and_update_a_lookup_in_both_shapes(client, signed_in, shape):
    first, second = first_ids(client, "Accounts")

    def value(ident):
        return {"id": ident} if shape == "object" else ident

    created = api(
        client, "post", "/crm/api/Contacts/", {"Last_Name": "Lookup", "Account_Name": value(first)}
    )
    assert created.status_code == 201, created.content
    contact = created.json()["data"]["id"]
    account = get(client, "Contacts", contact)["Account_Name"]
    assert (
        account["id"] == first and account["name"] == get(client, "Accounts", first)["Account_Name"]
    )

    patched = api(client, "patch", f"/crm/api/Contacts/{contact}/", {"Account_Name": value(second)})
    assert patched.status_code == 200, patched.content
    assert get(client, "Contacts", contact)["Account_Name"]["id"] == second


def test_a_read_lookup_can_be_sent_back_as_is(client, signed_in):
    contact = first_ids(client, "Contacts", 1)[0]
    record = get(client, "Contacts", contact)
    patched = api(
        client,
        "patch",
        f"/crm/api/Contacts/{contact}/",
        {"Owner": record["Owner"], "Account_Name": record["Account_Name"]},
    )
    assert patched.status_code == 200, patched.content


def test_null_clears_a_lookup(client, signed_in):
    account = first_ids(client, "Accounts", 1)[0]
    created = api(
        client, "post", "/crm/api/Contacts/", {"Last_Name": "Clear", "Account_Name": account}
    )
    contact = created.json()["data"]["id"]
    patched = api(client, "patch", f"/crm/api/Contacts/{contact}/", {"Account_Name": None})
    assert patched.status_code == 200, patched.content
    assert get(client, "Contacts", contact)["Account_Name"] is None


@pytest.mark.parametrize(
    "bad",
    [
        "abc",
        "12a",
        "-5",
        "1.5",
        "1" * 20,
        "99999999999999999999",
        {"name": "x"},
        {"id": "x"},
        {"id": None},
        True,
        1.5,
        ["1"],
    ],
)
def test_a_malformed_id_is_refused_before_anything_is_sent(client, signed_in, zoho, bad):
    before = zoho.client.stats()["api_calls_by_path"]
    for name in ("Account_Name", "Owner"):
        answer = api(client, "post", "/crm/api/Contacts/", {"Last_Name": "Bad", name: bad})
        assert answer.status_code == 400, (bad, answer.content)
        error = answer.json()["error"]
        assert error["field"] == name and "must be the id" in error["message"]
    writes = {k: v for k, v in zoho.client.stats()["api_calls_by_path"].items() if "Contacts" in k}
    assert writes == {k: v for k, v in before.items() if "Contacts" in k}


def test_an_unknown_lookup_id_is_a_400_naming_the_field(client, signed_in):
    contact = first_ids(client, "Contacts", 1)[0]
    answer = api(
        client, "patch", f"/crm/api/Contacts/{contact}/", {"Account_Name": "4150868000000999999"}
    )
    assert answer.status_code == 400, answer.content
    error = answer.json()["error"]
    assert error["field"] == "Account_Name" and error["code"] == "INVALID_DATA"
    assert "no record in Accounts has the id 4150868000000999999" in error["message"]
    assert "invalid data" in error["message"]  # Zoho's own words

    created = api(
        client,
        "post",
        "/crm/api/Contacts/",
        {"Last_Name": "Nobody", "Account_Name": {"id": "12345"}},
    )
    assert created.status_code == 400 and created.json()["error"]["field"] == "Account_Name"


def test_a_batch_names_the_record_with_an_unknown_lookup(client, signed_in):
    answer = api(
        client,
        "post",
        "/crm/api/Deals/",
        [
            {
                "Deal_Name": "Good",
                "Stage": "Qualification",
                "Account_Name": first_ids(client, "Accounts", 1)[0],
            },
            {"Deal_Name": "Bad", "Stage": "Qualification", "Contact_Name": {"id": "12345"}},
        ],
    )
    assert answer.status_code == 207, answer.content
    good, bad = answer.json()["data"]
    assert good["status"] == "success"
    assert bad["field"] == "Contact_Name" and "no record in Contacts" in bad["message"]


def test_owner_can_be_another_active_user_of_the_org(client, signed_in):
    marcus = crm_user_id(MARCUS, US_ORG)
    created = api(
        client,
        "post",
        "/crm/api/Leads/",
        {"Last_Name": "Owned", "Company": "Own Co", "Owner": {"id": marcus}},
    )
    assert created.status_code == 201, created.content
    lead = created.json()["data"]["id"]
    assert get(client, "Leads", lead)["Owner"] == {
        "id": marcus,
        "name": "Marcus Webb",
        "email": MARCUS,
    }

    patricia = crm_user_id(PATRICIA, US_ORG)
    patched = api(client, "patch", f"/crm/api/Leads/{lead}/", {"Owner": patricia})
    assert patched.status_code == 200, patched.content
    assert get(client, "Leads", lead)["Owner"]["id"] == patricia


@pytest.mark.parametrize(
    ("email", "zgid"),
    [(SOFIA, "20071245781"), (PATRICIA, "720019877")],  # another org; oneself in another org
)
def test_owner_from_another_org_is_refused(client, signed_in, email, zgid):
    lead = first_ids(client, "Leads", 1)[0]
    owner = get(client, "Leads", lead)["Owner"]
    stranger = crm_user_id(email, zgid)
    answer = api(client, "patch", f"/crm/api/Leads/{lead}/", {"Owner": {"id": stranger}})
    assert answer.status_code == 400, answer.content
    error = answer.json()["error"]
    assert error["field"] == "Owner" and "not an active user of this org" in error["message"]
    assert get(client, "Leads", lead)["Owner"] == owner

    created = api(
        client, "post", "/crm/api/Leads/", {"Last_Name": "X", "Company": "Y", "Owner": stranger}
    )
    assert created.status_code == 400 and created.json()["error"]["field"] == "Owner"


def test_owner_cannot_be_cleared_and_defaults_to_me_on_create(client, signed_in):
    lead = first_ids(client, "Leads", 1)[0]
    owner = get(client, "Leads", lead)["Owner"]
    for empty in (None, "", {"id": ""}):
        answer = api(client, "patch", f"/crm/api/Leads/{lead}/", {"Owner": empty})
        if empty == {"id": ""}:
            assert answer.status_code == 400 and answer.json()["error"]["field"] == "Owner"
            continue
        assert answer.status_code == 400, answer.content
        assert answer.json()["error"]["field"] == "Owner"
        assert "cannot be cleared" in answer.json()["error"]["message"]
    assert get(client, "Leads", lead)["Owner"] == owner

    created = api(
        client, "post", "/crm/api/Leads/", {"Last_Name": "Mine", "Company": "Me", "Owner": None}
    )
    assert created.status_code == 201, created.content
    mine = get(client, "Leads", created.json()["data"]["id"])["Owner"]
    assert mine["id"] == crm_user_id(PATRICIA, US_ORG)
