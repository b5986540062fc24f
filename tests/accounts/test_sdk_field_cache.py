"""The SDK's field-metadata files are parsed once per version, and writes are never missed."""

from __future__ import annotations

import json

import pytest
from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.record import GetRecordsParam, RecordOperations
from zohocrmsdk.src.com.zoho.crm.api.util.utility import Utility

from accounts import activation
from zoho import field_cache as sdk_field_cache
from zoho import sdk as zoho_sdk

pytestmark = [pytest.mark.django_db, pytest.mark.signed_in_as("eu")]


def _lead_ids(connection) -> list[str]:
    with activation.activated(connection):
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


class _CountingLock:
    """Utility.lock stand-in that counts acquisitions."""

    def __init__(self, real):
        self.real = real
        self.acquired = 0

    def __enter__(self):
        self.real.acquire()
        self.acquired += 1
        return self

    def __exit__(self, *exc):
        self.real.release()


def test_a_module_already_in_the_file_skips_the_sdk_process_lock(
    connection, monkeypatch, settings, tmp_path
):
    settings.ZOHO_SDK_RESOURCE_DIR = tmp_path  # no metadata file for this connection yet
    lock = _CountingLock(Utility.lock)
    monkeypatch.setattr(Utility, "lock", lock)
    first = _lead_ids(connection)  # no file yet: the SDK's own path, under its lock
    assert lock.acquired >= 1
    lock.acquired = 0
    before = sdk_field_cache.stats()["lock_free"]
    assert _lead_ids(connection) == first
    assert lock.acquired == 0
    assert sdk_field_cache.stats()["lock_free"] - before == 1


def test_the_fast_path_rewrites_the_module_name_as_the_sdk_does(connection, zoho):
    _lead_ids(connection)
    before = zoho.client.stats()["api_calls_by_path"].get("/api/eu/crm/v8/Leads", 0)
    with activation.activated(connection):
        params = ParameterMap()
        params.add(GetRecordsParam.fields, "Last_Name")
        response = RecordOperations("leads").get_records(params)
        assert response.get_object().get_data()
    assert zoho.client.stats()["api_calls_by_path"]["/api/eu/crm/v8/Leads"] == before + 1


def test_a_refresh_under_way_takes_the_sdk_path(connection, monkeypatch):
    _lead_ids(connection)
    lock = _CountingLock(Utility.lock)
    monkeypatch.setattr(Utility, "lock", lock)
    monkeypatch.setattr(Utility, "get_modified_modules", True)
    _lead_ids(connection)
    assert lock.acquired >= 1


def test_a_fetch_in_progress_is_waited_for_through_the_sdk_lock(connection, monkeypatch):
    """The SDK writes `{module: {}}` before fetching the fields: never read that lock-free."""
    _lead_ids(connection)
    with activation.activated(connection):
        path = Utility.get_file_name()
    contents = json.loads(open(path).read())
    contents["leads"] = {}
    Utility.write_to_file(file_path=path, file_contents=contents)
    lock = _CountingLock(Utility.lock)
    monkeypatch.setattr(Utility, "lock", lock)
    assert len(_lead_ids(connection)) > 3
    assert lock.acquired >= 1


def test_a_connections_first_fetch_does_not_hold_up_another_connections(
    connect, demo_users, zoho, settings
):
    """The SDK fetches a connection's field file under its process-wide lock; the portal
    fetches it outside (`zoho.field_fetch.prefetch`): while one connection's fetch hangs at
    Zoho, another connection's first page goes through."""
    import threading

    settings.ZOHO_HTTP_TIMEOUT = 20
    slow = connect(demo_users["by_dc"]["eu"][0]["email"], client=None)
    quick = connect(demo_users["by_dc"]["us"][0]["email"], client=None)
    zoho.client.add_fault("/api/eu/crm/v8/settings/fields", match="prefix", delay_s=6, count=None)
    slow_done, errors = threading.Event(), []

    def first_page_of_slow():
        try:
            _lead_ids(slow)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            slow_done.set()

    worker = threading.Thread(target=first_page_of_slow)
    worker.start()
    try:
        # Until the slow connection's fetch is under way at Zoho.
        for _ in range(200):
            if zoho.client.faults()["faults"][0]["applied"]:
                break
            slow_done.wait(0.05)
        assert zoho.client.faults()["faults"][0]["applied"], errors
        assert len(_lead_ids(quick)) > 3  # its own first page: fields fetched and all
        assert not slow_done.is_set()  # done while the other one still waits on Zoho
    finally:
        zoho.client.clear_faults()
        worker.join(30)
    assert sdk_field_cache.stats()["prefetched"] >= 2


def test_a_module_the_profile_may_not_see_still_fails_as_the_sdk_says(connect, zoho):
    """A prefetch that Zoho refuses leaves the module to the SDK's own code and errors."""
    from zohocrmsdk.src.com.zoho.crm.api.exception import SDKException

    dana = connect("dana.ortiz@zylker-traders.com", org="720019234", client=None)
    params = ParameterMap()
    params.add(GetRecordsParam.fields, "Subject")
    with activation.activated(dana), pytest.raises(SDKException) as refused:
        RecordOperations("Quotes").get_records(params)
    assert refused.value.details["code"] == "NO_PERMISSION"
