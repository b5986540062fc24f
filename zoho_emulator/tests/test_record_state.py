"""Locked records and records awaiting approval: the seeded ones, what reads show, what writes
answer (Zoho's v8 examples), and the control plane that sets them."""

from __future__ import annotations

import pytest
import requests
from emulator_support import PATRICIA, SOFIA, ZYLKER_TRADERS

from zoho_emulator.client import EmulatorError

LEADS_READ = "Last_Name,Locked__s"


@pytest.fixture
def us(zoho_http):
    return zoho_http.tokens(PATRICIA, "us")["access_token"]


def _seeded(zoho_http, token, module, dc="us"):
    """The module's records by id (oldest first), with Locked__s."""
    name = "Last_Name" if module == "Leads" else "Deal_Name"
    resp = zoho_http.api(
        "GET",
        dc,
        module,
        token,
        params={"fields": f"{name},Locked__s", "per_page": 200, "sort_order": "asc"},
    )
    assert resp.status_code == 200, resp.text
    return resp.json()["data"]


def _get(zoho_http, token, module, record_id, dc="us"):
    resp = zoho_http.api("GET", dc, f"{module}/{record_id}", token)
    assert resp.status_code == 200, resp.text
    return resp.json()["data"][0]


@pytest.mark.parametrize("module", ["Leads", "Deals"])
@pytest.mark.parametrize(("who", "dc"), [(PATRICIA, "us"), (SOFIA, "eu")])
def test_every_demo_org_has_a_locked_and_a_pending_record(zoho_http, module, who, dc):
    token = zoho_http.tokens(who, dc)["access_token"]
    oldest = _seeded(zoho_http, token, module, dc)[:4]
    states = [_get(zoho_http, token, module, r["id"], dc) for r in oldest]
    locked, pending, rejected, plain = states
    assert locked["Locked__s"] is True and locked["$editable"] is False
    assert locked["$approval_state"] == "approved"
    assert pending["Locked__s"] is False and pending["$editable"] is False
    assert pending["$approval_state"] == "approval_process_pending"
    assert rejected["$approval_state"] == "approval_process_rejected"
    assert rejected["$editable"] is True
    assert plain == {**plain, "Locked__s": False, "$approval_state": "approved", "$editable": True}


def test_writes_on_a_locked_record_answer_record_locked(zoho_http, us):
    locked = _seeded(zoho_http, us, "Leads")[0]
    assert locked["Locked__s"] is True
    # bulk update: per record, in data (updateRecords response-400-recordlockederror)
    resp = zoho_http.api(
        "PUT", "us", "Leads", us, json={"data": [{"id": locked["id"], "Last_Name": "X"}]}
    )
    assert resp.status_code == 400
    assert resp.json() == {
        "data": [
            {
                "code": "RECORD_LOCKED",
                "details": {
                    "api_name": "id",
                    "json_path": "$.data[0].id",
                    "action": "record_locking",
                },
                "message": "Sorry, you cannot perform this operation as the record is locked.",
                "status": "error",
            }
        ]
    }
    # single update through the URL: a top-level error naming the path's id
    resp = zoho_http.api("PUT", "us", f"Leads/{locked['id']}", us, json={"data": [{"City": "X"}]})
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "RECORD_LOCKED" and body["status"] == "error"
    assert body["details"]["action"] == "record_locking"
    # delete (deleteRecord response-400-recordlocked)
    for path, params in ((f"Leads/{locked['id']}", None), ("Leads", {"ids": locked["id"]})):
        resp = zoho_http.api("DELETE", "us", path, us, params=params)
        assert resp.status_code == 400, path
        assert resp.json()["data"] == [
            {
                "code": "RECORD_LOCKED",
                "details": {"action": "record_locking", "id": locked["id"]},
                "message": "You cannot perform this operation as the record is locked.",
                "status": "error",
            }
        ]
    after = _get(zoho_http, us, "Leads", locked["id"])
    assert after["Last_Name"] == locked["Last_Name"]  # nothing changed, nothing deleted


def test_writes_on_a_record_awaiting_approval_answer_not_approved(zoho_http, us):
    pending = _seeded(zoho_http, us, "Deals")[1]
    assert _get(zoho_http, us, "Deals", pending["id"])["$approval_state"] == (
        "approval_process_pending"
    )
    resp = zoho_http.api(
        "PUT", "us", f"Deals/{pending['id']}", us, json={"data": [{"Next_Step": "x"}]}
    )
    assert resp.status_code == 400
    assert resp.json() == {
        "code": "NOT_APPROVED",
        "details": {"resource_path_index": 1},
        "message": "Cannot update record that is not approved yet",
        "status": "error",
    }
    resp = zoho_http.api("DELETE", "us", "Deals", us, params={"ids": pending["id"]})
    assert resp.status_code == 400
    assert resp.json()["data"] == [
        {
            "code": "NOT_APPROVED",
            "details": {},
            "message": "cannot delete record that is not approved yet",
            "status": "error",
        }
    ]
    # one refused, one deleted: 207 with both results
    other = _seeded(zoho_http, us, "Deals")[-1]
    resp = zoho_http.api(
        "DELETE", "us", "Deals", us, params={"ids": f"{pending['id']},{other['id']}"}
    )
    assert resp.status_code == 207
    assert [r["code"] for r in resp.json()["data"]] == ["NOT_APPROVED", "SUCCESS"]


def test_rejected_records_can_be_changed(zoho_http, us):
    rejected = _seeded(zoho_http, us, "Leads")[2]
    resp = zoho_http.api(
        "PUT", "us", f"Leads/{rejected['id']}", us, json={"data": [{"City": "Springfield"}]}
    )
    assert resp.status_code == 200, resp.text


def test_control_plane_sets_and_clears_the_state(emulator, zoho_http, us):
    lead = _seeded(zoho_http, us, "Leads")[-1]
    answer = emulator.client.set_record_state(
        ZYLKER_TRADERS, "Leads", lead["id"], locked=True, approval_state="pending"
    )
    assert answer == {
        "Locked__s": True,
        "$approval_state": "approval_process_pending",
        "$editable": False,
    }
    got = _get(zoho_http, us, "Leads", lead["id"])
    assert got["Locked__s"] is True and got["$editable"] is False
    resp = zoho_http.api("DELETE", "us", f"Leads/{lead['id']}", us)
    assert resp.json()["data"][0]["code"] == "RECORD_LOCKED"  # locked is said first
    emulator.client.set_record_state(ZYLKER_TRADERS, "Leads", lead["id"], locked=False)
    resp = zoho_http.api("DELETE", "us", f"Leads/{lead['id']}", us)
    assert resp.json()["data"][0]["code"] == "NOT_APPROVED"
    emulator.client.set_record_state(ZYLKER_TRADERS, "Leads", lead["id"], approval_state="approved")
    assert _get(zoho_http, us, "Leads", lead["id"])["$editable"] is True
    resp = zoho_http.api("DELETE", "us", f"Leads/{lead['id']}", us)
    assert resp.status_code == 200
    emulator.client.reset()  # tokens go too: a fresh one reads the seed again
    fresh = zoho_http.tokens(PATRICIA, "us")["access_token"]
    assert _get(zoho_http, fresh, "Leads", lead["id"])["Locked__s"] is False


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ({}, "zgid"),
        ({"zgid": "1", "module": "Leads", "id": "1", "locked": True}, "zgid"),
        ({"zgid": ZYLKER_TRADERS, "id": "1", "locked": True}, "module"),
        ({"zgid": ZYLKER_TRADERS, "module": "Leads", "locked": True}, "id"),
        ({"zgid": ZYLKER_TRADERS, "module": "Leads", "id": "1"}, "locked"),
        ({"zgid": ZYLKER_TRADERS, "module": "Leads", "id": "1", "locked": "yes"}, "true"),
        (
            {"zgid": ZYLKER_TRADERS, "module": "Leads", "id": "1", "approval_state": "maybe"},
            "pending",
        ),
        ({"zgid": ZYLKER_TRADERS, "module": "Potatoes", "id": "1", "locked": True}, "Potatoes"),
        ({"zgid": ZYLKER_TRADERS, "module": "Leads", "id": "1", "locked": True}, "no record"),
    ],
)
def test_control_plane_refuses_bad_input_with_a_message(emulator, spec, needle):
    with pytest.raises(EmulatorError) as caught:
        emulator.client._json("POST", "/_emulator/record-state", json_body=spec)
    assert caught.value.status == 400
    assert needle in caught.value.body["message"]


def test_control_plane_is_post_only(emulator):
    resp = requests.get(f"{emulator.url}/_emulator/record-state", timeout=10)
    assert resp.status_code == 404
