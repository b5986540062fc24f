"""Switching the active Zoho connection (org), landing on the same page in the other org.

These views sit in crm because where to land (`crm.places`) depends on the CRM's pages, and
accounts never imports crm; zohoportal/urls.py serves them under accounts' URL namespace
(`accounts:activate`, `accounts:switch`), as before.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.views.decorators.http import require_POST

from accounts import services
from accounts.models import ZohoConnection
from crm import places


@login_required
@require_POST
def connection_activate(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(ZohoConnection, pk=pk, user=request.user)
    services.session_activate(request.session, connection)
    messages.success(request, f"Now working in {connection.org} as {connection.email}.")
    # The same page in the other org when it has it (crm.places), else home.
    came_from = services.safe_next_url(
        request.POST.get("next"), allowed_hosts={request.get_host()}, secure=request.is_secure()
    )
    if came_from == "/" or not connection.is_active:
        return redirect("home")
    return redirect(places.place_after_switch(connection=connection, path=came_from))


@login_required
@require_POST
def connection_switch(request: HttpRequest) -> HttpResponse:
    """The switcher form's target: the same as activate, with the id in the form."""
    try:
        pk = int(request.POST.get("connection", ""))
    except ValueError:
        messages.error(request, "Choose a connection to switch to.")
        return redirect("accounts:connections")
    return connection_activate(request, pk)


# Included by zohoportal/urls.py in the `accounts` namespace, under /accounts/.
urlpatterns = [
    path("connections/switch/", connection_switch, name="switch"),
    path("connections/<int:pk>/activate/", connection_activate, name="activate"),
]
