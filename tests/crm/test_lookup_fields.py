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


def api(client, method, url, body):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def first_ids(client, module, count=2):
    return [r["id"] for r in client.get(f"/crm/api/{module}/?per_page={count}").json()["data"]]


def zoho_calls(zoho, path_suffix):
    return sum(
        v for k, v in zoho.client.stats()["api_calls_by_path"].items() if k.endswith(path_suffix)
    )


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


def test_users_lists_who_may_own_a_record(client, signed_in):
    answer = client.get("/crm/api/users/")
    assert answer.status_code == 200
    expected = [u for u in seed.USERS if US_ORG in u.orgs]
    assert answer.json()["data"] == [
        {"id": crm_user_id(u.email, US_ORG), "name": u.full_name, "email": u.email}
        for u in expected
    ]
    assert {PATRICIA, MARCUS} <= {u.email for u in expected}


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
    for name in ("Account_Name", "Owner"):
        answer = api(client, "post", "/crm/api/Contacts/", {"Last_Name": "Bad", name: bad})
        assert answer.status_code == 400, (bad, answer.content)
        error = answer.json()["error"]
        assert error["field"] == name
        # text is a name to look up (crm/lookup_text.py): none of these names an account
        assert "must be the id" in error["message"] or "no account is named" in error["message"]
    assert zoho_calls(zoho, "/crm/v8/Contacts") == 0


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


# --- forms ----------------------------------------------------------------------------------
def test_create_form_offers_the_orgs_active_users_as_owner(client, signed_in, zoho):
    signing_in = zoho_calls(zoho, "/crm/v8/users")  # the SDK's CurrentUser call
    page = client.get("/crm/Leads/new/").content.decode()
    patricia, marcus = crm_user_id(PATRICIA, US_ORG), crm_user_id(MARCUS, US_ORG)
    assert '<select name="Owner"' in page and '<label for="id_Owner">Lead Owner' in page
    assert f'<option value="{patricia}" selected>Patricia Boyle ({PATRICIA})</option>' in page
    assert f'<option value="{marcus}">Marcus Webb ({MARCUS})</option>' in page
    assert crm_user_id(SOFIA, "20071245781") not in page  # another org's user
    client.get("/crm/Contacts/new/")
    assert zoho_calls(zoho, "/crm/v8/users") == signing_in + 1  # cached like the other metadata

    response = client.post(
        "/crm/Leads/new/", {"Last_Name": "Handed", "Company": "Over Ltd", "Owner": marcus}
    )
    assert response.status_code == 302, response.content.decode()
    lead = response["Location"].rstrip("/").split("/")[-1]
    assert get(client, "Leads", lead)["Owner"]["id"] == marcus


def test_create_form_sets_a_lookup_by_id(client, signed_in):
    page = client.get("/crm/Contacts/new/").content.decode()
    assert '<label for="id_Account_Name">Account Name</label>' in page
    assert 'inputmode="numeric"' not in page  # a name may be typed too
    assert 'aria-describedby="id_Account_Name_helptext"' in page
    assert 'id="id_Account_Name_helptext">The name or id of a record in Accounts.' in page

    account = first_ids(client, "Accounts", 1)[0]
    response = client.post("/crm/Contacts/new/", {"Last_Name": "Linked", "Account_Name": account})
    assert response.status_code == 302, response.content.decode()
    contact = response["Location"].rstrip("/").split("/")[-1]
    assert get(client, "Contacts", contact)["Account_Name"]["id"] == account


def test_form_says_clearly_when_a_lookup_id_does_not_exist(client, signed_in, zoho):
    response = client.post(
        "/crm/Contacts/new/", {"Last_Name": "Dangling", "Account_Name": "4150868000000999999"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "no record in Accounts has the id 4150868000000999999" in page
    assert 'id="id_Account_Name_error"' in page and 'aria-invalid="true"' in page
    assert 'value="Dangling"' in page and 'value="4150868000000999999"' in page

    before = zoho_calls(zoho, "/crm/v8/Contacts")
    response = client.post("/crm/Contacts/new/", {"Last_Name": "Typo", "Account_Name": "12ab"})
    assert response.status_code == 400
    assert "no account is named “12ab”" in response.content.decode()
    assert zoho_calls(zoho, "/crm/v8/Contacts") == before  # nothing sent


def _linked_contact(client):
    account = first_ids(client, "Accounts", 1)[0]
    created = api(
        client, "post", "/crm/api/Contacts/", {"Last_Name": "Edited", "Account_Name": account}
    )
    return created.json()["data"]["id"], account


def test_edit_form_shows_current_owner_and_lookup(client, signed_in):
    contact, account = _linked_contact(client)
    account_name = get(client, "Accounts", account)["Account_Name"]
    page = client.get(f"/crm/Contacts/{contact}/edit/").content.decode()
    patricia = crm_user_id(PATRICIA, US_ORG)
    assert f'<option value="{patricia}" selected>Patricia Boyle ({PATRICIA})</option>' in page
    assert "Me (Zoho&#x27;s default)" not in page  # an owner cannot be cleared
    assert f'name="Account_Name" value="{account}"' in page
    assert f"Now: {account_name} (id {account})." in page


def _edit(client, module, record_id, changes, *, meanwhile=None):
    """Load the edit page, change `changes` as a browser user would, and post it; `meanwhile`
    is a change someone else makes after the page was loaded."""
    form = client.get(f"/crm/{module}/{record_id}/edit/").context["form"]
    values = {name: form[name].value() for name in form.fields}
    posted = {name: "" if v is None else v for name, v in values.items() if v is not False}
    posted.update({f"initial-{name}": "" if v is None else str(v) for name, v in values.items()})
    if meanwhile:
        api(client, "patch", f"/crm/api/{module}/{record_id}/", meanwhile)
    return client.post(f"/crm/{module}/{record_id}/edit/", {**posted, **changes})


def test_edit_form_changes_owner_and_lookup_sending_only_what_changed(client, signed_in):
    contact, account = _linked_contact(client)
    other_account = first_ids(client, "Accounts", 2)[1]
    marcus = crm_user_id(MARCUS, US_ORG)

    response = _edit(
        client, "Contacts", contact, {"Owner": marcus}, meanwhile={"Description": "Elsewhere"}
    )
    assert response.status_code == 302, response.content.decode()
    record = get(client, "Contacts", contact)
    assert record["Owner"]["id"] == marcus and record["Account_Name"]["id"] == account
    assert record["Description"] == "Elsewhere"  # untouched fields are not sent back

    # The lookup changed elsewhere meanwhile, the owner here: the lookup is kept.
    response = _edit(
        client,
        "Contacts",
        contact,
        {"Owner": crm_user_id(PATRICIA, US_ORG)},
        meanwhile={"Account_Name": other_account},
    )
    assert response.status_code == 302
    record = get(client, "Contacts", contact)
    assert record["Account_Name"]["id"] == other_account
    assert record["Owner"]["id"] == crm_user_id(PATRICIA, US_ORG)

    response = _edit(client, "Contacts", contact, {"Account_Name": account})
    assert response.status_code == 302
    assert get(client, "Contacts", contact)["Account_Name"]["id"] == account

    response = _edit(client, "Contacts", contact, {"Account_Name": ""})
    assert response.status_code == 302
    assert get(client, "Contacts", contact)["Account_Name"] is None

    response = _edit(client, "Contacts", contact, {})
    assert response.status_code == 302
    assert "Nothing was changed." in client.get(response["Location"]).content.decode()

    response = _edit(client, "Contacts", contact, {"Owner": ""})
    assert response.status_code == 400  # an owner cannot be cleared
    assert get(client, "Contacts", contact)["Owner"]["id"] == crm_user_id(PATRICIA, US_ORG)


def test_an_owner_no_longer_active_stays_selected(client, signed_in):
    from django.core.cache import cache

    from accounts.models import ZohoConnection
    from crm import metadata

    contact, account = _linked_contact(client)  # owned by Patricia
    patricia = crm_user_id(PATRICIA, US_ORG)
    connection = ZohoConnection.objects.get()
    marcus_only = [{"id": crm_user_id(MARCUS, US_ORG), "name": "Marcus Webb", "email": MARCUS}]
    # Patricia was deactivated:
    cache.set(metadata.metadata_key(connection, "users"), marcus_only, 300)

    page = client.get(f"/crm/Contacts/{contact}/edit/").content.decode()
    assert f'<option value="{patricia}" selected>Patricia Boyle ({PATRICIA}), not active' in page

    # An error elsewhere: shown again, the owner and the lookup's hint are kept.
    response = _edit(client, "Contacts", contact, {"Email": "not an email"})
    assert response.status_code == 400
    page = response.content.decode()
    assert f'<option value="{patricia}" selected>Patricia Boyle ({PATRICIA}), not active' in page
    assert f"(id {account})." in page


def test_detail_page_links_a_lookup_to_the_related_record(client, signed_in):
    contact, account = _linked_contact(client)
    account_name = get(client, "Accounts", account)["Account_Name"]
    page = client.get(f"/crm/Contacts/{contact}/").content.decode()
    assert f'<a href="/crm/Accounts/{account}/">{account_name}</a>' in page
    assert ">Patricia Boyle</dd>" in page  # the owner, by name
    assert client.get(f"/crm/Accounts/{account}/").status_code == 200
