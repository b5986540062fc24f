"""JSON API of views and filters: `GET /crm/api/<module>/views/` and the list's `cvid`,
`owner`, `f_<picklist>`, `date`/`from`/`to` parameters; through the emulator."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _views(client) -> dict[str, str]:
    response = client.get("/crm/api/Leads/views/")
    assert response.status_code == 200
    return {v["name"]: v["id"] for v in response.json()["data"]}


def test_views_lists_the_modules_views(client, us):
    response = client.get("/crm/api/Leads/views/")
    data = response.json()["data"]
    assert data[0] == {"id": data[0]["id"], "name": "All Leads", "default": True, "system": True}
    assert {"My Leads", "Contacted and qualified"} <= {v["name"] for v in data}
    assert all(v["id"].isdigit() for v in data)
    deals = client.get("/crm/api/Deals/views/").json()["data"]
    assert "Open Deals" in {v["name"] for v in deals}


def test_views_of_an_unknown_module_is_a_400(client, us):
    response = client.get("/crm/api/Nope/views/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_MODULE"


def test_a_list_with_cvid_lists_that_view(client, us):
    views = _views(client)
    every = client.get("/crm/api/Leads/?per_page=200").json()["data"]
    answer = client.get(f"/crm/api/Leads/?cvid={views['My Leads']}&per_page=200").json()
    owners = {r["Owner"]["id"] for r in answer["data"]}
    assert owners == {us.zoho_user_id}
    assert len(answer["data"]) == sum(1 for r in every if r["Owner"]["id"] == us.zoho_user_id)


def test_filters_as_query_parameters(client, us):
    answer = client.get("/crm/api/Leads/?owner=me&f_Lead_Status=Contacted&per_page=200").json()
    assert answer["data"]
    assert {r["Lead_Status"] for r in answer["data"]} == {"Contacted"}
    assert {r["Owner"]["id"] for r in answer["data"]} == {us.zoho_user_id}
    none = client.get("/crm/api/Leads/?from=2000-01-01&to=2000-01-02").json()
    assert none["data"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("cvid=1234567890123456789", "cvid"),
        ("owner=42", "owner"),
        ("f_Lead_Status=Sleeping", "f_Lead_Status"),
        ("from=someday", "from"),
        ("from=2024-02-01&to=2024-01-01", "to"),
    ],
)
def test_a_bad_view_or_filter_is_a_400_naming_it(client, us, query, field):
    response = client.get(f"/crm/api/Leads/?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "INVALID_DATA" and error["field"] == field


def test_a_view_cannot_be_sorted_by_a_column(client, us):
    cvid = _views(client)["My Leads"]
    response = client.get(f"/crm/api/Leads/?cvid={cvid}&sort_by=Created_Time")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "sort_by"
