"""Reads of the accounts app: which connection a request works with, a user's connections,
and the operators' overviews (what is due for a refresh, each connection's expiry)."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection as db_connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.models import ZohoConnection, ZohoOrg

SESSION_ACTIVE_KEY = "zoho_active_connection"
DEFAULT_AHEAD_MINUTES = 10  # what `zoho_refresh_tokens` calls due: expiring within this


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
    connection = _connection_with_user_and_org(chosen, user_id)
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


@functools.cache
def _joined_select(vendor: str) -> tuple[str, list[tuple[type, list[str]]]]:
    """`SELECT connection.*, user.*, org.* … WHERE connection.id = %s AND user_id = %s`,
    written once per process: the ORM's compiler spent more CPU building this query on
    every request (a third of the portal's own cost per page) than the database running it.
    """
    quote = db_connection.ops.quote_name
    models = [ZohoConnection, get_user_model(), ZohoOrg]
    aliases = ["c", "u", "o"]
    columns, layout = [], []
    for model, alias in zip(models, aliases, strict=True):
        fields = model._meta.concrete_fields
        columns += [f"{alias}.{quote(f.column)}" for f in fields]
        layout.append((model, [f.attname for f in fields], [_converters(f) for f in fields]))
    connection_table, user_table, org_table = (quote(m._meta.db_table) for m in models)
    # Only quoted table and column names from the models' own metadata go into the text;
    # the two values are query parameters.
    sql = (
        f"SELECT {', '.join(columns)} FROM {connection_table} c "  # noqa: S608
        f"INNER JOIN {user_table} u ON u.{quote('id')} = c.{quote('user_id')} "
        f"INNER JOIN {org_table} o ON o.{quote('id')} = c.{quote('org_id')} "
        f"WHERE c.{quote('id')} = %s AND c.{quote('user_id')} = %s"
    )
    return sql, layout


def _connection_with_user_and_org(pk: int, user_id) -> ZohoConnection | None:
    """The connection `pk` of `user_id`, its user and its org from one query, as
    `select_related("user", "org")` would give them."""
    sql, layout = _joined_select(db_connection.vendor)
    with db_connection.cursor() as cursor:
        cursor.execute(sql, [pk, user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    instances, start = [], 0
    for model, attnames, converters in layout:
        values = row[start : start + len(attnames)]
        start += len(attnames)
        values = _converted(model, values, converters)
        instances.append(model.from_db(db_connection.alias, attnames, values))
    connection, user, org = instances
    connection._state.fields_cache["user"] = user
    connection._state.fields_cache["org"] = org
    return connection


def _converted(model, values, converters) -> tuple:
    """Database values as the ORM gives them (e.g. SQLite's text date-times as datetimes)."""
    converted = []
    for field, value, field_converters in zip(
        model._meta.concrete_fields, values, converters, strict=True
    ):
        for converter in field_converters:
            value = converter(value, field, db_connection)
        converted.append(value)
    return tuple(converted)


def _converters(field) -> list:
    return db_connection.ops.get_db_converters(field.get_col(field.model._meta.db_table)) + (
        field.get_db_converters(db_connection)
    )


# --- the operators' overviews --------------------------------------------------------------
def _due_filter(due_before: datetime) -> Q:
    return (
        Q(access_token_expires_at__isnull=True)
        | Q(access_token_expires_at__lte=due_before)
        | Q(access_token_encrypted="")
    )


def connections_due(
    *,
    ahead_minutes: int = DEFAULT_AHEAD_MINUTES,
    data_center: str | None = None,
    email: str | None = None,
    all_: bool = False,
    now: datetime | None = None,
) -> QuerySet[ZohoConnection]:
    """Active connections whose access token expires within `ahead_minutes` (or all, `all_`)."""
    due = ZohoConnection.objects.filter(status=ZohoConnection.Status.ACTIVE)
    if not all_:
        due = due.filter(_due_filter((now or timezone.now()) + timedelta(minutes=ahead_minutes)))
    if data_center:
        due = due.filter(data_center=data_center)
    if email:
        due = due.filter(email__iexact=email)
    return due


def connections_overview(
    *, data_center: str | None = None, status: str | None = None, email: str | None = None
) -> QuerySet[ZohoConnection]:
    """Connections for a quick look, soonest expiry first (tokens stay encrypted)."""
    rows = ZohoConnection.objects.select_related("org", "user").order_by(
        "access_token_expires_at", "pk"
    )
    if data_center:
        rows = rows.filter(data_center=data_center)
    if status:
        rows = rows.filter(status=status)
    if email:
        rows = rows.filter(email__iexact=email)
    return rows


def expiry_description(expires_at: datetime | None, *, now: datetime | None = None) -> str:
    """'expired', 'expires in N min' or 'no access token', for people reading a list."""
    if expires_at is None:
        return "no access token"
    seconds = (expires_at - (now or timezone.now())).total_seconds()
    if seconds <= 0:
        return "expired"
    if seconds < 60:
        return "expires in <1 min"
    return f"expires in {int(seconds // 60)} min"


def connection_summary(connection: ZohoConnection, *, now: datetime | None = None) -> dict:
    """What `zoho_tokens` shows of one connection: status and expiry, never a token."""
    return {
        "id": connection.pk,
        "email": connection.email,
        "org": str(connection.org),
        "zgid": connection.org.zgid,
        "dc": connection.data_center,
        "status": connection.status,
        "access_token_expires_at": _iso(connection.access_token_expires_at),
        "expiry": expiry_description(connection.access_token_expires_at, now=now),
        "last_refreshed_at": _iso(connection.last_refreshed_at),
        "refresh_failures": connection.refresh_failure_count,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None
