"""The explicit UserSignature path: `manage.py zoho_add_token`."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import ZohoConnection

pytestmark = pytest.mark.django_db


def _self_client_code(zoho, user, scope="ZohoCRM.modules.ALL,ZohoCRM.users.READ,ZohoCRM.org.READ"):
    return zoho.client.self_client_code(
        email=user["email"], dc=user["dc"], scope=scope, org=user["orgs"][0]["zgid"]
    )


def _redeemed(zoho, dc: str, code: str) -> dict:
    import requests

    return requests.post(
        zoho.token_url(dc),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": zoho.client_id,
            "client_secret": zoho.client_secret,
        },
        timeout=5,
    ).json()


def test_grant_token_registers_a_connection(zoho, demo_users, capsys):
    user = demo_users["by_dc"]["eu"][0]
    call_command(
        "zoho_add_token", email=user["email"], dc="eu", grant_token=_self_client_code(zoho, user)
    )
    connection = ZohoConnection.objects.get()
    assert connection.email == user["email"]
    assert connection.data_center == "eu"
    assert connection.zoho_account_id not in ("", connection.zoho_user_id)
    assert connection.user.username == f"zoho-eu-{connection.zoho_account_id}"
    assert connection.user.email == user["email"]
    assert connection.user_signature == f"{user['email']}:{user['orgs'][0]['zgid']}"
    assert connection.refresh_token
    assert "Registered connection" in capsys.readouterr().out


def test_refresh_token_registers_a_connection(zoho, demo_users):
    user = demo_users["by_dc"]["in"][0]
    answer = _redeemed(zoho, "in", _self_client_code(zoho, user))
    call_command(
        "zoho_add_token", email=user["email"], dc="in", refresh_token=answer["refresh_token"]
    )
    connection = ZohoConnection.objects.get()
    assert connection.refresh_token == answer["refresh_token"]
    assert connection.org.zgid == user["orgs"][0]["zgid"]


def test_wrong_email_is_refused_and_nothing_stored(zoho, demo_users):
    user = demo_users["by_dc"]["eu"][0]
    with pytest.raises(CommandError, match="belongs to"):
        call_command(
            "zoho_add_token",
            email="someone.else@example.com",
            dc="eu",
            grant_token=_self_client_code(zoho, user),
        )
    assert not ZohoConnection.objects.exists()
    # The refresh token the refused grant minted is revoked, not left to count toward
    # Zoho's 20 per user.
    alive = [t for t in zoho.client.tokens()["refresh_tokens"] if t["alive"]]
    assert alive == []


def test_a_refused_refresh_token_is_left_alone(zoho, demo_users):
    """An operator's refresh token may be in use elsewhere: refusing it never revokes it."""
    user = demo_users["by_dc"]["eu"][0]
    answer = _redeemed(zoho, "eu", _self_client_code(zoho, user))
    with pytest.raises(CommandError, match="belongs to"):
        call_command(
            "zoho_add_token",
            email="someone.else@example.com",
            dc="eu",
            refresh_token=answer["refresh_token"],
        )
    alive = [t["token"] for t in zoho.client.tokens()["refresh_tokens"] if t["alive"]]
    assert alive == [answer["refresh_token"]]


@pytest.mark.parametrize("kind", ["grant_token", "refresh_token"])
def test_a_token_from_another_dc_is_refused_naming_the_data_center(zoho, demo_users, kind):
    user = demo_users["by_dc"]["eu"][0]
    token = _self_client_code(zoho, user)
    if kind == "refresh_token":
        token = _redeemed(zoho, "eu", token)["refresh_token"]
    with pytest.raises(CommandError, match="issued in another data center"):
        call_command("zoho_add_token", email=user["email"], dc="us", **{kind: token})
    assert not ZohoConnection.objects.exists()


@pytest.mark.parametrize(
    "fault",
    [{"crm_code": "OAUTH_SCOPE_MISMATCH"}, {"status": 500, "crm_code": "INTERNAL_ERROR"}],
    ids=["scope", "500"],
)
def test_a_grant_that_fails_after_the_exchange_is_revoked(zoho, demo_users, fault):
    user = demo_users["by_dc"]["eu"][0]
    zoho.client.add_fault("/api/eu/crm/v8/users", count=2, **fault)
    code = _self_client_code(zoho, user)
    with pytest.raises(CommandError):
        call_command("zoho_add_token", email=user["email"], dc="eu", grant_token=code)
    assert not ZohoConnection.objects.exists()
    assert [t for t in zoho.client.tokens()["refresh_tokens"] if t["alive"]] == []


def test_bad_arguments_are_refused_clearly(zoho):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("zoho_add_token", email="a@b.c", dc="xx", grant_token="1000.x")
    with pytest.raises(CommandError, match="already used or has expired"):
        call_command("zoho_add_token", email="a@b.c", dc="us", grant_token="1000.bogus")


def test_a_token_can_come_from_standard_input(zoho, demo_users, monkeypatch):
    """`--grant-token -`: the code stays out of the process list and the shell history."""
    import io

    user = demo_users["by_dc"]["eu"][0]
    monkeypatch.setattr("sys.stdin", io.StringIO(_self_client_code(zoho, user) + "\n"))
    call_command("zoho_add_token", email=user["email"], dc="eu", grant_token="-")
    assert ZohoConnection.objects.get().email == user["email"]
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="No token on standard input"):
        call_command("zoho_add_token", email=user["email"], dc="eu", refresh_token="-")


def test_user_attaches_the_connection_to_that_django_user(zoho, demo_users, django_user_model):
    user = demo_users["by_dc"]["eu"][0]
    operator = django_user_model.objects.create_user(username="ops-shared")
    call_command(
        "zoho_add_token",
        email=user["email"],
        dc="eu",
        grant_token=_self_client_code(zoho, user),
        user="ops-shared",
    )
    assert ZohoConnection.objects.get().user == operator
    with pytest.raises(CommandError, match="No Django user named 'nobody'"):
        call_command(
            "zoho_add_token",
            email=user["email"],
            dc="eu",
            grant_token=_self_client_code(zoho, user),
            user="nobody",
        )
    # The same Zoho account for another Django user: refused, its new token revoked.
    django_user_model.objects.create_user(username="someone-else")
    with pytest.raises(CommandError, match="already connected to another portal user"):
        call_command(
            "zoho_add_token",
            email=user["email"],
            dc="eu",
            grant_token=_self_client_code(zoho, user),
            user="someone-else",
        )
    alive = [t["token"] for t in zoho.client.tokens()["refresh_tokens"] if t["alive"]]
    assert alive == [ZohoConnection.objects.get().refresh_token]


def test_the_email_may_be_given_in_any_case(zoho, demo_users):
    user = demo_users["by_dc"]["eu"][0]
    shouted = user["email"].upper()
    call_command(
        "zoho_add_token", email=shouted, dc="eu", grant_token=_self_client_code(zoho, user)
    )
    assert ZohoConnection.objects.get().email == user["email"]


def test_backfill_reports_a_connection_zoho_cannot_answer_for(zoho, demo_users, capsys):
    user = demo_users["by_dc"]["eu"][0]
    call_command(
        "zoho_add_token", email=user["email"], dc="eu", grant_token=_self_client_code(zoho, user)
    )
    connection = ZohoConnection.objects.get()
    ZohoConnection.objects.filter(pk=connection.pk).update(zoho_account_id="")
    zoho.client.add_fault("/api/eu/crm/v8/users", count=1, status=500, crm_code="INTERNAL_ERROR")
    with pytest.raises(CommandError, match="1 connection"):
        call_command("zoho_backfill_account_ids")
    assert f"connection {connection.pk}: not filled in" in capsys.readouterr().err
    call_command("zoho_backfill_account_ids")
    connection.refresh_from_db()
    assert connection.zoho_account_id


def test_a_refused_registration_leaves_no_django_user_behind(zoho, demo_users):
    """Who owns the connection is decided inside the registration's transaction: when Zoho's
    answer is refused (here: another data center's API domain), no new user is left over."""
    from django.contrib.auth import get_user_model

    user = demo_users["by_dc"]["eu"][0]
    code = _self_client_code(zoho, user)
    answer = _redeemed(
        zoho,
        "eu",
        zoho.client.self_client_code(
            email=user["email"], dc="eu", scope="ZohoCRM.users.READ,ZohoCRM.org.READ"
        ),
    )
    zoho.client.add_fault(
        "/accounts/eu/oauth/v2/token",
        status=200,
        body={**answer, "api_domain": zoho.api_domain("us")},
    )
    with pytest.raises(CommandError, match="does not belong to your data center"):
        call_command("zoho_add_token", email=user["email"], dc="eu", grant_token=code)
    assert not ZohoConnection.objects.exists()
    assert not get_user_model().objects.exists()
