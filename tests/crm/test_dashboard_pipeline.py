"""The dashboard's Deals pipeline (crm/pipeline.py, templates/_pipeline.html): per stage, in
the Stage picklist's order, how many deals and their amount, as a chart and a table. The
home page loads it as a fragment (`PIPELINE`); `/?full=1` renders it in the page."""

from __future__ import annotations

import re
from html import unescape

import pytest

from zoho_emulator import catalog

pytestmark = pytest.mark.django_db

PATRICIA = "patricia.boyle@zylker-traders.com"
SOFIA = "sofia.lindqvist@nordwind-logistik.de"
JONAS = "jonas.becker@nordwind-logistik.de"  # Warehouse profile: no Deals
TRADERS = "720019234"
PIPELINE = "/crm/dashboard/pipeline/"


def _deals(zoho, zgid):
    return list(zoho.app.state.orgs[zgid].records["Deals"].values())


def _table_rows(page: str) -> list[tuple[str, str, str]]:
    table = page.split('<details class="pipeline-table">', 1)[1].split("</details>", 1)[0]
    rows = re.findall(
        r'<tr><th scope="row">(.*?)</th><td class="num">(.*?)</td><td class="num">(.*?)</td></tr>',
        table,
    )
    return [tuple(unescape(cell) for cell in row) for row in rows]


def test_the_pipeline_counts_and_sums_deals_per_stage_in_pipeline_order(client, connect, zoho):
    connect(PATRICIA)
    page = client.get(PIPELINE).text
    rows = _table_rows(page)
    stages = [value for value in catalog.PICKLISTS["stage"] if value != "-None-"]
    assert [r[0] for r in rows[:-1]] == stages  # every stage, empty ones too, in order
    deals = _deals(zoho, TRADERS)
    for label, count, amount in rows[:-1]:
        mine = [d for d in deals if d.get("Stage") == label]
        assert int(count) == len(mine), label
        assert amount == f"${sum(d.get('Amount') or 0 for d in mine):,.2f}", label
    assert rows[-1] == ("Total", str(len(deals)), f"${sum(d['Amount'] or 0 for d in deals):,.2f}")


def test_the_chart_is_drawn_for_eyes_and_told_in_text(client, connect):
    connect(PATRICIA)
    page = client.get(PIPELINE).text
    chart = page.split('<ul class="pipeline-chart"', 1)[1].split("</ul>", 1)[0]
    assert chart.count("<li") == chart.count('<svg class="pipeline-bar"') >= 5
    assert chart.count('aria-hidden="true"') == chart.count("<svg")  # the bars: decoration
    assert re.search(r"\d+ deals? · \$[\d,]+\.\d\d</span>", chart)  # the text says it all
    assert "<figcaption" in page and "<summary>Show the pipeline as a table</summary>" in page
    widths = [float(w) for w in re.findall(r'class="pipeline-fill" width="([\d.]+)"', chart)]
    assert max(widths) == 100.0 and min(widths) >= 0


def test_the_pipeline_costs_one_records_call(client, connect, outbound):
    connect(PATRICIA)
    client.get(PIPELINE)  # metadata cached
    outbound.calls.clear()
    client.get(PIPELINE)
    asked = [url for _, url, _ in outbound.calls if "/crm/v8/Deals?" in url and "Stage" in url]
    assert len(asked) == 1


def test_the_pipeline_is_in_the_users_own_number_format(client, connect):
    connect(SOFIA)
    rows = _table_rows(client.get("/?full=1").text)
    assert rows and all(r[2].endswith("\u00a0€") for r in rows)
    assert all("," in r[2] for r in rows)  # decimal comma


def test_no_pipeline_for_a_profile_without_deals(client, connect):
    connect(JONAS)
    for url in ("/", "/?full=1", PIPELINE):
        page = client.get(url)
        assert page.status_code == 200 and "Deals pipeline" not in page.text, url


def test_zoho_failing_the_pipeline_leaves_the_rest_of_the_dashboard(client, connect, zoho):
    connect(PATRICIA)
    client.get("/")
    zoho.client.add_fault("/api/us/crm/v8/Deals", count=None, crm_code="INTERNAL_ERROR")
    try:
        page = client.get("/?full=1").text
    finally:
        zoho.client.clear_faults()
    assert "Deals pipeline" in page and "pipeline-chart" not in page
    assert 'class="card tile"' in page  # the tiles are still there
