"""ZOHO_HTTP_KEEPALIVE: the SDK's HTTP reuses pooled connections, with a timeout on every call.

Counted at the emulator (`api_connections`: TCP connections that carried OAuth or CRM
traffic), over real HTTP, with the installed SDK unmodified.
"""

from __future__ import annotations

import pytest
import requests
from zohocrmsdk.src.com.zoho.crm.api.exception import SDKException
from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.record import (
    BodyWrapper,
    GetRecordsParam,
    Record,
    RecordOperations,
)
from zohocrmsdk.src.com.zoho.crm.api.record import ResponseWrapper as RecordsResponseWrapper

from accounts import activation
from accounts.models import ZohoConnection
from zoho import transport as zoho_http

pytestmark = [pytest.mark.django_db, pytest.mark.signed_in_as("eu")]

CALLS = 100


def _lead_pages(connection: ZohoConnection, calls: int) -> list[list[str]]:
    """`calls` sequential `get_records` calls inside one activation: the ids of each page."""
    pages = []
    with activation.activated(connection):
        for _ in range(calls):
            params = ParameterMap()
            params.add(GetRecordsParam.fields, "Last_Name,Email")
            params.add(GetRecordsParam.per_page, 10)
            response = RecordOperations("Leads").get_records(params)
            wrapper = response.get_object()
            assert isinstance(wrapper, RecordsResponseWrapper), wrapper
            pages.append([str(record.get_id()) for record in wrapper.get_data()])
    return pages


def _connections_opened(zoho, block) -> tuple[int, object]:
    before = zoho.client.stats()["api_connections"]
    result = block()
    return zoho.client.stats()["api_connections"] - before, result


def test_keepalive_reuses_connections_and_gives_the_same_results(connection, zoho, settings):
    settings.ZOHO_HTTP_KEEPALIVE = True
    _lead_pages(connection, 1)  # field metadata fetched and cached: the rest is one call each
    pooled, pooled_pages = _connections_opened(zoho, lambda: _lead_pages(connection, CALLS))

    settings.ZOHO_HTTP_KEEPALIVE = False
    fresh, fresh_pages = _connections_opened(zoho, lambda: _lead_pages(connection, CALLS))

    assert pooled <= 2, f"keep-alive on opened {pooled} connections for {CALLS} calls"
    # Without keep-alive every call opens its own TCP connection.
    assert fresh >= CALLS, f"keep-alive off opened {fresh} connections for {CALLS} calls"
    assert pooled_pages == fresh_pages
    assert len(pooled_pages) == CALLS and len(pooled_pages[0]) == 10


def test_keepalive_is_on_by_default_and_pools_per_thread():
    from django.conf import settings as django_settings

    assert django_settings.ZOHO_HTTP_KEEPALIVE is True
    import threading

    seen = []
    worker = threading.Thread(target=lambda: seen.append(zoho_http.session()))
    worker.start()
    worker.join()
    assert zoho_http.session() is zoho_http.session()
    assert seen[0] is not zoho_http.session()  # requests.Session is not thread-safe


@pytest.mark.parametrize("keepalive", [True, False])
def test_every_sdk_method_gets_a_timeout(connection, zoho, settings, keepalive):
    """The SDK itself gives only GET a timeout; a hung POST must not hang the worker."""
    settings.ZOHO_HTTP_KEEPALIVE = keepalive
    settings.ZOHO_HTTP_TIMEOUT = 0.5
    zoho.client.add_fault("/api/eu/crm/v8/Leads", method="POST", delay_s=3)
    record = Record()
    record.add_key_value("Last_Name", "Timeout")
    body = BodyWrapper()
    body.set_data([record])
    with pytest.raises(SDKException) as raised, activation.activated(connection):
        RecordOperations("Leads").create_records(body)
    assert isinstance(raised.value.cause, requests.Timeout)
