"""Smaller things a new user trips over (issue 24, item 5): flash messages axe can read,
empty fields, and the home page telling the same story as Connections when Zoho forgets
the grant (an emulator restart, a revoked token)."""

from __future__ import annotations

import re

import pytest

from accounts.models import ZohoConnection

pytestmark = pytest.mark.django_db

PATRICIA = "patricia.boyle@zylker-traders.com"


def test_flash_messages_are_a_list_inside_a_status_region(client, sign_in):
    page = sign_in(PATRICIA)
    page = client.get(page["Location"]).text
    assert "Connected to Zylker Traders Inc." in page
    assert not re.search(r"<ul[^>]*role=\"(?!list\")", page)  # a list stays a list (listitem)
    assert re.search(r'<div role="status"><ul class="messages">\s*<li class="message', page)


def test_the_record_page_leaves_empty_fields_out_until_asked(client, connect, zoho):
    connect(PATRICIA)
    lead = client.get("/crm/api/Leads/", {"per_page": 1}).json()["data"][0]
    stored = zoho.app.state.orgs["720019234"].records["Leads"][lead["id"]]
    assert not stored.get("Secondary_Email")  # an empty field of every demo lead
    page = client.get(f"/crm/Leads/{lead['id']}/").text
    assert "<dt>Secondary Email</dt>" not in page and "<dt>Last Name</dt>" in page
    shown = re.search(r'<a href="\?empty=shown">Show (\d+) empty fields?</a>', page)
    assert shown and int(shown.group(1)) > 0
    everything = client.get(f"/crm/Leads/{lead['id']}/", {"empty": "shown"}).text
    assert "<dt>Secondary Email</dt>" in everything
    assert everything.count('<dd class="empty-value">Not set</dd>') == int(shown.group(1))
    assert '<a href="?">Hide empty fields</a>' in everything
    assert "—" not in everything.split("<main", 1)[1]  # no dashes read as "em dash"


def test_home_and_connections_agree_when_zoho_forgets_the_grant(client, connect, zoho):
    connect(PATRICIA)
    assert "Deals pipeline" in client.get("/").text
    with zoho.app.state.lock:  # what a restart of the emulator does: every token forgotten
        zoho.app.state.refresh_tokens.clear()
        zoho.app.state.access_tokens.clear()
    # The dashboard's parts meet the refusal: each says so as the page's one notice (the
    # script shows it once, tests/e2e/test_dashboard_parts_browser.py), then the page does.
    part = client.get("/crm/dashboard/tiles/Leads/").text
    assert part.startswith('<p class="error-message" data-reconsent>')
    assert client.get("/crm/dashboard/pipeline/").status_code == 403  # known now: asks no more
    home = client.get("/").text
    assert "This connection needs re-consent" in home
    assert home.count("Zoho no longer accepts this connection") == 0  # not once per tile
    assert 'href="/accounts/login/?consent=1"' in home
    connections = client.get("/accounts/connections/").text
    assert "Needs re-consent" in connections and ">Active<" not in connections
    assert ZohoConnection.objects.get().status == ZohoConnection.Status.NEEDS_RECONSENT


def test_connections_says_reconnect_when_the_stored_token_cannot_be_read(client, connect, settings):
    """Tokens written with a key this host does not have: the CRM pages answer "Reconnect
    needed", and so does Connections (it said "Active")."""
    from cryptography.fernet import Fernet

    connect(PATRICIA)
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert "Reconnect needed" in client.get("/crm/Leads/").text
    row = client.get("/accounts/connections/").text.split("<tbody>", 1)[1]
    assert "Reconnect needed (its stored token cannot be read here)" in row
    assert ">Active<" not in row and "/accounts/login/?consent=1" in row
