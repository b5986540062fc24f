"""The Django admin for connections, orgs and the refresh log, as a staff user."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts import services
from accounts.admin import mask_token
from accounts.models import PendingRevocation, TokenRefreshLog, ZohoConnection, ZohoOrg
from tests.factories import ZohoConnectionFactory
from tests.helpers import refresh_calls

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_zohoconnection_changelist")


def _change_url(connection: ZohoConnection) -> str:
    return reverse("admin:accounts_zohoconnection_change", args=[connection.pk])


def _rows(response) -> set[int]:
    """Connection ids on a changelist page (from the action checkboxes)."""
    return {int(pk) for pk in re.findall(r'name="_selected_action" value="(\d+)"', response.text)}


def _act(staff_client, action: str, *connections: ZohoConnection, **extra):
    return staff_client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [c.pk for c in connections], **extra},
        follow=True,
    )


@pytest.fixture
def eu_and_us(zoho):
    """Two connections (an eu one, then a us one) in orgs of their own, their tokens minted in
    the emulator: the admin's refresh and revoke actions reach Zoho with them."""
    return [
        ZohoConnectionFactory(
            data_center=dc, tokens_from=zoho, expires_in=timedelta(minutes=59, seconds=30)
        )
        for dc in ("eu", "us")
    ]


def test_changelist_shows_state_with_masked_tokens(staff_client, eu_and_us):
    response = staff_client.get(CHANGELIST)
    assert response.status_code == 200
    assert _rows(response) == {c.pk for c in eu_and_us}
    eu = eu_and_us[0]
    assert eu.email in response.text and eu.org.name in response.text
    assert "expires in 59 min" in response.text
    assert mask_token(eu.access_token) in response.text
    assert mask_token(eu.refresh_token) in response.text


def test_changelist_needs_few_queries_however_many_rows(
    staff_client, connections, django_assert_max_num_queries
):
    connections(30)
    with django_assert_max_num_queries(12):
        assert staff_client.get(CHANGELIST).status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"data_center__exact": "eu"}, {"eu"}),
        ({"status__exact": "needs_reconsent"}, {"reconsent"}),
        ({"expiry": "expired"}, {"expired", "reconsent"}),
        ({"expiry": "10m"}, {"soon"}),
        ({"expiry": "1h"}, {"soon", "eu"}),
        ({"expiry": "later"}, {"later"}),
    ],
)
def test_filters(staff_client, connections, query, expected):
    rows = {
        "expired": connections(1)[0],
        "reconsent": connections(1)[0],
        "soon": connections(1, expires_in=timedelta(minutes=5))[0],
        "eu": connections(1, dc="eu", expires_in=timedelta(minutes=30))[0],
        "later": connections(1, expires_in=timedelta(hours=3))[0],
    }
    services.connection_mark_needs_reconsent(connection=rows["reconsent"])
    response = staff_client.get(CHANGELIST, query)
    assert response.status_code == 200
    assert _rows(response) == {rows[name].pk for name in expected}


def test_search_by_email_org_name_and_zgid_but_never_by_token(staff_client, eu_and_us):
    eu, us = eu_and_us
    assert _rows(staff_client.get(CHANGELIST, {"q": eu.email})) == {eu.pk}
    assert _rows(staff_client.get(CHANGELIST, {"q": us.org.name})) == {us.pk}
    assert _rows(staff_client.get(CHANGELIST, {"q": eu.org.zgid})) == {eu.pk}
    for secret in (eu.access_token, eu.refresh_token, eu.refresh_token_digest):
        assert _rows(staff_client.get(CHANGELIST, {"q": secret})) == set()


@pytest.mark.parametrize(
    ("url", "lookup"),
    [
        (CHANGELIST, "refresh_token_digest"),
        (CHANGELIST, "access_token_digest__exact"),
        (CHANGELIST, "refresh_token_encrypted__startswith"),
        (reverse("admin:accounts_tokenrefreshlog_changelist"), "connection__refresh_token_digest"),
    ],
)
def test_the_changelists_cannot_be_filtered_by_a_token_column(staff_client, eu_and_us, url, lookup):
    """A filter by digest would tell whoever holds a token whether the portal stores it."""
    eu, _ = eu_and_us
    value = eu.refresh_token_digest if "digest" in lookup else eu.refresh_token_encrypted[:8]
    response = staff_client.get(url, {lookup: value})
    assert response.status_code == 400
    assert eu.email not in response.text


def test_detail_page_is_read_only_with_the_refresh_history(staff_client, eu_and_us, zoho):
    connection = eu_and_us[0]
    services.connection_refresh_now(connection=connection)
    response = staff_client.get(_change_url(connection))
    assert response.status_code == 200
    assert "Refresh history" in response.text
    assert "Refreshed" in response.text and ">admin<" in response.text
    assert 'name="_save"' not in response.text  # nothing to edit
    assert "<textarea" not in response.text
    # A POST to the change page changes nothing.
    assert staff_client.post(_change_url(connection), {"status": "revoked"}).status_code == 403


def test_no_add_form_and_no_plain_delete(staff_client, eu_and_us):
    assert staff_client.get(reverse("admin:accounts_zohoconnection_add")).status_code == 403
    delete = reverse("admin:accounts_zohoconnection_delete", args=[eu_and_us[0].pk])
    assert staff_client.get(delete).status_code == 403
    assert "delete_selected" not in staff_client.get(CHANGELIST).text


def test_undecryptable_token_is_shown_as_such(staff_client, eu_and_us):
    connection = eu_and_us[0]
    other = eu_and_us[1]
    ZohoConnection.objects.filter(pk=connection.pk).update(
        access_token_encrypted=other.access_token_encrypted  # bound to another row
    )
    response = staff_client.get(_change_url(connection))
    assert response.status_code == 200
    assert "undecryptable" in response.text


def test_refresh_now_action_refreshes_and_reports(staff_client, eu_and_us, zoho):
    before = refresh_calls(zoho)
    response = _act(staff_client, "refresh_now", *eu_and_us)
    assert response.status_code == 200
    assert refresh_calls(zoho) - before == 2
    assert response.text.count(": refreshed.") == 2
    for connection in eu_and_us:
        log = connection.refresh_logs.get()
        assert (log.outcome, log.trigger) == ("refreshed", "admin")


def test_refresh_now_action_reports_the_reason_of_a_failure(staff_client, eu_and_us, zoho):
    eu, us = eu_and_us
    zoho.client.add_fault(path="/accounts/eu/oauth/v2/token", status=503)
    response = _act(staff_client, "refresh_now", eu, us)
    assert f"#{eu.pk} {eu}: not refreshed (failed): HTTP 503" in response.text
    assert f"#{us.pk} {us}: refreshed." in response.text


def test_revoke_and_disconnect_asks_first_and_changes_nothing_until_confirmed(
    staff_client, eu_and_us, zoho
):
    eu, us = eu_and_us
    page = _act(staff_client, "revoke_and_disconnect", eu, us)
    assert page.status_code == 200
    assert "Revoke at Zoho and disconnect?" in page.text
    for connection in (eu, us):
        assert connection.email in page.text and connection.org.name in page.text
        assert f'name="_selected_action" value="{connection.pk}"' in page.text
        assert connection.refresh_token not in page.text
    assert 'name="post" value="yes"' in page.text
    assert ZohoConnection.objects.count() == 2
    assert zoho.client.stats()["revoke_calls"] == 0
    assert {t["state"] for t in zoho.client.tokens()["refresh_tokens"]} == {"alive"}


def test_revoke_and_disconnect_action(staff_client, eu_and_us, zoho):
    eu, us = eu_and_us
    zoho.client.add_fault(path="/accounts/us/oauth/v2/token/revoke", status=503)
    response = _act(staff_client, "revoke_and_disconnect", eu, us, post="yes")
    assert f"#{eu.pk} {eu}: revoked and disconnected." in response.text
    # Zoho unreachable: disconnected all the same, the revocation queued for housekeeping.
    assert f"#{us.pk} {us}: disconnected; Zoho could not be reached" in response.text
    assert not ZohoConnection.objects.exists()
    states = {t["token"]: t["state"] for t in zoho.client.tokens()["refresh_tokens"]}
    assert states[eu.refresh_token] == "revoked"
    assert states[us.refresh_token] == "alive"
    assert PendingRevocation.objects.get().token == us.refresh_token


def test_mark_needs_reconsent_action(staff_client, eu_and_us):
    connection = eu_and_us[0]
    response = _act(staff_client, "mark_needs_reconsent", connection)
    assert "marked as needing re-consent." in response.text
    connection.refresh_from_db()
    assert connection.status == ZohoConnection.Status.NEEDS_RECONSENT


def test_actions_need_the_change_permission(staff_client, eu_and_us):
    from django.contrib.auth.models import Permission

    user = get_user_model().objects.get(username="operator")
    user.user_permissions.remove(Permission.objects.get(codename="change_zohoconnection"))
    response = staff_client.get(CHANGELIST)
    assert response.status_code == 200
    assert "refresh_now" not in response.text
    _act(staff_client, "mark_needs_reconsent", eu_and_us[0])
    eu_and_us[0].refresh_from_db()
    assert eu_and_us[0].status == ZohoConnection.Status.ACTIVE


def test_orgs_list_their_data_center_and_connection_count(staff_client, eu_and_us, connections):
    connections(3, dc="in")
    response = staff_client.get(reverse("admin:accounts_zohoorg_changelist"))
    assert response.status_code == 200
    bulk = ZohoOrg.objects.get(data_center="in")
    row = re.search(rf"{re.escape(bulk.name)}.*?</tr>", response.text, re.S).group(0)
    assert ">IN (India)<" in row and ">3<" in row
    assert staff_client.get(reverse("admin:accounts_zohoorg_add")).status_code == 403


def test_refresh_log_list_and_detail(staff_client, eu_and_us, zoho):
    services.connection_refresh_now(connection=eu_and_us[0])
    log = TokenRefreshLog.objects.get()
    listing = staff_client.get(reverse("admin:accounts_tokenrefreshlog_changelist"))
    assert listing.status_code == 200 and "Refreshed" in listing.text
    filtered = staff_client.get(
        reverse("admin:accounts_tokenrefreshlog_changelist"),
        {"connection__id__exact": eu_and_us[1].pk},
    )
    assert filtered.status_code == 200 and "0 token refresh logs" in filtered.text
    detail = reverse("admin:accounts_tokenrefreshlog_change", args=[log.pk])
    assert staff_client.get(detail).status_code == 200


def test_no_token_plaintext_or_ciphertext_anywhere_in_the_admin(staff_client, eu_and_us, zoho):
    eu, us = eu_and_us
    services.connection_refresh_now(connection=us)
    zoho.client.add_fault(path="/accounts/eu/oauth/v2/token", error="invalid_code")
    services.connection_refresh_now(connection=eu)
    pages = [
        reverse("admin:index"),
        reverse("admin:app_list", args=["accounts"]),
        CHANGELIST,
        f"{CHANGELIST}?q={us.email}",
        f"{CHANGELIST}?expiry=later",
        _change_url(eu),
        _change_url(us),
        reverse("admin:accounts_zohoorg_changelist"),
        reverse("admin:accounts_zohoorg_change", args=[us.org_id]),
        reverse("admin:accounts_tokenrefreshlog_changelist"),
        reverse("admin:accounts_zohoconnection_history", args=[us.pk]),
    ]
    pages += [
        reverse("admin:accounts_tokenrefreshlog_change", args=[pk])
        for pk in TokenRefreshLog.objects.values_list("pk", flat=True)
    ]
    html = ""
    for page in pages:
        response = staff_client.get(page)
        assert response.status_code == 200, page
        html += response.text
    html += _act(staff_client, "refresh_now", eu, us).text

    secrets = [t["token"] for t in zoho.client.tokens()["refresh_tokens"]]
    secrets += [t["token"] for t in zoho.client.tokens()["access_tokens"]]
    for connection in ZohoConnection.objects.all():
        secrets += [connection.refresh_token_encrypted, connection.access_token_encrypted]
        secrets += [connection.refresh_token_digest, connection.access_token_digest]
    assert len(secrets) >= 8
    for secret in secrets:
        assert secret not in html
        assert secret[6:30] not in html  # not even a stretch past the masked prefix


def test_deleting_a_django_user_in_the_admin_revokes_its_connections(
    sign_in, zoho, demo_users, admin_client, django_capture_on_commit_callbacks
):
    """The connection admin has no delete page, but a user's delete cascades to their
    connections (the admin checks delete permission on each), which are revoked at Zoho."""
    assert sign_in(demo_users["by_dc"]["eu"][0]["email"]).status_code == 302
    connection = ZohoConnection.objects.get()
    token = connection.refresh_token
    assert admin_client.get(_change_url(connection)).status_code == 200
    assert "deletelink" not in admin_client.get(_change_url(connection)).text
    delete = reverse("admin:accounts_zohoconnection_delete", args=[connection.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    user_delete = reverse("admin:auth_user_delete", args=[connection.user_id])
    page = admin_client.get(user_delete)
    assert "Zoho connection" in page.text and "permission to delete" not in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(user_delete, {"post": "yes"})
    assert response.status_code == 302
    assert not ZohoConnection.objects.exists()
    alive = {t["token"]: t["alive"] for t in zoho.client.tokens()["refresh_tokens"]}
    assert alive[token] is False


@pytest.mark.parametrize(
    ("url", "query"),
    [
        (CHANGELIST, {"q": "a\x00b"}),
        (CHANGELIST, {"email": "\x00"}),
        (CHANGELIST, {"data_center__exact": "eu\x00"}),
        (CHANGELIST, {"email\x00": "x"}),
        (reverse("admin:accounts_pendingrevocation_changelist"), {"q": "\x00"}),
        (reverse("admin:auth_user_changelist"), {"username__startswith": "\x00"}),
        (reverse("admin:auth_user_changelist"), {"q": "\x00"}),
    ],
)
def test_a_nul_character_in_an_admin_filter_or_search_is_a_clear_400(admin_client, url, query):
    """PostgreSQL refuses text with NUL (psycopg2: "A string literal cannot contain NUL");
    the admin used to pass it on and answer 500 (this test runs in both passes)."""
    response = admin_client.get(url, query)
    assert response.status_code == 400
    assert "NUL character" in response.text
