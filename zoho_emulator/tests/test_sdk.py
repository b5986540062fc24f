"""The unmodified zohocrmsdk8_0 SDK against the emulator (custom DataCenter.Environment)."""

from __future__ import annotations

import csv

import pytest
from emulator_support import PATRICIA, SOFIA, ZYLKER_LABS, sdk_login
from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.api.authenticator.store.file_store import FileStore
from zohocrmsdk.src.com.zoho.crm.api import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.dc.data_center import DataCenter
from zohocrmsdk.src.com.zoho.crm.api.exception import SDKException
from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
from zohocrmsdk.src.com.zoho.crm.api.record import (
    ActionWrapper,
    APIException,
    BodyWrapper,
    DeleteRecordsParam,
    GetRecordsParam,
    Record,
    RecordOperations,
    ResponseWrapper,
    SearchRecordsParam,
    SuccessResponse,
)


def lookup_closure(emulator, zgid: str, module: str) -> set[str]:
    """The modules whose field metadata the SDK fetches for ``module``: the module and every
    module its lookups, subforms and linking modules (and theirs, and so on) point at;
    What_Id's "se_module" is not one."""
    org = emulator.app.state.orgs[zgid]
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for fd in org.schema.fields(name).values():
            if fd.data_type == "lookup" and fd.lookup_module not in (None, "se_module"):
                todo.append(fd.lookup_module)
            if fd.subform_module:
                todo.append(fd.subform_module)
            if fd.extra.get("linking"):  # a multi-select/multi-user lookup's linking module
                todo.append(fd.extra["linking"][0])
    return seen


def stored_rows(tmp_path):
    with open(tmp_path / "tokens.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def get_leads(fields="Last_Name,Email,Owner", **params):
    pm = ParameterMap()
    pm.add(GetRecordsParam.fields, fields)
    for key, value in params.items():
        pm.add(getattr(GetRecordsParam, key), value)
    return RecordOperations("Leads").get_records(pm)


def test_sdk_code_exchange_names_the_user_email_zgid(emulator, tmp_path):
    sdk_login(emulator, tmp_path, PATRICIA, "us", org=ZYLKER_LABS)
    rows = stored_rows(tmp_path)
    assert len(rows) == 1
    assert rows[0]["user_name"] == f"{PATRICIA}:{ZYLKER_LABS}"
    assert rows[0]["api_domain"] == emulator.api_domain("us")
    assert rows[0]["refresh_token"].startswith("1000.")
    paths = emulator.client.stats()["api_calls_by_path"]
    assert paths == {"/api/us/crm/v8/users": 1, "/api/us/crm/v8/org": 1}


@pytest.mark.parametrize(("email", "dc"), [(PATRICIA, "us"), (SOFIA, "eu")])
def test_sdk_records_crud_and_search(emulator, tmp_path, email, dc):
    sdk_login(emulator, tmp_path, email, dc)

    response = get_leads(per_page=5, page=1)
    assert response.get_status_code() == 200
    wrapper = response.get_object()
    assert isinstance(wrapper, ResponseWrapper)
    records = wrapper.get_data()
    assert len(records) == 5
    assert all(isinstance(r.get_id(), int) for r in records)
    assert records[0].get_key_value("Owner").get_name()
    assert wrapper.get_info().get_more_records() is True

    body = BodyWrapper()
    good = Record()
    good.add_key_value("Last_Name", "Sdk-Made")
    good.add_key_value("Email", f"sdk-made@{dc}.example")
    good.add_key_value("No_of_Employees", 42)
    good.add_key_value("Company", "Sdk Co")
    bad = Record()
    bad.add_key_value("Last_Name", "Bad")
    bad.add_key_value("Company", "Sdk Co")
    bad.add_key_value("Email", "nope")
    body.set_data([good, bad])
    response = RecordOperations("Leads").create_records(body)
    assert response.get_status_code() == 207
    results = response.get_object().get_data()
    assert isinstance(response.get_object(), ActionWrapper)
    assert (
        isinstance(results[0], SuccessResponse) and results[0].get_code().get_value() == "SUCCESS"
    )
    assert (
        isinstance(results[1], APIException) and results[1].get_code().get_value() == "INVALID_DATA"
    )
    assert results[1].get_details()["api_name"] == "Email"
    new_id = int(results[0].get_details()["id"])

    update = BodyWrapper()
    changed = Record()
    changed.add_key_value("City", "Springfield")
    update.set_data([changed])
    response = RecordOperations("Leads").update_record(new_id, update)
    assert response.get_status_code() == 200
    response = RecordOperations("Leads").get_record(new_id)
    assert response.get_object().get_data()[0].get_key_value("City") == "Springfield"

    pm = ParameterMap()
    pm.add(SearchRecordsParam.criteria, "(Last_Name:equals:Sdk-Made)")
    response = RecordOperations("Leads").search_records(pm)
    assert [r.get_id() for r in response.get_object().get_data()] == [new_id]

    pm = ParameterMap()
    pm.add(DeleteRecordsParam.ids, str(new_id))
    response = RecordOperations("Leads").delete_records(pm)
    assert response.get_object().get_data()[0].get_status().get_value() == "success"
    assert RecordOperations("Leads").get_record(new_id).get_status_code() == 204

    # the SDK fetched the field metadata once per module (Leads and the modules its lookups
    # reach) and cached it per user
    paths = emulator.client.stats()["api_calls_by_path"]
    zgid = {"us": "720019234", "eu": "20071245781"}[dc]
    reached = lookup_closure(emulator, zgid, "Leads")
    assert {"Leads", "Accounts", "Contacts", "Deals"} <= reached
    assert paths[f"/api/{dc}/crm/v8/settings/fields"] == len(reached)
    assert (tmp_path / "resources").is_dir()


def test_sdk_contacts_lookup_metadata_follows_accounts(emulator, tmp_path):
    sdk_login(emulator, tmp_path, SOFIA, "eu")
    pm = ParameterMap()
    pm.add(GetRecordsParam.fields, "Last_Name,Account_Name")
    response = RecordOperations("Contacts").get_records(pm)
    record = response.get_object().get_data()[0]
    account = record.get_key_value("Account_Name")
    assert isinstance(account, Record) and account.get_id() and account.get_key_value("name")
    fields_calls = [
        p for p in emulator.client.stats()["api_calls_by_path"] if p.endswith("settings/fields")
    ]
    assert fields_calls == ["/api/eu/crm/v8/settings/fields"]


def test_sdk_refreshes_when_its_token_is_about_to_expire(emulator, tmp_path, monkeypatch):
    # The SDK refreshes only when fewer than 5 s remain: a 4 s lifetime makes every call refresh.
    monkeypatch.setattr(emulator.app, "access_token_ttl", 4)
    # Leads' metadata reaches more modules than Zoho's 10 refreshes per 10 minutes allow
    # when every call refreshes: the throttle is not what this test is about.
    monkeypatch.setattr("zoho_emulator.state.REFRESH_PER_WINDOW", 100)
    sdk_login(emulator, tmp_path, SOFIA, "eu")
    first_access = stored_rows(tmp_path)[0]["access_token"]
    assert get_leads().get_status_code() == 200
    assert get_leads().get_status_code() == 200
    stats = emulator.client.stats()
    refresh_token = stored_rows(tmp_path)[0]["refresh_token"]
    # settings/fields per module (first records call only) + two records calls, each after its
    # own refresh
    calls = len(lookup_closure(emulator, "20071245781", "Leads")) + 2
    assert stats["refresh_calls_by_refresh_token"] == {refresh_token: calls}
    after_login = {t: n for t, n in stats["api_calls_by_access_token"].items() if t != first_access}
    assert len(after_login) == calls and set(after_login.values()) == {1}
    assert stored_rows(tmp_path)[0]["access_token"] in after_login


def test_sdk_sees_401_for_a_server_side_expired_token_then_recovers_after_refresh(
    emulator, tmp_path
):
    sdk_login(emulator, tmp_path, SOFIA, "eu")
    assert get_leads().get_status_code() == 200
    assert emulator.client.expire_tokens(email=SOFIA) == 1
    response = get_leads()
    # The SDK trusts its own stored expiry: no refresh, the 401 comes back as an APIException.
    assert response.get_status_code() == 401
    assert response.get_object().get_code().get_value() == "INVALID_TOKEN"
    # Make the stored expiry say "expired" (as it would be an hour later): the SDK refreshes.
    rows = stored_rows(tmp_path)
    rows[0]["expiry_time"] = "1000"
    with open(tmp_path / "tokens.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    api = emulator.api_domain("eu")
    Initializer.initialize(
        environment=DataCenter.Environment(api, emulator.token_url("eu"), api),
        token=OAuthToken(id=rows[0]["id"]),
        store=FileStore(str(tmp_path / "tokens.csv")),
        resource_path=str(tmp_path),
    )
    assert get_leads().get_status_code() == 200
    assert emulator.client.stats()["token_calls"]["refresh_token"] == 1


def test_sdk_revoke_call_shape_kills_the_tokens(emulator, tmp_path):
    sdk_login(emulator, tmp_path, SOFIA, "eu")
    assert get_leads().get_status_code() == 200  # caches field metadata
    row = stored_rows(tmp_path)[0]
    # OAuthToken.revoke() with a FileStore never reaches the server; the static helper it would
    # call posts token=<refresh> to accounts_url + "/revoke", which is what we exercise here.
    assert (
        OAuthToken.revoke_refresh_token(row["refresh_token"], emulator.token_url("eu") + "/revoke")
        is True
    )
    response = get_leads()
    assert response.get_status_code() == 401
    assert emulator.client.stats()["revoke_calls"] == 1


def test_sdk_token_from_one_dc_is_refused_by_another(emulator, tmp_path):
    sdk_login(emulator, tmp_path, SOFIA, "eu")
    access = stored_rows(tmp_path)[0]["access_token"]
    us_api = emulator.api_domain("us")
    Initializer.initialize(
        environment=DataCenter.Environment(us_api, emulator.token_url("us"), us_api),
        token=OAuthToken(access_token=access, find_user=False),
        store=FileStore(str(tmp_path / "t2.csv")),
        resource_path=str(tmp_path),
    )
    # The SDK first needs Leads field metadata; the US API refuses the EU token.
    with pytest.raises(SDKException, match="INVALID_TOKEN"):
        get_leads()
    stats = emulator.client.stats()
    assert stats["api_calls_by_dc"]["us"] >= 1
    assert stats["api_errors_by_code"]["INVALID_TOKEN"] >= 1
