"""API credits per org and day, and the cap on calls in flight (limits.py, app.py)."""

from __future__ import annotations

import threading

import pytest
from emulator_support import MARCUS, PATRICIA, SOFIA, ZYLKER_TRADERS

from zoho_emulator import limits

NORDWIND = "20071245781"


@pytest.fixture
def us(zoho_http):
    return zoho_http.tokens(PATRICIA, "us")["access_token"]


def org(zoho_http, token, dc="us"):
    return zoho_http.api("GET", dc, "org", token)


def test_every_demo_org_has_an_edition_and_its_allowance(emulator):
    orgs = emulator.client.credits()
    assert set(orgs) == set(limits.ORG_EDITIONS)
    for zgid, entry in orgs.items():
        edition = limits.EDITIONS[entry["edition"]]
        assert entry["concurrency"] == edition.concurrency
        assert entry["allowance"] == limits.allowance(zgid, limits.org_users(zgid))
        assert entry["allowance"] >= 50_000 and entry["used"] == 0
    # the suite's heaviest runs: 16 workers at once in one org, a page fanning out 4 calls
    assert min(e["concurrency"] for e in orgs.values()) > 4
    for zgid in (ZYLKER_TRADERS, NORDWIND):
        assert orgs[zgid]["concurrency"] > 16


def test_calls_spend_credits_by_their_weight(emulator, zoho_http, us):
    assert org(zoho_http, us).status_code == 200
    zoho_http.api("GET", "us", "Leads", us, params={"fields": "Last_Name"})
    zoho_http.api(
        "POST", "us", "coql", us, json={"select_query": "select Last_Name from Leads limit 500"}
    )
    zoho_http.api(
        "POST", "us", "coql", us, json={"select_query": "select Last_Name from Leads limit 0, 2000"}
    )
    assert emulator.client.stats()["credits_used_by_org"] == {ZYLKER_TRADERS: 1 + 1 + 2 + 3}
    assert emulator.client.credits()[ZYLKER_TRADERS]["used"] == 7
    # a call without a live token costs nothing
    assert org(zoho_http, "1000.nope").status_code == 401
    assert emulator.client.stats()["credits_used_by_org"] == {ZYLKER_TRADERS: 7}


def test_out_of_credits_is_429_until_the_allowance_is_back(emulator, zoho_http, us):
    entry = emulator.client.set_credits(ZYLKER_TRADERS, limit=2)
    assert entry["remaining"] == 2
    assert org(zoho_http, us).status_code == 200
    assert org(zoho_http, us).status_code == 200
    refused = org(zoho_http, us)
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "TOO_MANY_REQUESTS" and body["status"] == "error"
    assert "credits" in body["message"]
    # the whole org is out: another user of it too; other orgs are not
    marcus = zoho_http.tokens(MARCUS, "us")["access_token"]
    assert org(zoho_http, marcus).status_code == 429
    sofia = zoho_http.tokens(SOFIA, "eu")["access_token"]
    assert org(zoho_http, sofia, "eu").status_code == 200
    # a COQL call costing 3 does not fit in 2 remaining credits
    emulator.client.set_credits(ZYLKER_TRADERS, limit=2)
    coql = {"select_query": "select Last_Name from Leads limit 2000"}
    assert zoho_http.api("POST", "us", "coql", us, json=coql).status_code == 429
    assert zoho_http.api("POST", "us", "coql", us, json={"select_query": "select id from Leads"})
    emulator.client.set_credits(ZYLKER_TRADERS, limit=None)
    assert org(zoho_http, us).status_code == 200
    assert emulator.client.stats()["api_errors_by_code"]["TOO_MANY_REQUESTS"] == 3


@pytest.mark.parametrize("body", [{"limit": -1}, {"limit": "5"}, {"concurrency": 1.5}, {}])
def test_credits_control_plane_refuses_bad_input(emulator, body):
    from zoho_emulator.client import EmulatorError

    with pytest.raises(EmulatorError) as refused:
        emulator.client._json(
            "POST",
            "/_emulator/credits",
            json_body={"zgid": ZYLKER_TRADERS, **body} if body else {"zgid": "nope"},
        )
    assert refused.value.status == 400


def test_calls_past_the_concurrency_cap_are_429(emulator, zoho_http, us):
    emulator.client.set_credits(ZYLKER_TRADERS, concurrency=1)
    path = "/api/us/crm/v8/org"
    emulator.client.add_fault(path, delay_s=2.0)  # the first call stays in flight a while
    answers = []
    slow = threading.Thread(target=lambda: answers.append(org(zoho_http, us).status_code))
    slow.start()
    for _ in range(2000):  # until the slow call is in flight (bounded)
        if emulator.client.credits()[ZYLKER_TRADERS]["in_flight"] == 1:
            break
    else:
        pytest.fail("the slow call never got in flight")
    second = zoho_http.api("GET", "us", "users", us, params={"type": "AllUsers"})
    assert second.status_code == 429
    assert second.json()["code"] == "TOO_MANY_REQUESTS"
    assert "concurrent" in second.json()["message"]
    # another org is not held up by this one
    sofia = zoho_http.tokens(SOFIA, "eu")["access_token"]
    assert org(zoho_http, sofia, "eu").status_code == 200
    slow.join()
    assert answers == [200]
    assert org(zoho_http, us).status_code == 200  # the slot is free again
    emulator.client.set_credits(ZYLKER_TRADERS, concurrency=None)
    assert emulator.client.credits()[ZYLKER_TRADERS]["concurrency"] == 25


def test_coql_has_its_own_lower_cap(emulator, zoho_http, us, monkeypatch):
    monkeypatch.setitem(limits.SUB_CONCURRENCY, "coql", 0)  # 10 at Zoho: none fit now
    query = {"select_query": "select Last_Name from Leads"}
    refused = zoho_http.api("POST", "us", "coql", us, json=query)
    assert refused.status_code == 429 and refused.json()["code"] == "TOO_MANY_REQUESTS"
    assert org(zoho_http, us).status_code == 200  # other calls are not held up
