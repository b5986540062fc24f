"""CRM records in a real browser: app.js data input, server-rendered edit and delete."""

import pytest

from tests.e2e.browser import sign_in_with_zoho, signed_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_on_data_input_then_edit_and_delete(page, portal, zoho, demo_users):
    user = demo_users["by_dc"]["us"][1]
    signed_in(page, portal.url, zoho, user["email"])
    page.get_by_role("link", name="Quick input").click()
    page.wait_for_selector("#quick-Last_Name")
    page.get_by_label("Last Name").fill("Browserton")
    page.get_by_label("Company").fill("Chromium Works")
    page.get_by_role("button", name="Create Lead").click()
    page.wait_for_selector("#quick-status:has-text('created')")
    page.wait_for_selector("#quick-list >> text=Browserton")

    # A bad value is caught next to its field before anything is sent.
    page.get_by_label("Last Name").fill("Second")
    page.get_by_label("Company").fill("Second Works")  # the Leads layout requires it
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Create Lead").click()
    page.wait_for_selector("#quick-Email-error:has-text('Email')")
    assert "Please correct Email" in page.inner_text("#quick-status")

    # The list page shows it; edit and delete through the server-rendered forms.
    page.goto(portal.url + "/crm/Leads/?q=Browserton")
    page.get_by_role("link", name="Browserton").click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Last Name").fill("Browserton-Edited")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Lead saved.")
    assert "Browserton-Edited" in page.inner_text("h1")
    page.get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete").click()
    page.wait_for_selector("text=deleted.")
    page.goto(portal.url + "/crm/Leads/?q=Browserton")
    assert "No leads match" in page.content()


def test_the_latest_list_shows_the_columns_the_list_api_returns(page, portal, zoho, demo_users):
    user = demo_users["by_dc"]["us"][1]
    signed_in(page, portal.url, zoho, user["email"])
    page.goto(portal.url + "/crm/input/?module=Leads")
    page.wait_for_selector("#quick-list tbody tr")
    listed = page.evaluate(
        "fetch('/crm/api/Leads/?per_page=1').then(r => r.json()).then(a => a.columns)"
    )
    headers = page.locator("#quick-list thead th").all_inner_texts()
    assert headers == [c["label"] for c in listed][:4]
    assert "Salutation" not in headers
    for column in range(len(headers)):  # every column has something in it
        cells = page.locator(f"#quick-list tbody tr td:nth-child({column + 1})")
        assert any(text.strip() for text in cells.all_inner_texts()), headers[column]


def test_quick_input_numbers_are_read_as_the_browser_reads_them(page, portal, zoho, demo_users):
    user = demo_users["by_dc"]["us"][1]
    signed_in(page, portal.url, zoho, user["email"])
    page.goto(portal.url + "/crm/input/?module=Deals")
    page.wait_for_selector("#quick-Probability")
    page.get_by_label("Deal Name").fill("Exponent deal")
    page.get_by_label("Stage").select_option("Qualification")
    page.get_by_label("Amount").fill("1250.505")  # three decimals: flagged, nothing sent
    page.get_by_role("button", name="Create Deal").click()
    page.wait_for_selector("#quick-Amount-error:has-text('Amount')")
    assert "Please correct Amount" in page.inner_text("#quick-status")
    page.get_by_label("Amount").fill("1.25e3")
    page.get_by_label("Probability (%)").fill("1e2")  # 100, not parseInt's 1
    page.get_by_role("button", name="Create Deal").click()
    page.wait_for_selector("#quick-status:has-text('created')")
    record_id = page.get_attribute("#quick-status", "data-record-id")
    deal = page.evaluate(f"fetch('/crm/api/Deals/{record_id}/').then(r => r.json())")["data"]
    assert deal["Probability"] == 100
    assert deal["Amount"] == 1250.0


def test_two_org_user_sees_only_the_active_orgs_records(page, portal, demo_users):
    user = demo_users["multi_org"]
    first, second = user["orgs"]
    sign_in_with_zoho(page, portal.url, user["email"], org_zgid=first["zgid"])
    page.goto(portal.url + "/crm/Leads/?per_page=200")
    first_rows = _record_links(page)
    sign_in_with_zoho(page, portal.url, user["email"], org_zgid=second["zgid"])
    page.goto(portal.url + "/crm/Leads/?per_page=200")
    second_rows = _record_links(page)
    assert first_rows and second_rows
    assert not first_rows & second_rows
    # Switching back with the switcher (app.js submits on change) shows the first org again.
    page.get_by_label("Switch to").select_option(label=f"{first['name']} (US) · {user['email']}")
    page.wait_for_selector(f"text=Now working in {first['name']}")
    page.goto(portal.url + "/crm/Leads/?per_page=200")
    assert _record_links(page) == first_rows


def test_phone_width_layout_has_no_horizontal_page_scroll(browser, portal, demo_users):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    phone = context.new_page()
    user = demo_users["by_dc"]["eu"][0]
    sign_in_with_zoho(phone, portal.url, user["email"])
    phone.goto(portal.url + "/crm/Leads/")
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    context.close()


def _record_links(page) -> set[str]:
    links = page.locator("tbody tr td.name a")  # the record's name (a checkbox comes first)
    return {links.nth(i).get_attribute("href") for i in range(links.count())}
