"""Bulk edits from the list page: rows chosen (or "all N matching" the list's search, view
and filters), one field set to one value or the records deleted, after a confirmation
naming the count; then one result per record. The JSON API beside it: `PATCH
/crm/api/<module>/` and `DELETE /crm/api/<module>/?ids=…` (crm/views/api.py hands those
methods here).

Up to 100 records are done at once (one Zoho call); more, or all matching, become a
background job (`crm.bulk.start_background`, run by the jobs app) whose page is
`/crm/jobs/<id>/` and whose status is `GET /crm/api/jobs/<id>/`.
"""

from __future__ import annotations

from django.http import JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse

from core.errors import AppError, ErrorCode
from crm import bulk, list_filters, lookup_text, metadata
from crm.record_forms import form_values, record_form_class
from crm.views.access import page_view

# --- the JSON API ---------------------------------------------------------------------------


def bulk_api(request, connection, module, body_of) -> JsonResponse:
    """PATCH `{"ids": [...], "values": {...}}` (or `{"all_matching": {"q": "…", "cvid": "…",
    "owner": "me", "f_Lead_Status": "…", …}, "values"}`: the list's search, view and filters)
    and DELETE `?ids=1,2,3` (or `?all_matching=1&q=…&cvid=…&…`): one result per record, or
    202 and a job for more than 100 records or all matching."""
    if request.method == "PATCH":
        body = body_of(request)
        if not isinstance(body, dict):
            raise AppError(ErrorCode.INVALID_DATA, 'Send {"ids": [...], "values": {...}}.')
        values = bulk.clean_update(connection=connection, module=module, values=body.get("values"))
        matching = body.get("all_matching")
        action = "update"
    else:
        module.require("delete")
        values, action = None, "delete"
        matching = (
            {k: request.GET.get(k) for k in request.GET if k != "all_matching"}
            if request.GET.get("all_matching")
            else None
        )
        body = {"ids": request.GET.get("ids", "")}
    if matching is not None:
        if not isinstance(matching, dict):
            raise AppError(
                ErrorCode.INVALID_DATA,
                'all_matching is the list\'s search, view and filters: {"q": "…", "cvid": "…", '
                '"owner": "me", "f_Lead_Status": "…", "date", "from", "to"}.',
                field="all_matching",
            )
        found = bulk.matching(connection=connection, module=module, params=matching)
        return _job_answer(request, connection, module, action, None, found, values)
    ids = bulk.parse_ids(body.get("ids"))
    if len(ids) > bulk.MAX_IDS:
        return _job_answer(request, connection, module, action, ids, None, values)
    if action == "update":
        results = bulk.records_update_many(
            connection=connection, module=module, ids=ids, values=values
        )
    else:
        results = bulk.records_delete_many(connection=connection, module=module, ids=ids)
    counts = bulk.summary(results)
    status = 200 if not counts["failed"] else (207 if counts["succeeded"] else 400)
    return JsonResponse({"data": results, "info": counts}, status=status)


def _job_answer(request, connection, module, action, ids, found, values) -> JsonResponse:
    job = bulk.start_background(
        owner=request.user,
        connection=connection,
        module=module.api_name,
        action=action,
        ids=ids,
        query=found.query if found else None,
        filters=found.params() if found else None,
        values=values,
    )
    response = JsonResponse({"job": job}, status=202)
    response["Location"] = f"/crm/api/jobs/{job['id']}/"
    return response


# --- the pages ------------------------------------------------------------------------------
# List parameters of how the list is shown (its search, page and order); "all matching"
# also follows the list's view and filters (`crm.bulk.filter_parameters`).
LIST_PARAMETERS = frozenset({"q", "page", "per_page", "page_token", "sort_by", "sort_order"})


@page_view(["POST"])
def bulk_page(request, connection, module: str):
    """Step one (from the list page): what and which → the confirmation, naming the count.
    Step two (`step=confirm`): done at once (up to 100 records) with a result per record,
    or a background job for more."""
    found = metadata.module_get(connection=connection, module=module)
    post = request.POST
    action = post.get("action")
    if action not in ("update", "delete"):
        raise AppError(ErrorCode.INVALID_DATA, "Choose Update or Delete.")
    found.require("edit" if action == "update" else "delete")
    scope, ids = _chosen(post)
    matching = _matching(connection, found, post) if scope == "all" else None
    query = matching.query if matching else post.get("q", "").strip()
    field = _chosen_field(found, post.get("field", "")) if action == "update" else None
    form = _value_form(connection, found, field, post if post.get("step") == "confirm" else None)
    count = (
        len(ids)
        if matching is None
        else bulk.matching_count(connection=connection, module=found, found=matching)
    )
    names = {str(i): post.get(f"n-{i}", "")[:200] for i in ids if post.get(f"n-{i}")}
    context = {
        "module": found,
        "action": action,
        "scope": scope,
        "ids": ",".join(str(i) for i in ids),
        "query": query,
        "count": count,
        "field": field,
        "form": form,
        "names": names,
        "list_query": post.get("list_query", ""),
        "list_url": _list_url(found, post.get("list_query", "")),
        "scope_words": _scope_words(connection, found, matching) if matching else "",
    }
    if post.get("step") != "confirm" or (form is not None and not form.is_valid()):
        return render(
            request,
            "records/bulk_confirm.html",
            context,
            status=400 if form and form.errors else 200,
        )
    values = None
    if form is not None:
        values = form_values(form, creating=False)
        values = bulk.clean_update(connection=connection, module=found, values=values)
    if scope == "all" or len(ids) > bulk.MAX_IDS:
        job = bulk.start_background(
            owner=request.user,
            connection=connection,
            module=found.api_name,
            action=action,
            ids=None if scope == "all" else ids,
            query=query,
            filters=matching.params() if matching else None,
            values=values,
            names=names,
        )
        return redirect("jobs:job", job_id=job["id"])
    if action == "update":
        results = bulk.records_update_many(
            connection=connection, module=found, ids=ids, values=values
        )
    else:
        results = bulk.records_delete_many(connection=connection, module=found, ids=ids)
    for result in results:
        result["name"] = names.get(result["id"]) or ""
    return render(
        request,
        "records/bulk_result.html",
        {**context, "results": results, **bulk.summary(results)},
    )


def _chosen(post) -> tuple[str, list[int]]:
    """("selected"|"page"|"all", the ids): the rows ticked, every row of the page, or every
    record matching the list's search, view and filters (`_matching`; its ids read by the
    job)."""
    scope = post.get("scope") or "selected"
    if scope == "all":
        return scope, []
    if scope == "page":
        return scope, bulk.parse_ids(post.get("page_ids", ""))
    if post.get("ids") and "," in post.get("ids", ""):  # carried by the confirmation page
        return "selected", bulk.parse_ids(post.get("ids"))
    chosen = post.getlist("ids")
    if not chosen:
        raise AppError(
            ErrorCode.INVALID_DATA,
            "Select at least one record (tick its box), or choose all on this page.",
        )
    return "selected", bulk.parse_ids(chosen)


def _matching(connection, module, post) -> bulk.Matching:
    """“All matching” as the list shows it: its search (`q`, as the list page used it) within
    the view and filters of the list's URL (`list_query`), read by the list's own rules (a
    search leaves the filters out there, and so here). A view or filter the list could not
    use, or a parameter it does not know, is refused: the rows can be selected instead."""
    listed = QueryDict(post.get("list_query", ""))
    params = {k: listed.get(k) for k in listed if k not in LIST_PARAMETERS}
    params["q"] = post.get("q", "")
    try:
        return bulk.matching(
            connection=connection, module=module, params=params, drop_filters_on_search=True
        )
    except AppError as error:
        if error.code != ErrorCode.INVALID_DATA:
            raise
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"{error.message} “All matching” takes the list as it is shown: open it again, "
            "or select the rows instead.",
        ) from None


def _scope_words(connection, module, matching: bulk.Matching) -> str:
    """Which records "all matching" means, in words: "in the view “My Leads” matching these
    filters", "matching “Linda”"; "" for all records."""
    words = []
    if matching.filters.view:
        try:
            views = list_filters.view_list(connection=connection, module=module)
        except AppError:
            views = []
        name = next((v["name"] for v in views if v["id"] == matching.filters.view), None)
        words.append(f"in the view “{name}”" if name else "in this view")
    if matching.query:
        words.append(f"matching “{matching.query}”")
    if matching.filters.filtering:
        words.append("matching these filters")
    return " ".join(words)


def _chosen_field(module, name: str):
    field = next((f for f in bulk.updatable_fields(module) if f.api_name == name), None)
    if field is None:
        raise AppError(ErrorCode.INVALID_DATA, "Choose the field to change.", field="field")
    return field


def _value_form(connection, module, field, data):
    """A form of the one field being set (its input and checks as on the record form)."""
    if field is None:
        return None
    users = None
    if field.data_type in ("ownerlookup", "userlookup"):
        users = metadata.user_list(connection=connection)
    form_class = record_form_class(module, editing=False, users=users)
    lookup_errors = {}
    if data is not None:  # a lookup typed as a name: its record's id, or an error
        data, lookup_errors = lookup_text.resolve_posted(
            connection=connection, module=module, data=data
        )
    form = form_class(data)
    for name in list(form.fields):
        if name != field.api_name:
            del form.fields[name]
    lookup_text.flag(form, {k: v for k, v in lookup_errors.items() if k == field.api_name})
    chosen = form.fields[field.api_name]
    chosen.show_hidden_initial = False
    if field.data_type == "ownerlookup":
        chosen.required = True
        chosen.choices = [c for c in chosen.choices if c[0]]
        chosen.widget.choices = chosen.choices
    return form


def _list_url(module, list_query: str) -> str:
    """The list the bulk edit came from, with its search, view and filters (and page)."""
    url = reverse("crm:list", kwargs={"module": module.api_name})
    kept = LIST_PARAMETERS | bulk.filter_parameters(module)
    safe = "&".join(part for part in list_query.split("&") if part.split("=", 1)[0] in kept)
    return f"{url}?{safe}" if safe else url


def bulk_bar(module, request, total: int | None, *, connection, filters) -> dict | None:
    """What the list page's bulk-edit bar offers (templates/records/_bulk_bar.html); None
    when the user may neither edit nor delete records of the module. "All N matching" is
    offered when the list's view and filters (`filters`, as the list read them) were all
    usable: it then means the records the list shows, N its count."""
    fields = bulk.updatable_fields(module) if module.editable else []
    if not fields and not module.deletable:
        return None
    extra = set(request.GET) - LIST_PARAMETERS - bulk.filter_parameters(module)
    usable = not extra and not filters.errors
    words = ""
    if usable and total:
        matching = bulk.Matching(request.GET.get("q", "").strip(), filters)
        words = _scope_words(connection, module, matching)
    return {
        "fields": fields,
        "deletable": module.deletable,
        "list_query": request.GET.urlencode(),
        "total": total,
        "all_matching": total is not None and total > 0 and usable,
        "scope_words": words,
    }
