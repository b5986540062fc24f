"""A new record made from another one: "New contact" in an Account's Contacts, "New task"
for a lead. The create form's URL names the parent (`?Account_Name=<id>`, or for an
activity's Related To `?What_Id=<id>&$se_module=Leads`), or only its module and id
(`?parent_module=Accounts&parent_id=<id>`: the form finds the lookup that takes it, so the
record page links there without reading the new record's module's fields); the form starts
with that lookup filled in and showing the parent's name."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from accounts.models import ZohoConnection
from core.errors import AppError
from crm.fields import SE_MODULE_KEY, Field, is_zoho_id
from crm.metadata import module_get
from crm.modules import ACTIVITY_MODULES, Module
from crm.selectors import record_name

# Made on the record page itself (its Notes and Attachments cards), not in a form of their own.
NOT_FROM_A_FORM = ("Notes", "Attachments")


def parent_field(target: Module, parent: str) -> Field | None:
    """The field of `target` a record of module `parent` is filled into: a lookup to that
    module (Account_Name, Who_Id), else an any-module lookup (What_Id)."""
    fields = target.editable_fields
    direct = next(
        (f for f in fields if f.data_type == "lookup" and f.lookup_module == parent), None
    )
    if direct is not None:
        return direct
    if parent in ACTIVITY_MODULES:
        return None
    return next((f for f in fields if f.any_module), None)


def new_record_url(target: Module, parent: str, parent_id) -> str | None:
    """The create form of `target` with the parent filled in; None when `target` has no
    field for such a parent or the user may not create there."""
    if not target.creatable or target.api_name in NOT_FROM_A_FORM:
        return None
    field = parent_field(target, parent)
    if field is None:
        return None
    query = {field.api_name: str(parent_id)}
    if field.any_module:
        query[SE_MODULE_KEY] = parent
    url = reverse("crm:new", kwargs={"module": target.api_name})
    return f"{url}?{urlencode(query)}"


PARENT_MODULE, PARENT_ID = "parent_module", "parent_id"


def parent_link(target: dict, parent: str, parent_id) -> str | None:
    """The create form of the module `target` (an entry of `crm.metadata.module_list`: no
    field metadata needed) with the record `parent_id` of module `parent` filled in; None
    where the user may not create such records or they are not made in a form."""
    if not target.get("creatable") or target.get("api_name") in NOT_FROM_A_FORM:
        return None
    url = reverse("crm:new", kwargs={"module": target["api_name"]})
    return f"{url}?{urlencode({PARENT_MODULE: parent, PARENT_ID: str(parent_id)})}"


def _named_parent(module: Module, params) -> dict:
    """`?parent_module=&parent_id=` as the lookup of `module` that takes such a parent."""
    parent, ident = params.get(PARENT_MODULE, ""), params.get(PARENT_ID, "")
    field = parent_field(module, parent) if parent and is_zoho_id(ident) else None
    if field is None:
        return {}
    return {field.api_name: ident, **({SE_MODULE_KEY: parent} if field.any_module else {})}


def apply(connection: ZohoConnection, module: Module, form, params) -> None:
    """Fill an unbound create form's lookups from the URL's query (`params`): each one
    naming a record by id starts filled in, with the record's name shown; anything else in
    the query is ignored (a record that cannot be read is left out)."""
    params = {**{k: params.get(k, "") for k in params}, **_named_parent(module, params)}
    for field in module.editable_fields:
        ident = params.get(field.api_name, "")
        if field.data_type != "lookup" or field.api_name not in form.fields:
            continue
        if not is_zoho_id(ident):
            continue
        related = params.get(SE_MODULE_KEY, "") if field.any_module else field.lookup_module
        if not related or (field.any_module and SE_MODULE_KEY not in form.fields):
            continue
        try:
            lookup = module_get(connection=connection, module=related)
            name = record_name(connection=connection, module=lookup, record_id=int(ident))
        except AppError:
            continue
        if name is None:
            continue
        form.initial[field.api_name] = ident
        widget = form.fields[field.api_name].widget
        widget.attrs.update({"data-lookup-name": name, "data-lookup-id": ident})
        if field.any_module:
            form.initial[SE_MODULE_KEY] = lookup.api_name
