"""The dashboard's parts, each read on its own after the page is shown: a tile
(`GET /crm/dashboard/tiles/<module>/`: the module's count and latest records) and the Deals
pipeline (`GET /crm/dashboard/pipeline/`). Each answers an HTML fragment that
static/js/app.js puts in place of the page's placeholder. Without JavaScript the home page
links to `/?full=1`, the dashboard read whole (crm/views/home.py)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from crm import dashboard
from crm.pipeline import deal_pipeline
from crm.views.access import page_view


@page_view(["GET"])
def dashboard_tile(request, connection, module: str):
    tile = dashboard.tile_of(connection=connection, module=module)
    return _unless_refused(request, connection) or render(
        request, "_dashboard_tile.html", {"tile": tile}
    )


@page_view(["GET"])
def dashboard_pipeline(request, connection):
    pipeline = deal_pipeline(connection=connection)
    refused = _unless_refused(request, connection)
    if refused or pipeline is None:  # None: no Deals with a Stage for this org or profile
        return refused or HttpResponse("", content_type="text/html; charset=utf-8")
    return render(request, "_pipeline.html", {"pipeline": pipeline})


def _unless_refused(request, connection):
    """When Zoho refused the grant while the part was read, the page's notice instead (the
    script shows it once in place of the dashboard, not once per tile)."""
    connection.refresh_from_db(fields=["status"])
    if connection.is_active:
        return None
    return render(request, "_dashboard_reconsent.html")
