"""The SDK's field-metadata files are parsed once per version, and writes are never missed."""

from __future__ import annotations

import json

import pytest
from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.record import GetRecordsParam, RecordOperations
from zohocrmsdk.src.com.zoho.crm.api.util.utility import Utility

from accounts import sdk_field_cache, zoho_sdk
from accounts.models import ZohoConnection

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection(sign_in, demo_users):
    user = demo_users["by_dc"]["eu"][0]
    sign_in(user["email"])
    return ZohoConnection.objects.get(email=user["email"])


def _lead_ids(connection) -> list[str]:
    with zoho_sdk.activated(connection):
        params = ParameterMap()
        params.add(GetRecordsParam.fields, "Last_Name,Email")
        response = RecordOperations("Leads").get_records(params)
        return [str(record.get_id()) for record in response.get_object().get_data()]


def test_a_page_parses_the_metadata_file_at_most_once(connection):
    first = _lead_ids(connection)  # fetches and writes the field metadata
    before = sdk_field_cache.stats()
    assert _lead_ids(connection) == first
    after = sdk_field_cache.stats()
    assert len(first) > 3
    assert after["misses"] - before["misses"] <= 1
    assert after["hits"] - before["hits"] >= len(first)  # one read per record, from memory


def test_copies_are_independent_and_writes_are_seen(tmp_path):
    zoho_sdk.ensure_initialized()
    path = tmp_path / "fields.json"
    path.write_text(json.dumps({"leads": {"Email": {"type": "String"}}}))
    first = Initializer.get_json(str(path))
    first["contacts"] = {}  # the SDK adds or deletes top-level keys on what it read
    del first["leads"]
    assert Initializer.get_json(str(path)) == {"leads": {"Email": {"type": "String"}}}

    Utility.write_to_file(file_path=str(path), file_contents={"deals": {}})
    assert Initializer.get_json(str(path)) == {"deals": {}}
    path.write_text(json.dumps({"accounts": {"Phone": {}}}))  # a write the SDK makes itself
    assert Initializer.get_json(str(path)) == {"accounts": {"Phone": {}}}


def test_missing_file_raises_as_before(tmp_path):
    zoho_sdk.ensure_initialized()
    with pytest.raises(FileNotFoundError):
        Initializer.get_json(str(tmp_path / "absent.json"))


def test_the_cache_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(sdk_field_cache, "MAX_FILES", 3)
    for number in range(10):
        path = tmp_path / f"{number}.json"
        path.write_text("{}")
        sdk_field_cache.get_json(str(path))
    assert sdk_field_cache.stats()["files"] <= 3
