"""Users, orgs and Zoho connections for tests that are not about Zoho (factory_boy).

A connection from `ZohoConnectionFactory` holds made-up tokens: use it where no call to Zoho
happens (the token store, the admin's lists, selectors, models). Give it `tokens_from=zoho`
(the emulator fixture) and its tokens are minted in the emulator's state, so a refresh with
them later is accepted by the emulator's token endpoint; its org is still made up, so a test
that reads CRM data signs a demo user in instead (the `connect` and `signed_in` fixtures).
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import ZohoConnection, ZohoOrg
from zoho import datacenters

_synthetic = itertools.count(1)


def emulator_tokens(emulator, *, dc: str, zgid: str, email: str | None = None) -> tuple[str, str]:
    """A live (refresh token, access token) pair minted in the emulator's state for `email`
    (by default a synthetic user of its own: Zoho keeps at most 20 refresh tokens per user
    per client, so bulk tokens need distinct users). The emulator has no bulk endpoint."""
    state = emulator.app.state
    identity = {
        "client_id": emulator.client_id,
        "email": email or f"synthetic-{next(_synthetic)}@example.com",
        "zgid": zgid,
        "dc": dc,
        "scopes": ("ZohoCRM.modules.ALL",),
    }
    with state.lock:
        refresh = state.mint_refresh(**identity)
        access = state.mint_access(
            **identity, ttl=3600, refresh=refresh, grant_type="authorization_code"
        )
    return refresh.token, access.token


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("password")


class StaffUserFactory(UserFactory):
    """A staff user (not a superuser) with the given `permissions` (codenames of accounts')."""

    is_staff = True

    @factory.post_generation
    def permissions(user, create, codenames, **kwargs):
        if create and codenames:
            user.user_permissions.set(
                Permission.objects.filter(
                    content_type__app_label="accounts", codename__in=codenames
                )
            )


class ZohoOrgFactory(DjangoModelFactory):
    class Meta:
        model = ZohoOrg
        django_get_or_create = ("zgid", "data_center")

    zgid = factory.Sequence(lambda n: str(880_000_000 + n))
    data_center = "us"
    name = factory.Sequence(lambda n: f"Org {n}")


class ZohoConnectionFactory(DjangoModelFactory):
    """An active connection whose access token is fresh for an hour (`expires_in` changes
    that, negative for one that is due). Tokens are made up unless `tokens_from=emulator`."""

    class Meta:
        model = ZohoConnection
        exclude = ("expires_in",)

    tokens_from = None
    expires_in = timedelta(hours=1)

    data_center = "us"
    user = factory.SubFactory(UserFactory)
    org = factory.SubFactory(ZohoOrgFactory, data_center=factory.SelfAttribute("..data_center"))
    zoho_user_id = factory.Sequence(lambda n: str(7_000_000 + n))
    zoho_account_id = factory.Sequence(lambda n: str(60_000_000 + n))
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    user_signature = factory.LazyAttribute(lambda c: f"{c.email}:{c.org.zgid}")
    scopes = "ZohoCRM.modules.ALL"
    api_domain = factory.LazyAttribute(lambda c: datacenters.get(c.data_center).api_domain)
    access_token_expires_at = factory.LazyAttribute(lambda c: timezone.now() + c.expires_in)

    @classmethod
    def _build(cls, model_class, *args, tokens_from=None, **kwargs):
        return cls._with_tokens(model_class(*args, **kwargs), tokens_from)

    @classmethod
    def _create(cls, model_class, *args, tokens_from=None, **kwargs):
        connection = cls._with_tokens(model_class(*args, **kwargs), tokens_from)
        connection.save()
        return connection

    @staticmethod
    def _with_tokens(connection: ZohoConnection, emulator) -> ZohoConnection:
        """Tokens are encrypted bound to the connection's data center, org and Zoho user, so
        they are set once those are."""
        if emulator is not None:
            refresh, access = emulator_tokens(
                emulator, dc=connection.data_center, zgid=connection.org.zgid
            )
        else:
            number = next(_synthetic)
            refresh, access = f"1000.refresh-{number}", f"1000.access-{number}"
        connection.refresh_token = refresh
        connection.access_token = access
        return connection
