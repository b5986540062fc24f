"""Where to land after switching org: the same place, when the other org has it.

A list or form of a module the other org also offers (`/crm/Deals/?page=2`, `/crm/Deals/new/`)
stays where it is; a record page goes to its module's list (record ids are per org); a page
of a module the other org does not have (or the user's profile there may not see) goes home.
Pages outside the CRM (`/accounts/connections/`) stay.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.urls import Resolver404, resolve, reverse

from accounts.models import ZohoConnection
from core.errors import AppError
from crm import metadata

# Routes that belong to one record; the rest of a module's pages exist in every org.
RECORD_ROUTES = ("record", "edit", "delete")


def place_after_switch(*, connection: ZohoConnection, path: str) -> str:
    """The local path to show after making `connection` active, coming from `path`."""
    parts = urlsplit(path)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return "/"
    if match.namespace != "crm":
        return path
    module = match.kwargs.get("module")
    if module is None:  # quick input: its module is in the query (it falls back itself)
        return reverse(f"crm:{match.url_name}")
    try:
        available = {m["api_name"] for m in metadata.module_list(connection=connection)}
        tabs = {m["api_name"] for m in metadata.module_tabs(connection=connection)}
    except AppError:
        return "/"
    if module not in available or match.url_name in (*RECORD_ROUTES, "list") and module not in tabs:
        return "/"  # a module without a list page of its own (Notes): home
    if match.url_name in RECORD_ROUTES:
        return reverse("crm:list", kwargs={"module": module})
    if match.url_name == "list":
        query = "&".join(  # the page number and token are of the other org's list
            part
            for part in parts.query.split("&")
            if part and not part.startswith(("page=", "page_token="))
        )
        return reverse("crm:list", kwargs={"module": module}) + (f"?{query}" if query else "")
    return path
