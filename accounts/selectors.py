"""Reads of the accounts app: which connection a request works with, and a user's connections."""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.crypto import constant_time_compare

from .models import ZohoConnection

SESSION_ACTIVE_KEY = "zoho_active_connection"


def user_connections(user) -> QuerySet[ZohoConnection]:
    """A signed-in user's connections, for the switcher and the connections page."""
    return user.zoho_connections.select_related("org").order_by("org__name", "data_center")


def active_connection(request) -> ZohoConnection | None:
    """The request user's active connection: the session's choice, else their newest one.

    Read once per request, through `request.zoho_connection`
    (`accounts.middleware.ZohoConnectionMiddleware`).
    """
    user = request.user
    if not user.is_authenticated:
        return None
    connections = ZohoConnection.objects.filter(user=user).select_related("org")
    chosen = request.session.get(SESSION_ACTIVE_KEY)
    connection = None
    if chosen is not None:
        connection = connections.filter(pk=chosen).first()
    if connection is None:
        connection = connections.order_by("-updated_at").first()
        if connection is not None:
            request.session[SESSION_ACTIVE_KEY] = connection.pk
    return connection


def connection_of(request) -> ZohoConnection | None:
    """The request's active connection, looked up at most once per request."""
    if not hasattr(request, "_cached_zoho_connection"):
        load_user_and_connection(request)
    if not hasattr(request, "_cached_zoho_connection"):
        request._cached_zoho_connection = active_connection(request)
    return request._cached_zoho_connection


def user_of(request):
    """`request.user`: as Django's `auth.get_user`, from the same query as the connection
    when the session names both."""
    if not hasattr(request, "_cached_user"):
        load_user_and_connection(request)
    if not hasattr(request, "_cached_user"):
        request._cached_user = auth.get_user(request)
    return request._cached_user


MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def load_user_and_connection(request) -> None:
    """One query for the session's user and active connection (with its org).

    Only when the session names both and the user signed in through Django's model backend
    (the portal's only one); the checks are `django.contrib.auth.get_user`'s: an active
    user whose session hash matches. Anything else is left to the usual two lookups.
    """
    if hasattr(request, "_cached_user") or hasattr(request, "_cached_zoho_connection"):
        return
    session = getattr(request, "session", None)
    if session is None:
        return
    try:
        user_id = get_user_model()._meta.pk.to_python(session[auth.SESSION_KEY])
        backend = session[auth.BACKEND_SESSION_KEY]
        chosen = int(session[SESSION_ACTIVE_KEY])
        session_hash = session[auth.HASH_SESSION_KEY]
    except (KeyError, TypeError, ValueError, ValidationError):
        return
    if backend != MODEL_BACKEND or backend not in settings.AUTHENTICATION_BACKENDS:
        return
    connection = (
        ZohoConnection.objects.select_related("user", "org")
        .filter(pk=chosen, user_id=user_id)
        .first()
    )
    if connection is None:
        return
    user = connection.user
    if not user.is_active or not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return  # Django's own get_user decides (fallback secrets, flushing the session)
    request._cached_user = user
    request._cached_zoho_connection = connection


def forget_connection(request) -> None:
    """After the session's choice changed (switch, disconnect) within this request."""
    request.__dict__.pop("_cached_zoho_connection", None)
