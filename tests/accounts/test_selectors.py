"""accounts.selectors: the request's user and connection, from one query."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict

from accounts import selectors
from accounts.models import ZohoConnection
from tests.factories import ZohoConnectionFactory

pytestmark = pytest.mark.django_db


def test_the_joined_select_reads_what_the_orm_reads():
    expected = ZohoConnectionFactory(data_center="eu")
    expected = ZohoConnection.objects.select_related("user", "org").get(pk=expected.pk)
    got = selectors._connection_with_user_and_org(expected.pk, expected.user_id)
    for orm, raw in ((expected, got), (expected.user, got.user), (expected.org, got.org)):
        assert type(raw) is type(orm)
        assert {f.attname: getattr(raw, f.attname) for f in raw._meta.concrete_fields} == {
            f.attname: getattr(orm, f.attname) for f in orm._meta.concrete_fields
        }
    assert got.access_token_expires_at.tzinfo is not None
    assert got.access_token == expected.access_token  # decrypts: the tenant binding holds
    assert model_to_dict(got.user)["username"] == expected.user.username
    assert selectors._connection_with_user_and_org(expected.pk, expected.user_id + 1) is None


def test_a_session_whose_password_hash_is_stale_is_not_served_by_the_joined_select(
    client, signed_in
):
    user = signed_in.user
    user.set_password("changed elsewhere")  # a password change ends other sessions
    user.save()
    response = client.get("/crm/api/Leads/")
    assert response.status_code == 401  # Django's own check decided: signed out


def test_an_inactive_user_is_not_served_by_the_joined_select(client, signed_in):
    user = signed_in.user
    user.is_active = False
    user.save()
    assert client.get("/crm/api/Leads/").status_code == 401
