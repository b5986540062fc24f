"""Sign in with Zoho in a real browser, across data centers."""

import pytest

from tests.e2e.browser import sign_in_with_zoho

pytestmark = pytest.mark.django_db(transaction=True)


def test_us_user_signs_in_and_sees_org_and_dc(page, portal, demo_users):
    user = demo_users["by_dc"]["us"][1]
    sign_in_with_zoho(page, portal.url, user["email"])
    bar = page.get_by_label("Active Zoho connection")
    assert user["orgs"][0]["name"] in bar.inner_text()
    assert "US" in bar.inner_text()
    assert user["email"] in bar.inner_text()


def test_eu_user_signs_in_and_signs_out(page, portal, demo_users):
    user = demo_users["by_dc"]["eu"][0]
    sign_in_with_zoho(page, portal.url, user["email"])
    assert "EU" in page.get_by_label("Active Zoho connection").inner_text()
    page.locator("details.user-menu > summary").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_selector("text=You are signed out.")
    assert page.get_by_role("link", name="Sign in with Zoho").first.is_visible()


def test_denied_consent_shows_the_friendly_page(page, portal, demo_users):
    user = demo_users["by_dc"]["in"][0]
    page.allowed_console_errors.append("status of 403")  # the error page's own status
    page.goto(portal.url + "/")
    page.get_by_role("link", name="Sign in with Zoho").first.click()
    page.locator(f"input[name=email][value='{user['email']}']").check()
    page.get_by_role("button", name="Deny").click()
    page.wait_for_selector("h1:has-text('Access not granted')")
    assert "nothing was connected" in page.content()


def test_two_org_user_switches_org(page, portal, demo_users):
    user = demo_users["multi_org"]
    first, second = user["orgs"][0], user["orgs"][1]
    sign_in_with_zoho(page, portal.url, user["email"], org_zgid=first["zgid"])
    sign_in_with_zoho(page, portal.url, user["email"], org_zgid=second["zgid"])
    bar = page.get_by_label("Active Zoho connection")
    assert second["name"] in bar.inner_text()
    page.get_by_label("Switch to").select_option(label=f"{first['name']} (US) · {user['email']}")
    page.get_by_role("button", name="Switch").click()
    page.wait_for_selector(f"text=Now working in {first['name']}")
    assert first["name"] in page.get_by_label("Active Zoho connection").inner_text()


def test_sign_in_is_keyboard_usable(page, portal, demo_users):
    user = demo_users["by_dc"]["au"][0]
    page.goto(portal.url + "/")
    # Tab from the top of the page until the sign-in link has focus, then press Enter.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Sign in with Zoho":
            break
    else:
        pytest.fail("the sign-in link is not reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Sign in and authorize")
    page.locator(f"input[name=email][value='{user['email']}']").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Approve").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Modules")
    assert "AU" in page.get_by_label("Active Zoho connection").inner_text()
