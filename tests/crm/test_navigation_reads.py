"""The reads behind navigation: record counts, layout sections, related lists and records,
lookups by name; each through the SDK against the emulator, cached like the metadata."""

from __future__ import annotations

import pytest

from accounts.models import ZohoConnection
from crm import metadata, relations, selectors, services

pytestmark = pytest.mark.django_db

US = ("patricia.boyle@zylker-traders.com", "720019234")  # Zylker Traders: 45 leads
UK = "harriet.ashworth@thamesgate-wholesale.co.uk"  # Thamesgate: 2,600 leads


def test_counts_come_from_zohos_count_api_and_are_cached(us, outbound):
    leads = metadata.module_get(connection=us, module="Leads")
    assert selectors.record_count(connection=us, module=leads) == 45
    calls = len(outbound)
    assert selectors.record_count(connection=us, module=leads) == 45
    assert len(outbound) == calls  # cached
    assert any(url.endswith("/Leads/actions/count") for url in outbound.urls)
    assert 0 < selectors.record_count(connection=us, module=leads, query="Inc") < 45


def test_a_create_or_delete_forgets_the_count(us):
    leads = metadata.module_get(connection=us, module="Leads")
    assert selectors.record_count(connection=us, module=leads) == 45
    created = services.records_create(
        connection=us, module=leads, records=[{"Company": "Co", "Last_Name": "Count"}]
    )
    assert selectors.record_count(connection=us, module=leads) == 46
    services.record_delete(connection=us, module=leads, record_id=int(created[0]["id"]))
    assert selectors.record_count(connection=us, module=leads) == 45


def test_the_big_org_counts_past_two_thousand(sign_in):
    sign_in(UK)
    uk = ZohoConnection.objects.get(email=UK)
    leads = metadata.module_get(connection=uk, module="Leads")
    assert selectors.record_count(connection=uk, module=leads) == 2600


def test_sections_follow_zohos_layout(us):
    leads = metadata.module_get(connection=us, module="Leads")
    sections = metadata.module_sections(connection=us, module=leads)
    labels = [s.label for s in sections]
    assert labels[0] == "Lead Information"
    assert "Address Information" in labels
    placed = [f.api_name for s in sections for f in s.fields]
    assert len(placed) == len(set(placed))  # each field once
    assert set(placed) == {f.api_name for f in leads.fields} - {"id"}  # and every field


def test_an_accounts_related_lists_hold_its_contacts_and_deals(us):
    accounts = metadata.module_get(connection=us, module="Accounts")
    first = selectors.record_page(connection=us, module=accounts, per_page=1).records[0]
    counts = relations.related_counts(connection=us, module=accounts, record_id=int(first["id"]))
    by_name = {r.api_name: r for r in counts}
    assert {"Contacts", "Deals"} <= set(by_name)
    assert "Emails" not in by_name  # Zoho serves no API for it
    contacts = relations.related_rows(
        connection=us, module=accounts, record_id=int(first["id"]), related_list="Contacts"
    )
    assert contacts.module.api_name == "Contacts"
    assert by_name["Contacts"].count >= len(contacts.records)
    for contact in contacts.records:
        detail = selectors.record_detail(
            connection=us, module=contacts.module, record_id=int(contact["id"])
        )
        assert detail["Account_Name"]["id"] == first["id"]


def test_lookup_search_finds_records_by_name(us):
    accounts = metadata.module_get(connection=us, module="Accounts")
    latest = selectors.lookup_search(connection=us, module=accounts, query="")
    assert latest and all(set(r) == {"id", "name"} for r in latest)
    name = latest[0]["name"]
    found = selectors.lookup_search(connection=us, module=accounts, query=name[:5])
    assert any(r["id"] == latest[0]["id"] for r in found)
    assert (
        selectors.record_name(connection=us, module=accounts, record_id=int(latest[0]["id"]))
        == name
    )
