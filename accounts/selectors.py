"""Reads of the accounts app: which connection a request works with, and a user's connections."""

from __future__ import annotations

from django.db.models import QuerySet

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
        request._cached_zoho_connection = active_connection(request)
    return request._cached_zoho_connection


def forget_connection(request) -> None:
    """After the session's choice changed (switch, disconnect) within this request."""
    request.__dict__.pop("_cached_zoho_connection", None)
