"""The admin's Zoho connections list at 1280 px: Status and the token expiry are on screen."""

import pytest
from django.contrib.auth import get_user_model

from tests.helpers import connect_straight

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_connections_list_shows_status_and_expiry_without_scrolling(page, portal, zoho):
    page.allowed_console_errors.append("404 (Not Found)")  # /favicon.ico on the admin sign-in
    connect_straight(zoho, "sofia.lindqvist@nordwind-logistik.de")  # a connection to list
    get_user_model().objects.create_superuser("ops", "ops@example.org", "a-long-test-password")
    page.goto(portal.url + "/admin/login/?next=/admin/accounts/zohoconnection/")
    page.get_by_label("Username").fill("ops")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("#result_list")
    # On screen: inside the viewport and not scrolled out of the results' own box.
    visible = page.locator(".results").bounding_box()
    right = min(page.viewport_size["width"], visible["x"] + visible["width"])
    for column in ("status", "access_token_expiry"):
        box = page.locator(f"#result_list td.field-{column}").first.bounding_box()
        assert box["x"] + box["width"] <= right, column
