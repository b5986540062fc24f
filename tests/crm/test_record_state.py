"""Records Zoho will not let anyone change: locked (`Locked__s`) and awaiting approval
(`$approval_state`). The record page says so and offers no Edit or Delete; the edit and
delete pages answer 409; a write anyway gets Zoho's code back (never a 404 or a 5xx)."""

from __future__ import annotations

import json

import pytest

from core.errors import AppError
from crm import record_state

pytestmark = pytest.mark.django_db

US = ("patricia.boyle@zylker-traders.com", "720019234")  # Zylker Traders


def _oldest(client, module: str) -> list[str]:
    """The module's oldest record ids: the demo locks the first and puts the second under
    approval (zoho_emulator/src/zoho_emulator/seed.py, RECORD_STATES)."""
    listing = client.get(f"/crm/api/{module}/?per_page=200&sort_by=id&sort_order=asc")
    assert listing.status_code == 200, listing.content
    return [r["id"] for r in listing.json()["data"]]


@pytest.mark.parametrize("module", ["Leads", "Deals"])
@pytest.mark.parametrize(
    ("index", "code", "words"),
    [
        (0, "RECORD_LOCKED", "This record is locked in Zoho"),
        (1, "NOT_APPROVED", "awaiting approval"),
    ],
)
def test_the_record_page_says_why_and_offers_no_edit_or_delete(
    client, us, module, index, code, words
):
    record_id = _oldest(client, module)[index]
    page = client.get(f"/crm/{module}/{record_id}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert words in text and f'data-code="{code}"' in text
    assert f"/crm/{module}/{record_id}/edit/" not in text
    assert f"/crm/{module}/{record_id}/delete/" not in text
    assert f"/crm/{module}/{record_id}/files/" not in text  # no file to add or remove either
    for action in ("edit", "delete"):
        refused = client.get(f"/crm/{module}/{record_id}/{action}/")
        assert refused.status_code == 409, action
        assert words in refused.content.decode()


def test_an_ordinary_record_still_offers_edit_and_delete(client, us):
    ids = _oldest(client, "Leads")
    rejected, plain = ids[2], ids[3]  # a rejected record can be changed again, as at Zoho
    for record_id in (rejected, plain):
        text = client.get(f"/crm/Leads/{record_id}/").content.decode()
        assert "record-blocked" not in text
        assert f"/crm/Leads/{record_id}/edit/" in text
        assert f"/crm/Leads/{record_id}/delete/" in text
        assert f"/crm/Leads/{record_id}/files/" in text  # Leads have file fields


@pytest.mark.parametrize(("index", "code"), [(0, "RECORD_LOCKED"), (1, "NOT_APPROVED")])
def test_a_write_anyway_answers_zohos_code(client, us, index, code):
    record_id = _oldest(client, "Leads")[index]
    put = client.patch(
        f"/crm/api/Leads/{record_id}/",
        data=json.dumps({"City": "Springfield"}),
        content_type="application/json",
    )
    assert put.status_code == 409, put.content
    assert put.json()["error"]["code"] == code
    deleted = client.delete(f"/crm/api/Leads/{record_id}/")
    assert deleted.status_code == 409, deleted.content
    assert deleted.json()["error"]["code"] == code
    # the form posts: an error page with the same words, nothing changed or deleted
    form = client.post(f"/crm/Leads/{record_id}/delete/", {"title": "x"})
    assert form.status_code == 409
    edit = client.post(f"/crm/Leads/{record_id}/edit/", {"Last_Name": "Changed", "Company": "C"})
    assert edit.status_code == 409
    assert "Zoho" in edit.content.decode()
    assert client.get(f"/crm/api/Leads/{record_id}/").status_code == 200


def test_a_record_locked_after_the_page_was_read(client, us, emulator):
    """The page offered Edit; Zoho locks the record meanwhile; the save is refused with
    Zoho's code and the record page then says it is locked."""
    record_id = _oldest(client, "Leads")[-1]
    assert client.get(f"/crm/Leads/{record_id}/edit/").status_code == 200
    emulator.client.set_record_state(US[1], "Leads", record_id, locked=True)
    put = client.patch(
        f"/crm/api/Leads/{record_id}/",
        data=json.dumps({"City": "Springfield"}),
        content_type="application/json",
    )
    assert put.status_code == 409 and put.json()["error"]["code"] == "RECORD_LOCKED"
    assert "locked in Zoho" in client.get(f"/crm/Leads/{record_id}/").content.decode()
    emulator.client.set_record_state(US[1], "Leads", record_id, locked=False)
    assert client.get(f"/crm/Leads/{record_id}/edit/").status_code == 200


@pytest.mark.parametrize(
    ("record", "code"),
    [
        ({"Locked__s": True, "$approval_state": "approval_process_pending"}, "RECORD_LOCKED"),
        ({"Locked__s": False, "$approval_state": "review_process_pending"}, "NOT_APPROVED"),
        ({"Locked__s": False, "$editable": False}, "NOT_EDITABLE"),
        ({"Locked__s": False, "$approval_state": "approval_process_rejected"}, None),
        ({"Locked__s": None}, None),
        (None, None),
    ],
)
def test_what_blocks_a_change(record, code):
    error = record_state.blocked(record)
    assert (error.code if error else None) == code
    if error is not None:
        with pytest.raises(AppError, match="Zoho"):
            record_state.refuse_if_blocked(record)
