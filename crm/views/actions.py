"""Actions on a record besides edit and delete: Convert Lead (a page and the JSON API).

`/crm/Leads/<id>/convert/`: GET asks what to make (the account, an optional deal); POST
converts once (a one-time form token, `crm.submit_once`) and comes back to the same URL,
which for a converted lead shows what it became, with links. The JSON API:
`POST /crm/api/Leads/<id>/convert/` → `{"data": {"Contacts": id, "Accounts": id | null,
"Deals": id | null}}` (an `Idempotency-Key` header makes a resend convert nothing twice).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.errors import AppError, ErrorCode, status_for
from crm import lead_conversion, metadata, submit_once, validation
from crm.fields import is_zoho_id
from crm.views.access import page_view
from crm.views.api import api_view, json_body


class ConvertForm(forms.Form):
    account = forms.CharField(
        label="Account",
        required=False,
        max_length=25,
        help_text="Optional: an existing account to put the contact in. Left empty, the "
        "account named as the lead's company (an existing one, else a new one).",
        # static/js/app.js makes it a search-by-name picker; the account's id is sent
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "data-lookup": "Accounts",
                "data-lookup-label": "Account",
            }
        ),
    )
    create_deal = forms.BooleanField(label="Also create a deal", required=False)
    Deal_Name = forms.CharField(label="Deal name", required=False, max_length=120)
    Stage = forms.ChoiceField(label="Stage", required=False, choices=())
    Amount = forms.DecimalField(
        label="Amount", required=False, max_digits=16, decimal_places=2, min_value=0
    )
    Closing_Date = forms.DateField(
        label="Closing date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="As YYYY-MM-DD.",
    )

    def clean_account(self) -> str | None:
        value = (self.cleaned_data.get("account") or "").strip()
        if value and not is_zoho_id(value):
            raise forms.ValidationError("Choose the account by name (or give its id).")
        return value or None

    def deal(self) -> dict | None:
        """The new deal's values (None: no deal)."""
        if not self.cleaned_data.get("create_deal"):
            return None
        values = {}
        for name in lead_conversion.DEAL_FIELDS:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            values[name] = value.isoformat() if name == "Closing_Date" else value
        if "Amount" in values:
            values["Amount"] = float(values["Amount"])
        return values


def _convert_form(connection, data=None, initial=None) -> ConvertForm:
    form = ConvertForm(data, initial=initial)
    try:
        deals = metadata.module_get(connection=connection, module="Deals")
    except AppError:
        deals = None
    stage = deals.field("Stage") if deals else None
    if stage is not None and stage.picklist:
        labels = stage.picklist_labels or stage.picklist
        form.fields["Stage"].choices = [
            ("", "Choose a stage"),
            *zip(stage.picklist, labels, strict=False),
        ]
    else:  # no Deals for this profile: the deal part is not offered
        for name in ("create_deal", *lead_conversion.DEAL_FIELDS):
            del form.fields[name]
    chosen = (data or {}).get("account__name", "").strip()[:200] if data else ""
    if chosen and is_zoho_id((data or {}).get("account", "")):  # the picker shows it again
        widget = form.fields["account"].widget
        widget.attrs.update({"data-lookup-name": chosen, "data-lookup-id": data["account"]})
    return form


@page_view(["GET", "POST"])
def lead_convert_page(request, connection, module: str, record_id: str):
    ident = validation.parse_record_id(record_id)
    found = metadata.module_get(connection=connection, module=module)
    lead_conversion.require_leads(found)
    here = reverse("crm:lead-convert", kwargs={"module": found.api_name, "record_id": ident})
    state = lead_conversion.conversion_state(connection=connection, module=found, record_id=ident)
    if request.method == "POST" and state["converted"]:  # a resend: show what it became
        return redirect(here)
    status = 200
    form = _convert_form(
        connection,
        request.POST if request.method == "POST" else None,
        initial={"Deal_Name": state["company"] or state["name"]},
    )
    if request.method == "POST" and form.is_valid():
        once = submit_once.claim(
            user_id=request.user.pk,
            scope=f"{connection.pk}:convert:{ident}",
            token=request.POST.get(submit_once.FIELD_NAME),
        )
        if not once.first:  # sent twice: the first one converts (or converted) the lead
            return redirect(here)
        try:
            lead_conversion.lead_convert(
                connection=connection,
                module=found,
                record_id=ident,
                account_id=form.cleaned_data.get("account"),
                deal=form.deal() if "create_deal" in form.fields else None,
            )
        except AppError as error:
            once.release()
            if error.code == ErrorCode.ID_ALREADY_CONVERTED:
                return redirect(here)
            if error.code not in (ErrorCode.INVALID_DATA, ErrorCode.MANDATORY_NOT_FOUND):
                raise
            form.add_error(error.field if error.field in form.fields else None, error.message)
            status = status_for(error)
        else:
            once.done(here)
            messages.success(request, f"Lead “{state['name']}” converted.")
            return redirect(here)
    elif request.method == "POST" and form.errors:
        status = 400
    return render(
        request,
        "records/convert.html",
        {
            "module": found,
            "record_id": ident,
            "state": state,
            "form": form,
            "form_token": submit_once.issue(),
        },
        status=status,
    )


@api_view(["POST"])
def lead_convert_api(request, connection, module: str, record_id: str):
    """Body (optional): `{"account": "<id>", "deal": {"Deal_Name", "Stage", "Amount",
    "Closing_Date"}}`."""
    ident = validation.parse_record_id(record_id)
    found = metadata.module_get(connection=connection, module=module)
    lead_conversion.require_leads(found)
    body = json_body(request) if request.body else {}
    if not isinstance(body, dict):
        raise AppError(ErrorCode.INVALID_DATA, 'Send a JSON object: {"deal": {...}}.')
    unknown = sorted(set(body) - {"account", "deal"})
    if unknown:
        raise AppError(
            ErrorCode.INVALID_DATA,
            f"{unknown[0][:60]} is not an option of a conversion (account, deal).",
            field=unknown[0][:100],
        )
    once = submit_once.claim(
        user_id=request.user.pk,
        scope=f"api:{connection.pk}:convert:{ident}",
        token=request.headers.get("Idempotency-Key"),
    )
    if not once.first:
        if once.result is None:
            raise AppError(ErrorCode.IN_PROGRESS, "This request is still being carried out.")
        return JsonResponse(once.result)
    try:
        made = lead_conversion.lead_convert(
            connection=connection,
            module=found,
            record_id=ident,
            account_id=body.get("account"),
            deal=body.get("deal"),
        )
    except AppError:
        once.release()
        raise
    answer = {
        "data": {key: (made[key] or {}).get("id") for key in ("Contacts", "Accounts", "Deals")}
    }
    once.done(answer)
    return JsonResponse(answer)
