"""In a real browser, at US, EU and UK: every module of the demo org opens, lists and shows a
record (standard, activities, inventory and the org's custom module); a restricted profile
sees a clear 403."""

import pytest

from tests.e2e.browser import signed_in

pytestmark = pytest.mark.django_db(transaction=True)

ORGS = {
    "us": ("patricia.boyle@zylker-traders.com", "720019234"),  # has the custom Shipments
    "eu": ("sofia.lindqvist@nordwind-logistik.de", None),
    "uk": ("harriet.ashworth@thamesgate-wholesale.co.uk", None),  # 2,600 leads
}


@pytest.mark.parametrize("dc", ORGS)
def test_every_module_lists_and_opens_a_record(page, portal, zoho, dc):
    email, org = ORGS[dc]
    signed_in(page, portal.url, zoho, email, org)
    assert dc.upper() in page.get_by_label("Active Zoho connection").inner_text()
    modules = page.evaluate(
        "fetch('/crm/api/modules/').then(r => r.json())"
        ".then(j => j.data.filter(m => m.tab).map(m => m.api_name))"
    )
    assert {"Leads", "Tasks", "Events", "Calls", "Products", "Quotes"} <= set(modules)
    if dc == "us":
        assert "Shipments" in modules  # the org's custom module
    assert not {"Notes", "Attachments", "Quoted_Items"} & set(modules)  # not tabs at Zoho
    opened = []
    for module in modules:
        page.goto(f"{portal.url}/crm/{module}/")
        assert page.locator("h1").inner_text(), module
        first = page.locator("table tbody tr td a").first
        if not first.count():  # a module with no records yet in this org
            continue
        first.click()
        page.wait_for_url(f"{portal.url}/crm/{module}/*/")
        assert page.locator("dl.fields dt").count() > 3, module
        opened.append(module)
    assert len(opened) >= len(modules) - 2, set(modules) - set(opened)


def test_a_restricted_profile_sees_a_clear_403(page, portal, zoho):
    page.allowed_console_errors.append("status of 403")
    signed_in(page, portal.url, zoho, "dana.ortiz@zylker-traders.com", "720019234")
    response = page.goto(f"{portal.url}/crm/Quotes/")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "Not allowed by your Zoho profile"
    assert page.get_by_role("link", name="Sign in with Zoho again").count() == 0
