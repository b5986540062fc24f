"""The home dashboard answers without waiting for its tiles (crm/views/home.py): the page
is the tiles' places, from the cached module list, and each tile's count and latest records
(and the Deals pipeline) come from a fragment of their own (crm/views/dashboard_parts.py)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

TILES = ("Leads", "Contacts", "Accounts", "Deals", "Tasks", "Events", "Calls", "Shipments")


def _record_calls(urls: list[str]) -> list[str]:
    """The calls for records or counts (anything at Zoho but settings, users and org)."""
    crm = [u.split("/crm/v8/", 1)[1] for u in urls if "/crm/v8/" in u]
    return [u for u in crm if not u.startswith(("settings/", "users", "org"))]


def test_the_page_shows_every_tiles_place_and_makes_no_record_call(us, client, outbound):
    client.get("/")  # the module list, once for the org and profile
    outbound.calls.clear()
    page = client.get("/")
    assert page.status_code == 200
    assert _record_calls(outbound.urls) == []  # no count, no records, no pipeline
    assert outbound.urls == []  # and, the module list cached, no call at all
    html = page.text
    for module in TILES:
        tile = html.split(f'id="tile-box-{module}"', 1)[1].split("</section>", 1)[0]
        assert 'aria-busy="true"' in tile
        assert f'data-part-url="/crm/dashboard/tiles/{module}/"' in tile
        assert f'<a href="/crm/{module}/">All ' in tile  # the way to the records, JS or not
        assert f'id="tile-{module}"' in tile  # its heading, already there
    assert 'data-part-url="/crm/dashboard/pipeline/"' in html
    assert 'role="status" aria-live="polite"' in html
    assert '<noscript><p class="hint">' in html and 'href="?full=1"' in html
    assert "tile-count" not in html  # no count was read


def test_the_first_page_reads_the_module_list_and_nothing_more(us, client, outbound):
    page = client.get("/")
    assert page.status_code == 200
    assert _record_calls(outbound.urls) == []
    assert not [u for u in outbound.urls if "settings/fields" in u]


def test_each_tile_fragment_answers_its_count_and_latest_records(us, client):
    client.get("/")
    leads = client.get("/crm/dashboard/tiles/Leads/")
    assert leads.status_code == 200
    tile = leads.text
    assert tile.lstrip().startswith('<section class="card tile" id="tile-box-Leads"')
    assert "<html" not in tile  # a fragment, not a page
    assert 'class="tile-count" aria-label="45 leads">45<' in tile
    assert len(re.findall(r'href="/crm/Leads/\d+/"', tile)) == 3
    assert "aria-busy" not in tile
    for module in TILES:
        answer = client.get(f"/crm/dashboard/tiles/{module}/")
        assert answer.status_code == 200, module
        assert 'class="tile-count"' in answer.text, module


def test_a_tile_of_a_module_the_dashboard_does_not_show_is_404(us, client):
    for module in ("Nope", "Notes", "Products", "x" * 150):
        answer = client.get(f"/crm/dashboard/tiles/{module}/")
        assert answer.status_code == 404, module
        assert "Traceback" not in answer.text


def test_the_parts_need_a_signed_in_user(client, zoho):
    for url in ("/crm/dashboard/tiles/Leads/", "/crm/dashboard/pipeline/"):
        answer = client.get(url)
        assert answer.status_code == 302 and answer["Location"].startswith("/?next="), url
    assert client.post("/crm/dashboard/tiles/Leads/").status_code in (302, 405)


def test_the_pipeline_fragment_answers_the_chart(us, client):
    answer = client.get("/crm/dashboard/pipeline/")
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<section class="card pipeline"')
    assert '<ul class="pipeline-chart"' in answer.text and "<html" not in answer.text


def test_without_javascript_full_renders_every_tile_in_the_page(us, client):
    html = client.get("/?full=1").text
    assert html.count('class="tile-count"') == len(TILES)
    assert "data-part-url" not in html and "aria-busy" not in html
    assert '<ul class="pipeline-chart"' in html
