"""The callback asks Zoho who signed in (users?type=CurrentUser) and which org at once, so the
sign-in waits one round trip for them, not two (zoho/identity.py `_current_user_and_org`)."""

from __future__ import annotations

import pytest

from accounts.models import ZohoConnection

pytestmark = pytest.mark.django_db

PATRICIA = "patricia.boyle@zylker-traders.com"


def test_users_and_org_are_asked_at_the_same_time(sign_in, zoho):
    for path in ("/api/us/crm/v8/users", "/api/us/crm/v8/org"):
        zoho.client.add_fault(path, delay_s=0.4, count=None)
    try:
        landing = sign_in(PATRICIA, org="720019234")
    finally:
        zoho.client.clear_faults()
    assert landing.status_code == 302 and landing["Location"] == "/"
    stats = zoho.client.stats()
    assert stats["api_calls_by_path"].get("/api/us/crm/v8/users") == 1
    assert stats["api_calls_by_path"].get("/api/us/crm/v8/org") == 1
    assert stats["api_in_flight_max"] == 2  # both were being answered together
    connection = ZohoConnection.objects.get(email=PATRICIA)
    assert connection.org.zgid == "720019234" and connection.zoho_profile_name


def test_the_org_call_failing_refuses_the_sign_in_and_keeps_nothing(sign_in, zoho):
    zoho.client.add_fault("/api/us/crm/v8/org", count=None, crm_code="INTERNAL_ERROR")
    try:
        landing = sign_in(PATRICIA, org="720019234")
    finally:
        zoho.client.clear_faults()
    assert landing.status_code in (400, 502)
    assert not ZohoConnection.objects.filter(email=PATRICIA).exists()
