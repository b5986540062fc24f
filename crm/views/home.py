"""The home page: sign in when signed out, the active org's dashboard when signed in."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import render

from accounts import selectors
from accounts.services import safe_next_url
from core.errors import AppError
from crm import metadata, numbers, user_formats
from crm.dashboard import dashboard, tile_modules
from crm.pipeline import deal_pipeline


def home(request: HttpRequest):
    """Signed out: sign in (carrying `next` from a deep link). Signed in: the active org's
    dashboard and every module.

    The page shows at once: the tiles' places and the modules come from the org's cached
    module list (read once, shared with the sign-in's warm-up, if it is not there yet); each
    tile's count and latest records, and the Deals pipeline, are read afterwards, one
    fragment each (crm/views/dashboard_parts.py). `?full=1` reads them all here: the page
    without JavaScript."""
    context = {}
    next_url = safe_next_url(
        request.GET.get("next"), allowed_hosts={request.get_host()}, secure=request.is_secure()
    )
    if next_url != "/":
        context["next_url"] = next_url
    connection = selectors.connection_of(request)
    if connection is None or not connection.is_active:
        return render(request, "home.html", context)
    with numbers.using(user_formats.lazy_formats(connection)):  # the user's own formats
        try:
            if request.GET.get("full") == "1":
                context["full"] = True
                context["tiles"], context["modules"] = dashboard(connection=connection)
                context["pipeline"] = deal_pipeline(connection=connection)
            else:
                context["modules"] = metadata.module_tabs(connection=connection)
                context["tile_modules"] = tile_modules(context["modules"])
                context["has_deals"] = any(m["api_name"] == "Deals" for m in context["modules"])
        except AppError as error:
            context["modules_error"] = error
        # Zoho may have refused the grant while the page was read (the tiles then each say
        # so): the page says what the Connections page says, once.
        connection.refresh_from_db(fields=["status"])
        context["needs_reconsent"] = not connection.is_active
        return render(request, "home.html", context)
