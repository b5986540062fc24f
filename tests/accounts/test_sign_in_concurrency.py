"""Two portal users claiming one Zoho account at the same instant (PostgreSQL only)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection as db_connection
from django.db import transaction
from django.test import Client

from accounts import services
from accounts.models import ZohoConnection, ZohoOrg
from tests.helpers import SignIn

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_sign_in_waits_for_another_registration_of_the_same_zoho_account(
    zoho, demo_users, django_user_model
):
    """Patricia's first org is being registered for portal user X (its transaction still
    open) while portal user Y, signed in, signs in to her second org: Y must wait for X's
    registration and then be refused, not pass the one-account check in between."""
    patricia = demo_users["multi_org"]
    first, second = (org["zgid"] for org in patricia["orgs"])
    probe = Client()
    assert SignIn(probe, zoho)(patricia["email"], org=first).status_code == 302
    template = ZohoConnection.objects.get()
    zuid, dc = template.zoho_account_id, template.data_center
    ZohoConnection.objects.all().delete()  # nobody holds the account now

    x = django_user_model.objects.create(username="x")
    y_client = Client()
    assert SignIn(y_client, zoho)(demo_users["by_dc"]["eu"][0]["email"]).status_code == 302
    locked, go = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def register_for_x():  # what a concurrent sign-in of X holds mid-transaction
        try:
            with transaction.atomic():
                with db_connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                        [services.zoho_account_lock_key(dc, zuid)],
                    )
                row = ZohoConnection(
                    user=x,
                    org=ZohoOrg.objects.get(zgid=first, data_center=dc),
                    data_center=dc,
                    zoho_user_id=template.zoho_user_id,
                    zoho_account_id=zuid,
                    email=template.email,
                    user_signature=template.user_signature,
                    api_domain=template.api_domain,
                )
                row.refresh_token = "1000.held-by-x"
                row.save()
                locked.set()
                go.wait(20)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            db_connection.close()

    answers: list[int] = []

    def y_signs_in_to_the_second_org():
        try:
            answers.append(SignIn(y_client, zoho)(patricia["email"], org=second).status_code)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            db_connection.close()

    holder = threading.Thread(target=register_for_x)
    holder.start()
    assert locked.wait(10)
    claimant = threading.Thread(target=y_signs_in_to_the_second_org)
    claimant.start()
    claimant.join(3)
    still_waiting = claimant.is_alive()
    go.set()
    holder.join(20)
    claimant.join(20)
    assert errors == []
    assert still_waiting, f"Y's sign-in did not wait for X's registration: {answers}"
    assert answers == [409]
    held = ZohoConnection.objects.filter(zoho_account_id=zuid)
    assert set(held.values_list("user_id", flat=True)) == {x.pk}
