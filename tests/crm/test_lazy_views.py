"""The list page reads Zoho's custom views only when it shows them (issue 23, "no call whose
answer the page does not show"): a plain list makes no `settings/custom_views` call; the
"View and filters" panel's picker is read when the panel is opened (the fragment
`/crm/<module>/view-picker/`, or `?filters=open` without JavaScript); an active view's name
shows. Through the emulator over real HTTP."""

from __future__ import annotations

import re
from html import unescape

import pytest

pytestmark = pytest.mark.django_db


def _views_calls(outbound) -> list[str]:
    return [url for url in outbound.urls if "/settings/custom_views" in url]


def _picker(html: str) -> dict[str, str]:
    select = re.search(r'<select id="filter-cvid" name="cvid">(.*?)</select>', html, re.S)
    assert select, "no view picker"
    return {
        unescape(name): value
        for value, name in re.findall(r'<option value="(\d*)"[^>]*>([^<]+)</option>', select[1])
    }


def _panel(html: str) -> str:
    return re.search(r'<details class="filters-panel"[^>]*>', html)[0]


def test_a_plain_list_makes_no_views_call_and_one_call_when_warm(client, us, outbound):
    first = client.get("/crm/Leads/")
    assert first.status_code == 200
    assert _views_calls(outbound) == []
    assert 'id="filter-cvid"' not in first.text
    assert " open" not in _panel(first.text)  # closed by default
    assert "Choose a view" in first.text and "filter-owner" in first.text
    outbound.calls.clear()
    again = client.get("/crm/Leads/")
    assert again.status_code == 200
    assert len(outbound.urls) == 1, outbound.urls
    assert re.search(r"/crm/v\d+/Leads\?", outbound.urls[0]), outbound.urls


def test_opening_the_panel_reads_the_views_once(client, us, outbound):
    page = client.get("/crm/Leads/").text
    assert _views_calls(outbound) == []
    link = re.search(r'<div class="filter" id="view-picker" data-picker-url="([^"]+)">', page)
    fragment = client.get(link[1])
    assert fragment.status_code == 200
    assert len(_views_calls(outbound)) == 1
    views = _picker(fragment.text)
    assert list(views)[:2] == ["All Leads", "My Leads"] and "Contacted and qualified" in views
    assert "<html" not in fragment.text  # a fragment, not a page
    client.get(link[1])
    assert len(_views_calls(outbound)) == 1  # cached afterwards


def test_choose_a_view_without_javascript_opens_the_panel_with_the_picker(client, us, outbound):
    page = client.get("/crm/Leads/?per_page=50").text
    choose = unescape(re.search(r'<a href="([^"]+)">Choose a view</a>', page)[1])
    assert "filters=open" in choose and "per_page=50" in choose
    opened = client.get(f"/crm/Leads/{choose.split('#')[0]}")
    assert opened.status_code == 200
    assert " open" in _panel(opened.text)
    assert "Contacted and qualified" in _picker(opened.text)
    assert len(_views_calls(outbound)) == 1


def test_an_active_view_shows_its_name(client, us):
    cvid = _picker(client.get("/crm/Leads/view-picker/").text)["Contacted and qualified"]
    page = client.get(f"/crm/Leads/?cvid={cvid}").text
    assert " open" in _panel(page)
    assert '<span class="filters-view">: Contacted and qualified</span>' in page
    assert f'<option value="{cvid}" selected>Contacted and qualified</option>' in page


def test_a_filter_without_a_view_opens_the_panel_without_a_views_call(client, us, outbound):
    page = client.get("/crm/Leads/?owner=me").text
    assert " open" in _panel(page)
    assert _views_calls(outbound) == []
    assert "Choose a view" in page


def test_the_picker_of_an_unknown_module_is_refused_like_its_list(client, us):
    picker = client.get("/crm/Nonsense/view-picker/")
    assert 400 <= picker.status_code < 500
    assert picker.status_code == client.get("/crm/Nonsense/").status_code
