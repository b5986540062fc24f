"""Who is mailed: ADMINS get an error nobody planned (a 500), not the portal's own answer
when Zoho is down or slow (502, 504), which is logged instead."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


def test_a_500_is_mailed_and_a_deliberate_502_503_or_504_is_not(settings):
    settings.ADMINS = [("Ops", "ops@example.com")]
    request = RequestFactory().get("/crm/Leads/")
    request_log = logging.getLogger("django.request")
    for status in (502, 503, 504):
        request_log.error(
            "Bad Gateway: %s", request.path, extra={"status_code": status, "request": request}
        )
    assert mail.outbox == []
    request_log.error(
        "Internal Server Error: %s", request.path, extra={"status_code": 500, "request": request}
    )
    assert len(mail.outbox) == 1


def test_zoho_down_is_logged_but_mails_nobody(client, signed_in, zoho, settings, caplog):
    settings.ADMINS = [("Ops", "ops@example.com")]
    client.get("/crm/api/Leads/?per_page=1")  # metadata cached
    zoho.client.add_fault(
        f"/api/{signed_in.data_center}/crm/v8/Leads",
        count=1,
        status=500,
        crm_code="INTERNAL_ERROR",
    )
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/crm/Leads/")
    assert response.status_code == 502
    assert any(r.name == "django.request" and r.status_code == 502 for r in caplog.records)
    assert mail.outbox == []
