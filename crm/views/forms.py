"""The create and edit forms of a record: built from the field metadata, in the layout's
sections, sent once, Zoho's refusals shown beside the fields."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html

from core.errors import AppError, ErrorCode, status_for
from crm import (
    lookup_text,
    metadata,
    modules,
    record_prefill,
    record_state,
    record_values,
    selectors,
    services,
    submit_once,
    validation,
)
from crm.fields import is_zoho_id
from crm.presenters import (
    error_summary,
    form_groups,
)
from crm.record_forms import (
    describe_references,
    edit_form,
    edit_values,
    form_values,
    initial_from_record,
    record_form_class,
)
from crm.views.access import page_view


def _form_class(connection, module: modules.Module, *, editing: bool):
    """The module's form; with an owner field, its choices are the org's active users; with
    an activity's Related To, the modules a record it points to may live in."""
    has_owner = any(f.data_type in ("ownerlookup", "userlookup") for f in module.editable_fields)
    users = metadata.user_list(connection=connection) if has_owner else None
    related = None
    if any(f.any_module for f in module.editable_fields):
        related = [
            (m["api_name"], m["singular_label"])
            for m in metadata.module_list(connection=connection)
            if m["api_name"] not in modules.ACTIVITY_MODULES
        ]
    return record_form_class(module, editing=editing, users=users, related_modules=related)


@page_view(["GET", "POST"])
def record_create_page(request, connection, module: str):
    found = metadata.module_get(connection=connection, module=module)
    found.require("create")
    # the layout the record is created in: the default, or the one chosen (?layout=<id>)
    found = metadata.with_layout(
        connection=connection, module=found, layout=request.GET.get("layout") or None
    )
    data, lookup_errors = None, {}
    if request.method == "POST":  # a lookup typed as a name: its record's id, or an error
        data, lookup_errors = lookup_text.resolve_posted(
            connection=connection, module=found, data=request.POST
        )
    form = _form_class(connection, found, editing=False)(
        data, initial=_owner_default(connection, found)
    )
    lookup_text.flag(form, lookup_errors)
    if not form.is_bound:  # "New contact" of an account: ?Account_Name=<id> fills it in
        record_prefill.apply(connection, found, form, request.GET)
    status = None  # the status of a Zoho error shown on the form
    if request.method == "POST" and form.is_valid():
        once = submit_once.claim(
            user_id=request.user.pk,
            scope=f"{connection.pk}:{found.api_name}",
            token=request.POST.get(submit_once.FIELD_NAME),
        )
        if not once.first:  # sent twice: the first submission made (or is making) it
            if once.result:
                messages.info(request, f"This {found.singular_label.lower()} was already saved.")
                return redirect(once.result)
            form.add_error(None, "This form was already sent and is still being saved.")
            status = 409
        else:
            try:
                results = services.records_create(
                    connection=connection,
                    module=found,
                    records=[form_values(form, creating=True)],
                )
                services.raise_for_result(results[0])
            except AppError as error:
                once.release()
                status = _form_error(connection, found, form, error)
            else:
                url = reverse(
                    "crm:record", kwargs={"module": found.api_name, "record_id": results[0]["id"]}
                )
                once.done(url)
                messages.success(request, f"{found.singular_label} created.")
                return redirect(url)
    return _form_page(request, connection, found, form, status=status, creating=True)


@page_view(["GET", "POST"])
def record_edit_page(request, connection, module: str, record_id: str):
    ident = validation.parse_record_id(record_id)
    found = metadata.module_get(connection=connection, module=module)
    found.require("edit")
    record = None
    layout = request.GET.get("layout") or None  # the record's layout, kept by the form
    records_layout = None  # the layout Zoho says the record is in
    if request.method != "POST":
        record = selectors.record_detail(connection=connection, module=found, record_id=ident)
        record_state.refuse_if_blocked(record)
        records_layout = (record.get("Layout") or {}).get("id")
        layout = layout or records_layout
    found = _in_layout(connection, found, layout, from_zoho=layout == records_layout)
    form_class = _form_class(connection, found, editing=True)
    status = None  # the status of a Zoho error shown on the form
    if request.method == "POST":
        data, lookup_errors = lookup_text.resolve_posted(
            connection=connection, module=found, data=request.POST
        )
        form = form_class(data)
        lookup_text.flag(form, lookup_errors)
        values = edit_values(form)
        if values == {}:
            messages.info(request, "Nothing was changed.")
            return redirect("crm:record", module=found.api_name, record_id=ident)
        if values is not None:
            try:
                services.record_update(  # `found` is in the record's layout already
                    connection=connection, module=found, record_id=ident, values=values
                )
            except AppError as error:
                status = _form_error(connection, found, form, error)
            else:
                messages.success(request, f"{found.singular_label} saved.")
                return redirect("crm:record", module=found.api_name, record_id=ident)
        record = _describe_again(connection, found, ident, form)
    else:
        form = edit_form(form_class, initial_from_record(found, record))
        describe_references(form, found, record)
    title = modules.record_title(found, record) if record else found.singular_label
    return _form_page(
        request,
        connection,
        found,
        form,
        status=status,
        record_id=ident,
        title=title,
        record=record,
    )


def _in_layout(connection, module: modules.Module, layout, *, from_zoho=False) -> modules.Module:
    """`module` in a record's layout; the default one when Zoho no longer has that one.

    A layout Zoho named (`from_zoho`: the record's own) that the cached metadata does not
    know means the metadata is stale: it is refreshed once and read again
    (`metadata.refresh_if_stale`)."""
    try:
        return metadata.with_layout(connection=connection, module=module, layout=layout)
    except AppError:
        if from_zoho and metadata.refresh_if_stale(
            connection=connection, module=module, layout=layout
        ):
            return _in_layout(
                connection,
                metadata.module_get(connection=connection, module=module.api_name),
                layout,
            )
        return metadata.with_layout(connection=connection, module=module, layout=None)


def _form_page(
    request,
    connection,
    module: modules.Module,
    form,
    *,
    status: int | None,
    creating: bool = False,
    record_id: int | None = None,
    title: str = "",
    record: dict | None = None,
):
    """A create or edit form: its fields grouped as Zoho's layout sections, an error
    summary linking to each field in error, a one-time token (creating) and Cancel; a
    choice of layout when a new record may be made in several."""
    if form.is_bound:  # a lookup chosen by name keeps showing that name (static/js/app.js)
        for name, field in form.fields.items():
            chosen = request.POST.get(f"{name}__name", "").strip()[:200]
            value = form.data.get(name, "")
            if "data-lookup" in field.widget.attrs and chosen and is_zoho_id(value):
                field.widget.attrs.update({"data-lookup-name": chosen, "data-lookup-id": value})
    if record_id is not None:
        cancel = reverse("crm:record", kwargs={"module": module.api_name, "record_id": record_id})
    elif module.tab:
        cancel = reverse("crm:list", kwargs={"module": module.api_name})
    else:  # Notes and the like have no list page of their own
        cancel = reverse("home")
    return render(
        request,
        "records/form.html",
        {
            "module": module,
            "form": form,
            "groups": form_groups(connection, module, form, record),
            "errors": error_summary(form),
            "layouts": module.layouts if creating and len(module.layouts) > 1 else (),
            "layout_id": module.layout_id,
            "form_action": f"?layout={module.layout_id}" if len(module.layouts) > 1 else "",
            "creating": creating,
            "record_id": record_id,
            "title": title,
            "cancel_url": cancel,
            "form_token": submit_once.issue() if creating else "",
            "kept_fields": record_values.kept_on_forms(module),
        },
        status=status or (400 if form.errors else 200),
    )


def _describe_again(connection, module: modules.Module, record_id: int, form) -> dict | None:
    """A form shown again with errors still names its record and each lookup's record, and
    keeps a former user selectable as the owner (else the browser would pick another owner
    on resubmit). The record, or None when it cannot be read now."""
    try:
        record = selectors.record_detail(connection=connection, module=module, record_id=record_id)
    except AppError:
        return None  # the form still works; only the hints are missing
    describe_references(form, module, record)
    return record


def _owner_default(connection, module: modules.Module) -> dict:
    """A new record's owner starts as the signed-in user (what Zoho does when none is sent)."""
    owners = [f.api_name for f in module.editable_fields if f.data_type == "ownerlookup"]
    return {name: connection.zoho_user_id for name in owners}


# Errors a form shown again cannot help with: the error page says them instead.
NOT_ABOUT_THE_FORM = frozenset(
    {
        ErrorCode.NO_CONNECTION,
        ErrorCode.NEEDS_RECONSENT,
        ErrorCode.NO_PERMISSION,
        ErrorCode.FEATURE_NOT_SUPPORTED,
        ErrorCode.CSRF_FAILED,
        ErrorCode.NOT_FOUND,
        *record_state.CODES,
    }
)


def _form_error(connection, module: modules.Module, form, error: AppError) -> int:
    """Show `error` on the form (keeping what the user typed); its HTTP status. A duplicate
    links to the record it duplicates.

    Re-consent and a vanished record are not about the form: they get the error page.
    """
    if error.code in NOT_ABOUT_THE_FORM:
        raise error
    field = error.field if error.field in form.fields else None
    message = error.message
    duplicate_of = error.extras.get("duplicate_of")
    if error.code == ErrorCode.DUPLICATE_DATA and is_zoho_id(duplicate_of):
        message = _duplicate_message(connection, module, form, field, duplicate_of)
    form.add_error(field, message)
    return status_for(error)


def _duplicate_message(connection, module: modules.Module, form, field, duplicate_of: str):
    """ "A lead with this Email already exists: <a>Its name</a>." (a link to it)."""
    try:
        name = selectors.record_name(
            connection=connection, module=module, record_id=int(duplicate_of)
        )
    except AppError:
        name = None
    what = form.fields[field].label if field else "these values"
    url = reverse("crm:record", kwargs={"module": module.api_name, "record_id": duplicate_of})
    return format_html(
        'A {} with this {} already exists: <a href="{}">{}</a>.',
        module.singular_label.lower(),
        what,
        url,
        name or f"open the existing {module.singular_label.lower()}",
    )
