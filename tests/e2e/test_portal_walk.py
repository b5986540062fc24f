"""The issue's items, walked in Chromium as a new user would (axe-core checks every kind of
page visited, through the fixtures): navigation, lists, records, forms, feedback and sign-in
comfort. `make run` with any ports is tests/e2e/test_make_run.py."""

from __future__ import annotations

import re

import pytest

from tests.e2e.browser import axe_check, signed_in

pytestmark = pytest.mark.django_db(transaction=True)

PATRICIA = "patricia.boyle@zylker-traders.com"
TRADERS, LABS = "720019234", "720019877"


def _consent(page, email: str, org: str | None = None) -> None:
    page.wait_for_selector("text=Sign in and authorize")
    page.locator(f"input[name=email][value='{email}']").check()
    if org:
        page.locator(f"input[name=org][value='{org}']").check()
    page.get_by_role("button", name="Approve").click()


def test_navigation_dashboard_breadcrumbs_and_names(page, portal, zoho):
    signed_in(page, portal.url, zoho, PATRICIA, TRADERS)
    tabs = page.get_by_role("navigation", name="Modules")
    assert tabs.get_by_role("link", name="Leads").is_visible()
    page.locator("details.more > summary").click()  # the rest of the org's modules
    assert tabs.get_by_role("link", name="Shipments").is_visible()  # its custom module
    leads = page.locator("#tile-Leads").locator("xpath=ancestor::section")
    assert leads.locator(".tile-count").inner_text() == "45"
    first = leads.locator("li a").first
    name = first.inner_text()
    first.click()
    assert page.locator("h1").inner_text() == name  # a name, never the 19-digit id
    crumbs = page.get_by_role("navigation", name="Breadcrumb")
    assert (
        crumbs.inner_text().split("\n")[:2] == ["Home", "Leads"] or "Leads" in crumbs.inner_text()
    )
    crumbs.get_by_role("link", name="Leads").click()
    page.wait_for_url("**/crm/Leads/")
    assert page.locator(".tabs a.current").inner_text() == "Leads"


def test_lists_count_keep_the_sort_and_fit_a_phone(page, portal, phone, zoho):
    signed_in(page, portal.url, zoho, PATRICIA, TRADERS)
    page.goto(portal.url + "/crm/Leads/")
    assert page.locator("#list-range").inner_text() == "1–20 of 45"
    assert "Zoho's default order" in page.locator("#list-order").inner_text()
    page.get_by_role("link", name="Lead Name").click()  # sort by a column
    page.wait_for_url("**sort_by=Full_Name**")
    page.get_by_label("Per page").select_option("10")  # submits at once, keeping the sort
    page.wait_for_url("**per_page=10**")
    assert "sort_by=Full_Name" in page.url
    assert page.locator("th[aria-sort=ascending]").inner_text().startswith("Lead Name")
    page.get_by_role("link", name="Next").click()
    page.wait_for_url("**page=2**")
    assert "sort_by=Full_Name" in page.url
    assert page.locator("#list-range").inner_text() == "11–20 of 45"
    names = page.locator("td.name a").all_inner_texts()
    assert names == sorted(names, key=str.casefold)
    # No column repeats the name; a search hint names what the search finds.
    headers = page.locator("thead th").all_inner_texts()
    assert "First Name" not in headers and "Last Name" not in headers
    assert page.get_by_label("Search leads").get_attribute("placeholder").startswith("Search by")
    # On a phone the list is one card per record, with nothing wider than the screen.
    signed_in(phone, portal.url, zoho, PATRICIA, TRADERS)
    phone.goto(portal.url + "/crm/Leads/")
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    assert phone.locator("thead").bounding_box()["height"] <= 1


def test_a_record_in_layout_sections_with_related_lists_and_safe_links(page, portal, zoho):
    signed_in(page, portal.url, zoho, PATRICIA, TRADERS)
    page.goto(portal.url + "/crm/Accounts/")
    page.locator("td.name a").first.click()
    sections = page.locator(".record-main h2").all_inner_texts()
    assert sections[0] == "Account Information" and "Address Information" in sections
    contacts = page.locator(".related-list", has=page.locator("h2", has_text="Contacts"))
    contacts.locator("summary").click()  # a related list's rows are read when it is opened
    contact = contacts.locator("li a").first
    name = contact.inner_text()
    contact.click()
    assert page.locator("h1").inner_text() == name
    email = page.locator("dd.email a")
    assert email.get_attribute("href").startswith("mailto:")
    assert page.locator("dd.phone a").first.get_attribute("href").startswith("tel:")
    delete = page.get_by_role("link", name="Delete")
    edit = page.get_by_role("link", name="Edit")
    assert delete.evaluate("e => getComputedStyle(e).color") != edit.evaluate(
        "e => getComputedStyle(e).color"
    )
    assert delete.evaluate("e => getComputedStyle(e).color") == "rgb(180, 35, 24)"


def test_view_all_of_a_related_list(page, portal, zoho):
    signed_in(page, portal.url, zoho, PATRICIA, TRADERS)
    page.goto(portal.url + "/crm/Accounts/new/")  # a form: its CSRF token for the JSON API
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    account = page.evaluate(
        """async (token) => {
          const post = (url, body) => fetch(url, {method: "POST", body: JSON.stringify(body),
            headers: {"Content-Type": "application/json", "X-CSRFToken": token}});
          const made = await (await post("/crm/api/Accounts/", {Account_Name: "Seven Ltd"})).json();
          const id = made.data.id;
          const people = [...Array(7).keys()].map(
            n => ({Last_Name: `Seven ${n}`, Account_Name: id}));
          if ((await post("/crm/api/Contacts/", people)).status !== 201) throw new Error("create");
          return id;
        }""",
        token,
    )
    page.goto(f"{portal.url}/crm/Accounts/{account}/")
    contacts = page.locator(".related-list", has=page.locator("h2", has_text="Contacts"))
    assert contacts.locator(".pill").inner_text().startswith("7")  # the exact total
    contacts.locator("summary").click()
    contacts.locator("li a").first.wait_for()
    assert contacts.locator("li a").count() == 5
    contacts.get_by_role("link", name="View all contacts").click()
    page.wait_for_url(f"{portal.url}/crm/Accounts/{account}/related/Contacts/")
    assert page.locator("h1").inner_text() == "Contacts"
    names = page.locator("td.name a").all_inner_texts()
    assert sorted(names) == [f"Seven {n}" for n in range(7)]
    page.get_by_label("Breadcrumb").get_by_role("link", name="Seven Ltd").click()
    page.wait_for_url(f"{portal.url}/crm/Accounts/{account}/")


def test_forms_lookup_by_name_cancel_summary_duplicate_and_one_record(page, portal, zoho):
    page.allowed_console_errors += ["status of 400", "status of 409"]  # the forms' answers
    signed_in(page, portal.url, zoho, PATRICIA, TRADERS)
    page.goto(portal.url + "/crm/Contacts/new/")
    # The lookup: type part of a name, arrows and Enter; the id is what is sent.
    box = page.get_by_role("combobox", name="Account Name")
    box.fill("Lakeside")
    page.wait_for_selector("[role=listbox] [role=option][data-id]")
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant")
    chosen = page.locator("[role=option][aria-selected=true]").inner_text()
    box.press("Enter")
    assert box.input_value() == chosen
    assert re.fullmatch(r"[0-9]{19}", page.locator("input[name=Account_Name]").input_value())
    box.fill("Beac")
    page.wait_for_selector("[role=listbox]:not([hidden]) [role=option][data-id]")
    box.press("Escape")
    assert page.locator("[role=listbox]").first.is_hidden()
    # Typed text is never dropped (crm/lookup_text.py): it stays and is what is sent.
    page.locator("body").click()
    assert box.input_value() == "Beac"
    assert page.locator("input[name=Account_Name]").input_value() == "Beac"
    box.fill(chosen)  # the chosen record's name again: its id again
    assert re.fullmatch(r"[0-9]{19}", page.locator("input[name=Account_Name]").input_value())
    # One empty picklist choice.
    assert page.locator("select[name=Salutation] option[value='']").count() == 1
    # The error summary links to the field.
    page.get_by_label("Email", exact=True).fill("not-an-email")
    page.get_by_role("button", name="Create Contact").click()
    summary = page.locator("#error-summary")
    assert summary.evaluate("e => e === document.activeElement")
    summary.get_by_role("link", name="Last Name").click()
    assert page.evaluate("document.activeElement.id") == "id_Last_Name"
    assert page.get_by_role("combobox", name="Account Name").input_value() == chosen  # kept
    # Double click on Create: one record.
    page.get_by_label("Last Name").fill("Doubleclick")
    page.get_by_label("Email", exact=True).fill("doubleclick@example.org")
    page.get_by_role("button", name="Create Contact").dblclick()
    page.wait_for_selector("text=Contact created.")
    assert page.locator("dd a", has_text=chosen).count() == 1  # the account, by name
    found = page.evaluate(
        "fetch('/crm/api/Contacts/?q=doubleclick@example.org').then(r => r.json())"
    )
    assert len(found["data"]) == 1
    existing = page.url.split("#")[0]
    # A duplicate links to the existing record.
    page.goto(portal.url + "/crm/Contacts/new/")
    page.get_by_label("Last Name").fill("Again")
    page.get_by_label("Email", exact=True).fill("doubleclick@example.org")
    page.get_by_role("button", name="Create Contact").click()
    page.locator(".field-error a", has_text="Doubleclick").click()
    assert page.url.split("#")[0] == existing
    # Cancel goes back to the record without saving.
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Last Name").fill("Not saved")
    page.get_by_role("link", name="Cancel").click()
    assert page.url.split("#")[0] == existing and "Doubleclick" in page.locator("h1").inner_text()


PROGRESS_WATCH = """
new MutationObserver(() => {
  if (!document.getElementById("progress").hidden) sessionStorage.setItem("progress-seen", "1");
}).observe(document.getElementById("progress"), {attributes: true});
"""


def test_feedback_while_zoho_is_slow_and_error_pages(page, portal, zoho):
    page.allowed_console_errors.append("status of 502")
    signed_in(page, portal.url, zoho, PATRICIA, TRADERS)
    page.goto(portal.url + "/crm/input/?module=Leads")
    page.wait_for_selector("#quick-Last_Name")
    zoho.client.add_fault(latency_ms=1500)  # Zoho is slow
    page.get_by_label("Last Name").fill("Slowpoke")
    page.get_by_label("Company").fill("Slowpoke Ltd")  # the Leads layout requires it
    save = page.get_by_role("button", name="Create Lead")
    save.click()
    page.wait_for_selector("#progress:not([hidden])")
    assert page.get_by_role("button", name="Saving…").is_disabled()
    page.wait_for_selector("#quick-status:has-text('Lead created')")
    assert page.locator("#quick-status a").inner_text() == "Slowpoke"
    page.evaluate(PROGRESS_WATCH)  # remembers, across the navigation, that the bar showed
    page.get_by_role("link", name="Deals").first.click()
    page.wait_for_url("**/crm/Deals/")
    assert page.evaluate("sessionStorage.getItem('progress-seen')") == "1"
    zoho.client.clear_faults()
    zoho.client.add_fault("/api/us/crm/v8/Deals", status=500)
    page.reload()
    assert page.locator("h1").inner_text() == "Zoho is not answering"
    assert page.get_by_role("heading", name="What you can do").is_visible()
    page.get_by_role("link", name="Try again").click()  # the fault was for one call
    page.wait_for_selector("#list-range")
    axe_check(page)


def test_sign_in_comfort(browser, page, portal, settings):
    settings.ZOHO_DEMO_MODE = True  # as `make run`: a sign-in from the other host name moves
    # Two tabs sign in at once: both work.
    page.goto(portal.url + "/")
    second = page.context.new_page()
    second.goto(portal.url + "/")
    page.get_by_role("link", name="Sign in with Zoho").first.click()
    second.get_by_role("link", name="Sign in with Zoho").first.click()
    _consent(second, PATRICIA, LABS)
    second.wait_for_url(portal.url + "/")
    _consent(page, PATRICIA, TRADERS)
    page.wait_for_url(portal.url + "/")
    page.goto(portal.url + "/accounts/connections/")
    assert page.locator("tbody tr").count() == 2
    second.close()
    # Switching keeps your place when the other org has the module.
    page.goto(portal.url + "/crm/Deals/?per_page=10")
    page.get_by_label("Switch to").select_option(label=f"Zylker Labs LLC (US) · {PATRICIA}")
    page.wait_for_selector("text=Now working in Zylker Labs LLC")
    assert page.url == portal.url + "/crm/Deals/?per_page=10"
    # Disconnecting the active connection names the one now active.
    page.goto(portal.url + "/accounts/connections/")
    page.once("dialog", lambda dialog: dialog.accept())
    row = page.locator("tr", has=page.locator(".badge"))
    row.get_by_role("button", name="Disconnect").click()
    page.wait_for_selector("text=Now working in Zylker Traders Inc.")
    # GET /accounts/logout/ shows a button; it signs out.
    page.goto(portal.url + "/accounts/logout/")
    page.locator("main").get_by_role("button", name="Sign out").click()
    page.wait_for_selector("text=You are signed out.")
    # A signed-out deep link comes back after sign-in, from the other host name too.
    other = portal.url.replace("localhost", "127.0.0.1")
    page.goto(other + "/crm/Deals/?page=2&per_page=10")
    page.get_by_role("link", name="Sign in with Zoho").first.click()
    _consent(page, PATRICIA, TRADERS)
    page.wait_for_url("**/crm/Deals/?page=2&per_page=10")
    assert page.locator("#list-range").inner_text() == "11–15 of 15"
