"""Sign in with Zoho, sign out, and the user's connections. Views validate and delegate.

Switching the active connection lands on the same CRM page in the other org, so its views
are crm's (`crm/org_switch.py`), served under this app's URL namespace."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from accounts import selectors, services
from accounts.models import ZohoConnection
from accounts.services import warm_up
from core.errors import ErrorCode, status_for
from core.ratelimit import rate_limited


def _error_page(request: HttpRequest, error: services.SignInError) -> HttpResponse:
    return render(
        request,
        "accounts/sign_in_error.html",
        {"title": error.title, "message": error.message},
        status=status_for(error),
    )


@require_GET
@never_cache
def login_start(request: HttpRequest) -> HttpResponse:
    if not settings.ZOHO_CLIENT_ID:
        error = services.SignInError(
            "This portal has no Zoho client configured. Set ZOHO_CLIENT_ID, "
            "ZOHO_CLIENT_SECRET and ZOHO_REDIRECT_URI, or ZOHO_EMULATOR_URL for demo mode.",
            code=ErrorCode.NOT_CONFIGURED,
            title="Zoho sign-in is not configured",
        )
        return _error_page(request, error)
    if rate_limited(request, scope="login"):
        error = services.SignInError(
            "Too many sign-in attempts from your address. Please wait a minute and try again.",
            code=ErrorCode.THROTTLED,
            title="Slow down",
        )
        return _error_page(request, error)
    next_url = services.safe_next_url(
        request.GET.get("next"), allowed_hosts={request.get_host()}, secure=request.is_secure()
    )
    elsewhere = _redirect_uri_origin_if_other(request)
    if elsewhere:  # Zoho comes back there: the sign-in must start in that host's session
        query = f"?{urlencode({'next': next_url})}" if next_url != "/" else ""
        return redirect(f"{elsewhere}{request.path}{query}")
    return redirect(
        services.sign_in_start(request.session, next_url=next_url, consent=_consent_needed(request))
    )


# A browser where someone signed in before keeps a signed cookie naming the portal user (no
# token, nothing Zoho gave): their next sign-in need not ask Zoho for consent again.
KNOWN_COOKIE = "zohoportal_known"
KNOWN_SALT = "accounts.known-user"
KNOWN_MAX_AGE = 180 * 24 * 3600


def _consent_needed(request: HttpRequest) -> bool:
    """Ask Zoho for consent and offline access (a new refresh token) unless the visitor is a
    portal user with a usable connection: `?consent=1` (connect another org, reconnect),
    nobody known, or every connection of theirs needs re-consent. A guess that turns out
    wrong (another Zoho user or org at Zoho) costs one more trip: the callback asks again
    with consent (`ConsentNeeded`)."""
    if request.GET.get("consent") == "1":
        return True
    user_id = request.user.pk if request.user.is_authenticated else None
    if user_id is None:
        known = request.get_signed_cookie(
            KNOWN_COOKIE, default=None, salt=KNOWN_SALT, max_age=KNOWN_MAX_AGE
        )
        user_id = int(known) if known and known.isdigit() else None
    if user_id is None:
        return True
    return not ZohoConnection.objects.filter(
        user_id=user_id, status=ZohoConnection.Status.ACTIVE
    ).exists()


def _redirect_uri_origin_if_other(request: HttpRequest) -> str | None:
    """In demo mode, the origin of ZOHO_REDIRECT_URI when this request came to another host
    (`localhost` while the emulator sends people back to `127.0.0.1`): the pending sign-in
    lives in the session cookie of the host it started on, so it must start on the host Zoho
    returns to. A production deployment names its own host in ZOHO_REDIRECT_URI."""
    if not settings.ZOHO_DEMO_MODE:
        return None
    target = urlsplit(settings.ZOHO_REDIRECT_URI)
    if not target.scheme or not target.netloc:
        return None
    if request.get_host().lower() == target.netloc.lower():
        return None
    return f"{target.scheme}://{target.netloc}"


@require_GET
@never_cache
@sensitive_variables("params")  # the code and state stay out of error reports
def callback(request: HttpRequest) -> HttpResponse:
    params = request.GET
    try:
        pending = services.sign_in_consume_state(request.session, state=params.get("state"))
        if params.get("error"):
            if params.get("error") == "access_denied":
                raise services.AccessDenied()
            raise services.ZohoRefused(
                "Zoho ended the sign-in with an error. Please try again.",
                code=ErrorCode.BAD_REQUEST,
            )
        result = services.sign_in_complete(
            current_user=request.user,
            location=params.get("location"),
            accounts_server=params.get("accounts-server"),
            code=params.get("code"),
            code_verifier=pending.code_verifier,
        )
    except services.ConsentNeeded as error:
        if pending.consent:  # Zoho gave no refresh token even with consent: say so
            response = _error_page(request, error)
        else:  # nothing stored to keep: once more, asking for consent and offline access
            response = redirect(
                services.sign_in_start(request.session, next_url=pending.next_url, consent=True)
            )
    except services.SignInError as error:
        response = _error_page(request, error)
    else:
        connection = result.connection
        login(request, connection.user, backend="django.contrib.auth.backends.ModelBackend")
        services.session_activate(request.session, connection)
        warm_up.warm_up_dispatch(connection)  # the first page's metadata, in the background
        messages.success(
            request,
            f"Connected to {connection.org.name or connection.org.zgid} "
            f"({connection.data_center.upper()}) as {connection.email}.",
        )
        # Checked again: a session written before `next` had to be a local path may hold any.
        response = HttpResponseRedirect(
            services.safe_next_url(
                pending.next_url, allowed_hosts={request.get_host()}, secure=request.is_secure()
            )
        )
        response.set_signed_cookie(
            KNOWN_COOKIE,
            str(connection.user_id),
            salt=KNOWN_SALT,
            max_age=KNOWN_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    # The callback URL carries the code and state: never let it leak through a Referer.
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """POST signs out (flushes the session); GET shows the button that does (a link
    someone followed never signs anyone out)."""
    if request.method != "POST":
        return render(request, "accounts/logout.html")
    logout(request)  # flushes the session
    messages.info(request, "You are signed out.")
    return redirect("home")


@login_required
@require_safe
def connection_list(request: HttpRequest) -> HttpResponse:
    connections = list(request.user.zoho_connections.select_related("org").order_by("org__name"))
    for connection in connections:
        # What the CRM pages will find: a token this host cannot decrypt (the key it was
        # written with is not configured here) makes them say "Reconnect needed" too.
        connection.tokens_unreadable = (
            connection.is_active and connection.refresh_token_or_none() is None
        )
    return render(request, "accounts/connections.html", {"connections": connections})


@login_required
@require_POST
def connection_disconnect(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(
        ZohoConnection.objects.select_related("org"), pk=pk, user=request.user
    )
    label = str(connection.org)
    try:
        revocation = services.connection_disconnect(connection=connection)
    except services.DisconnectError as error:
        messages.error(request, error.message)
        return redirect("accounts:connections")
    was_active = request.session.get(services.SESSION_ACTIVE_KEY) == pk
    if was_active:
        del request.session[services.SESSION_ACTIVE_KEY]
        selectors.forget_connection(request)
    if revocation is not None and revocation.confirmed is False:
        messages.success(
            request,
            f"Disconnected {label}. Zoho could not be reached to revoke its access just now; "
            "the portal keeps trying until Zoho confirms.",
        )
    elif revocation is not None and revocation.confirmed is None:
        messages.success(
            request, f"Disconnected {label}; the portal is revoking its access at Zoho."
        )
    else:
        messages.success(request, f"Disconnected {label}; its access was revoked at Zoho.")
    if was_active:  # say which connection the portal works with now, if any
        now = selectors.connection_of(request)
        if now is None:
            messages.info(request, "You have no Zoho connection left: connect an org to go on.")
        else:
            messages.info(request, f"Now working in {now.org} as {now.email}.")
    return redirect("accounts:connections")
