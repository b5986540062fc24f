"""Template tags for the portal's chrome: the active org's modules in the header."""

from __future__ import annotations

from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from crm import metadata

register = template.Library()

PRIMARY_MODULES = 7  # shown as tabs; the rest are under "More"


@register.simple_tag(takes_context=True)
def nav_modules(context) -> dict:
    """The active connection's modules Zoho shows as tabs (its module metadata, from the
    shared cache only), split into the tabs and the "More" menu; empty when signed out or
    not cached."""
    request = context.get("request")
    connection = getattr(request, "zoho_connection", None) if request is not None else None
    if not connection or not connection.is_active:
        return {"primary": [], "more": []}
    modules = metadata.module_list_if_cached(connection=connection)
    if not modules:  # the chrome never calls Zoho: pages that need the modules load them
        return {"primary": [], "more": []}
    current = context.get("module")
    current_name = getattr(current, "api_name", None)
    primary = modules[:PRIMARY_MODULES]
    more = modules[PRIMARY_MODULES:]
    if current_name and any(m["api_name"] == current_name for m in more):
        chosen = next(m for m in more if m["api_name"] == current_name)
        more = [m for m in more if m is not chosen]
        primary = [*primary, chosen]  # the module you are in is always a visible tab
    return {"primary": primary, "more": more, "current": current_name}


@register.simple_tag(takes_context=True)
def sign_in_url(context) -> str:
    """The sign-in link, carrying `next`: the deep link that brought the visitor here, or
    the page they are on (never a sign-in or error page of the accounts app)."""
    login = reverse("accounts:login")
    next_url = context.get("next_url")
    request = context.get("request")
    if not next_url and request is not None and request.method == "GET":
        path = request.get_full_path()
        if path != "/" and not path.startswith(("/accounts/", "/admin/")):
            next_url = path
    return f"{login}?next={quote(next_url, safe='/')}" if next_url else login


@register.simple_tag(takes_context=True)
def back_url(context) -> str:
    """Where "Back" goes on an error page: the page the visitor came from on this site
    (never the page itself), else the module's list, else the home page."""
    request = context.get("request")
    if request is not None:
        referer = request.META.get("HTTP_REFERER", "")
        here = request.build_absolute_uri()
        if (
            referer
            and referer != here
            and url_has_allowed_host_and_scheme(
                referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            )
        ):
            return referer
    module = context.get("module")
    if getattr(module, "api_name", None) and getattr(module, "tab", True):
        return reverse("crm:list", kwargs={"module": module.api_name})
    return reverse("home")
