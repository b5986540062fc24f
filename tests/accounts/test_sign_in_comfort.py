"""Sign-in comfort: `next` from every prompt, switching org keeps your place, a disconnect
says which connection is active now, the demo from `localhost`, and a sign-out page."""

from __future__ import annotations

import pytest

from accounts import services
from accounts.models import ZohoConnection

pytestmark = pytest.mark.django_db

PATRICIA = "patricia.boyle@zylker-traders.com"
TRADERS, LABS = "720019234", "720019877"  # Shipments in Traders, Experiments in Labs


@pytest.fixture
def two_orgs(sign_in):
    sign_in(PATRICIA, org=TRADERS)
    sign_in(PATRICIA, org=LABS)
    return {c.org.zgid: c for c in ZohoConnection.objects.select_related("org")}


def _switch(client, connection, next_url):
    return client.post(
        "/accounts/connections/switch/", {"connection": connection.pk, "next": next_url}
    )


def test_switching_org_keeps_the_module_page_when_the_other_org_has_it(client, two_orgs):
    response = _switch(client, two_orgs[TRADERS], "/crm/Deals/?page=2&per_page=10&sort_by=Stage")
    assert response["Location"] == "/crm/Deals/?per_page=10&sort_by=Stage"  # page 2 is per org
    assert client.session[services.SESSION_ACTIVE_KEY] == two_orgs[TRADERS].pk
    deal = client.get("/crm/api/Deals/?per_page=1").json()["data"][0]["id"]
    on_record = _switch(client, two_orgs[LABS], f"/crm/Deals/{deal}/")
    assert on_record["Location"] == "/crm/Deals/"  # record ids are per org: its list
    assert _switch(client, two_orgs[LABS], "/crm/Deals/new/")["Location"] == "/crm/Deals/new/"
    # Zylker Labs has no Shipments (its custom module is Experiments): home.
    assert _switch(client, two_orgs[LABS], "/crm/Shipments/")["Location"] == "/"
    assert _switch(client, two_orgs[LABS], "//evil.example/")["Location"] == "/"
    assert _switch(client, two_orgs[LABS], "/accounts/connections/")["Location"] == (
        "/accounts/connections/"
    )


def test_the_switcher_carries_the_page_you_are_on(client, two_orgs):
    page = client.get("/crm/Leads/?per_page=50").text
    switcher = page.split('id="connection-switcher"')[1].split("</form>")[0]
    assert '<input type="hidden" name="next" value="/crm/Leads/?per_page=50">' in switcher


def test_disconnecting_the_active_connection_names_the_one_now_active(client, two_orgs):
    active = two_orgs[LABS]
    assert client.session[services.SESSION_ACTIVE_KEY] == active.pk
    response = client.post(f"/accounts/connections/{active.pk}/disconnect/", follow=True)
    text = response.content.decode()
    assert "Disconnected Zylker Labs LLC" in text
    assert f"Now working in Zylker Traders Inc. (US) as {PATRICIA}." in text
    last = two_orgs[TRADERS]
    text = client.post(f"/accounts/connections/{last.pk}/disconnect/", follow=True).text
    assert "You have no Zoho connection left" in text


def test_every_sign_in_prompt_carries_next(client, zoho):
    redirected = client.get("/crm/Deals/?page=2")
    home = client.get(redirected["Location"]).text
    assert home.count('href="/accounts/login/?next=/crm/Deals/%3Fpage%3D2"') == 2  # header, hero
    # A signed-out visitor on any other page: the header's sign-in link brings them back.
    logout_page = client.get("/accounts/logout/").text
    assert 'href="/accounts/login/"' in logout_page


def test_a_reconnect_prompt_carries_next(client, sign_in):
    sign_in(PATRICIA, org=TRADERS)
    ZohoConnection.objects.update(status=ZohoConnection.Status.NEEDS_RECONSENT)
    page = client.get("/crm/Leads/").text
    assert 'href="/accounts/login/?next=/crm/Leads/">Sign in with Zoho again' in page


def test_a_sign_in_from_localhost_moves_to_the_redirect_uris_host(client, zoho, settings):
    settings.ZOHO_DEMO_MODE = True  # what `make run` is; a production site has one host
    settings.ZOHO_REDIRECT_URI = "http://127.0.0.1:8000/accounts/callback/"
    response = client.get(
        "/accounts/login/?next=/crm/Deals/%3Fpage%3D2", HTTP_HOST="localhost:8000"
    )
    assert response.status_code == 302
    assert response["Location"] == (
        "http://127.0.0.1:8000/accounts/login/?next=%2Fcrm%2FDeals%2F%3Fpage%3D2"
    )
    assert services.SESSION_OAUTH_KEY not in client.session  # no state left on localhost
    there = client.get("/accounts/login/?next=/crm/Deals/", HTTP_HOST="127.0.0.1:8000")
    assert there["Location"].startswith(zoho.auth_url("us"))
    settings.ZOHO_DEMO_MODE = False  # behind a proxy a host name may differ: no move
    assert client.get("/accounts/login/", HTTP_HOST="localhost:8000")["Location"].startswith(
        zoho.auth_url("us")
    )


def test_get_logout_shows_a_sign_out_button_and_signs_nobody_out(client, sign_in):
    sign_in(PATRICIA)
    page = client.get("/accounts/logout/")
    assert page.status_code == 200
    assert '<button type="submit" class="primary">Sign out</button>' in page.text
    assert "_auth_user_id" in client.session
