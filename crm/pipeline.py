"""The dashboard's Deals pipeline: per stage, how many deals and their total amount.

Read with Get Records (`fields=Stage,Amount`, 200 a call): one call for most orgs, at most
`MAX_CALLS` for a big one, whose chart then says how many deals it counts. Stages come in
the order of the Stage picklist (Zoho's pipeline order), empty ones included; a stage a deal
holds that the picklist no longer lists comes last.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import ZohoConnection
from core.errors import AppError
from crm import metadata, numbers
from crm.zoho import records as zoho_records

PER_CALL = 200  # Zoho's most per Get Records call
MAX_CALLS = 5  # 1,000 deals; the chart says when there are more


@dataclass(frozen=True)
class Stage:
    label: str
    count: int
    amount: float
    count_share: float  # 0-100: the bar's width, against the stage with the most deals
    amount_share: float  # 0-100, against the stage with the biggest amount
    amount_text: str


@dataclass(frozen=True)
class Pipeline:
    stages: list[Stage]
    deals: int  # counted
    amount_text: str  # the total
    partial: bool  # more deals at Zoho than counted
    error: str = ""

    @property
    def empty(self) -> bool:
        return self.deals == 0


def deal_pipeline(*, connection: ZohoConnection) -> Pipeline | None:
    """The pipeline of the active org's deals (None when the org or profile has no Deals
    module with a Stage; an error message when Zoho fails, the rest of the page stays)."""
    if "Deals" not in {m["api_name"] for m in metadata.module_tabs(connection=connection)}:
        return None
    try:
        module = metadata.module_get(connection=connection, module="Deals")
    except AppError:
        return None
    stage, amount = module.field("Stage"), module.field("Amount")
    if stage is None:
        return None
    fields = ["Stage"] + (["Amount"] if amount else [])
    try:
        deals, partial = _deals(connection, fields)
    except AppError as error:
        return Pipeline(stages=[], deals=0, amount_text="", partial=False, error=error.message)
    counts: dict[str, int] = {value: 0 for value in stage.picklist if value != "-None-"}
    totals: dict[str, float] = dict.fromkeys(counts, 0.0)
    for deal in deals:
        value = deal.get("Stage") or "-None-"
        counts[value] = counts.get(value, 0) + 1
        money = deal.get("Amount")
        if isinstance(money, int | float) and not isinstance(money, bool):
            totals[value] = totals.get(value, 0.0) + money
    formats = numbers.active()
    places = amount.money_places if amount else 2
    most = max(counts.values(), default=0) or 1
    biggest = max(totals.values(), default=0) or 1
    stages = [
        Stage(
            label=stage.label_of(value) if value != "-None-" else "No stage",
            count=counts[value],
            amount=totals.get(value, 0.0),
            count_share=round(100 * counts[value] / most, 1),
            amount_share=round(100 * max(totals.get(value, 0.0), 0) / biggest, 1),
            amount_text=formats.money(totals.get(value, 0.0), places),
        )
        for value in counts
    ]
    return Pipeline(
        stages=stages,
        deals=len(deals),
        amount_text=formats.money(sum(totals.values()), places),
        partial=partial,
    )


def _deals(connection: ZohoConnection, fields: list[str]) -> tuple[list[dict], bool]:
    found: list[dict] = []
    token = None
    for page in range(1, MAX_CALLS + 1):
        batch, info = zoho_records.get_records(
            connection,
            "Deals",
            field_names=fields,
            page=page,
            per_page=PER_CALL,
            sort_by=None,
            sort_order=None,
            page_token=token,
        )
        found += batch
        if not info.get("more_records"):
            return found, False
        token = info.get("next_page_token")
    return found, True
