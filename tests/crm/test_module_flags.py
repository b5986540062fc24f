"""Tabs from Zoho's module flags (`show_as_tab`, `status`, `generated_type`) and related lists
as Zoho's samples describe them (`module: null` for Notes, hidden statuses, no `visible`)."""

from __future__ import annotations

import re

import pytest

from crm import metadata, relations

pytestmark = pytest.mark.django_db

US = ("patricia.boyle@zylker-traders.com", "720019234")  # Zylker Traders
NOT_TABS = ("Notes", "Attachments", "Quoted_Items", "Invoiced_Items")


def test_only_tabs_are_in_the_header_the_dashboard_and_list_pages(client, us):
    home = client.get("/").text
    nav = home.split('aria-label="Modules"')[1].split("</nav>")[0]
    assert 'href="/crm/Leads/"' in nav
    for module in NOT_TABS:
        assert f'href="/crm/{module}/"' not in home, module  # neither tab, tile nor "All"
        listing = client.get(f"/crm/{module}/")
        assert listing.status_code == 404, module
    assert "open them from the record they belong to" in client.get("/crm/Notes/").text
    offered = {m["api_name"]: m for m in client.get("/crm/api/modules/").json()["data"]}
    assert offered["Leads"]["tab"] is True
    assert offered["Notes"]["tab"] is False  # its records are still there through the API
    assert offered["Quoted_Items"]["tab"] is False


def _account_with_notes(client) -> tuple[str, str]:
    """An account with a note (through the JSON API: Notes are no list page) and the note."""
    notes = client.get("/crm/api/Notes/?per_page=200").json()["data"]
    for note in notes:
        parent = note.get("Parent_Id") or {}
        if note.get("$se_module") == "Accounts" and parent.get("id"):
            return parent["id"], note["id"]
    pytest.fail("the demo org has no note on an account")


def test_notes_are_reached_from_their_record(client, us):
    account, note = _account_with_notes(client)
    page = client.get(f"/crm/Accounts/{account}/").text
    side = page.split('aria-label="Related records"')[1]
    assert '<h2 id="notes-title">Notes <span class="pill">1' in page  # its own card, counted
    shown = client.get(f"/crm/Accounts/{account}/?notes=shown").text  # the card's rows
    note_id = f"/crm/Accounts/{account}/notes/{note}/edit/"
    assert note_id in shown  # the note itself, with its Edit link
    note_page = client.get(f"/crm/Notes/{note}/")
    assert note_page.status_code == 200
    assert 'href="/crm/Notes/"' not in note_page.text  # the breadcrumb names, never links it
    deleted = client.post(f"/crm/Notes/{note}/delete/", {"title": "a note"})
    assert deleted.status_code == 302 and deleted["Location"] == "/"  # not a 404 list
    assert re.search(r'<h2 id="related-\d+">Contacts</h2>', side) or "<li>Contacts</li>" in side


def test_hidden_related_lists_are_skipped(client, us):
    accounts = metadata.module_get(connection=us, module="Accounts")
    meta = {e["api_name"]: e for e in relations.related_list_meta(connection=us, module=accounts)}
    assert {"Contacts", "Deals", "Tasks", "Notes", "Attachments"} <= set(meta)
    assert meta["Notes"]["module"] == "Notes"  # Zoho's module: null, named by api_name
    assert "Sales_Orders" not in meta  # status user_hidden
    assert "Cases" not in meta  # status scheduled_for_deletion
    assert "Emails" not in meta  # module null and not a module: no records API
    account = client.get("/crm/api/Accounts/?per_page=1").json()["data"][0]["id"]
    assert client.get(f"/crm/Accounts/{account}/related/Cases/").status_code == 404
    assert client.get(f"/crm/Accounts/{account}/related/Contacts/").status_code == 200
