"""A static subform (Leads' Qualification Checklist, its module `generated_type:
"static_subform"`): fixed rows, one per criterion. The portal offers and takes changes to
their other fields only, and refuses adding, removing or renaming a row before Zoho does."""

from __future__ import annotations

import pytest

from crm.zoho import records as zoho_records

from .test_compound_values import _edit_page, _patch, _stored, form_data
from .test_field_types import PATRICIA, showcase_lead

pytestmark = pytest.mark.django_db
FIELD = "Qualification_Checklist"


@pytest.fixture
def lead(client, connect):
    connect(PATRICIA)
    return showcase_lead()


def _rows(zoho, lead) -> list[dict]:
    return _stored(zoho, lead)[FIELD]


def test_fields_api_names_the_static_field(client, lead):
    fields = {f["api_name"]: f for f in client.get("/crm/api/Leads/fields/").json()["data"]}
    assert fields[FIELD]["input"]["static_fields"] == ["Criterion"]
    assert fields["Visit_Log"]["input"]["static_fields"] == []


def test_json_api_changes_the_fixed_rows_other_fields(client, lead, zoho):
    rows = _rows(zoho, lead)
    assert sorted(r["Criterion"] for r in rows) == ["Authority", "Budget", "Need", "Timeline"]
    sent = [{"id": r["id"], "Met": True, "Evidence": f"Seen {i}"} for i, r in enumerate(rows)]
    sent[0]["Criterion"] = rows[0]["Criterion"]  # a row sent back as read keeps its name
    response = _patch(client, lead, {FIELD: sent})
    assert response.status_code == 200, response.content
    after = {r["id"]: r for r in _rows(zoho, lead)}
    assert [after[r["id"]]["Evidence"] for r in rows] == [f"Seen {i}" for i in range(4)]
    assert all(after[r["id"]]["Met"] is True for r in rows)
    assert [after[r["id"]]["Criterion"] for r in rows] == [r["Criterion"] for r in rows]


def test_json_api_refuses_adding_removing_or_renaming_a_row(client, lead, zoho, monkeypatch):
    rows = _rows(zoho, lead)
    every = [{"id": r["id"]} for r in rows]
    renamed = [dict(every[0], Criterion="Need" if rows[0]["Criterion"] != "Need" else "Budget")]
    cases = {
        "a row cannot be added": [*every, {"Criterion": "Budget", "Met": True}],
        "a row cannot be removed": every[1:],
        "cannot be changed": renamed + every[1:],
        "is not one of its rows": [*every[1:], every[1]],
    }
    cases["a row cannot be removed (give"] = []

    def no_write(*args, **kwargs):
        raise AssertionError("Zoho was called")

    monkeypatch.setattr(zoho_records, "update_record", no_write)
    for words, value in cases.items():
        response = _patch(client, lead, {FIELD: value})
        assert response.status_code == 400, (words, response.content)
        error = response.json()["error"]
        assert error["field"] == FIELD, error
        assert "Qualification Checklist has fixed rows (one per Criterion)" in error["message"]
        assert words in error["message"], error
    assert _rows(zoho, lead) == rows


def test_edit_form_shows_fixed_rows_without_blank_rows_or_remove_boxes(client, lead, zoho):
    rows = _rows(zoho, lead)
    page = _edit_page(client, lead)
    table = page.split(f'name="{FIELD}.rows"', 1)[1].split("</table>", 1)[0]
    assert f'name="{FIELD}.rows" value="4"' in page  # the four rows, no blank row to add
    assert "remove" not in table.lower() and "new-row" not in table
    assert f'name="{FIELD}.0.Criterion"' not in table  # the criterion is shown, not an input
    for row in rows:
        assert f'<th scope="row">{row["Criterion"]}</th>' in table
    assert f'name="{FIELD}.3.Evidence"' in table and f'name="{FIELD}.3.Met"' in table

    data = form_data(page)
    data[f"{FIELD}.2.Evidence"] = ["Signed budget"]
    data[f"{FIELD}.2.Met"] = ["on"]
    response = client.post(f"/crm/Leads/{lead['id']}/edit/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    after = {r["id"]: r for r in _rows(zoho, lead)}
    changed = after[rows[2]["id"]]
    assert changed["Evidence"] == "Signed budget" and changed["Met"] is True
    assert [after[r["id"]]["Criterion"] for r in rows] == [r["Criterion"] for r in rows]
