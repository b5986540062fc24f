"""The record page's Notes and Attachments cards: the page shows their counts from the one
related-records-count call and reads no rows; each card's rows come from its own fragment
(`…/rows/notes/`, `…/rows/attachments/`) or, without JavaScript, from `?notes=shown`; over
real HTTP to the emulator."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.crm.test_record_related import crm_calls

pytestmark = pytest.mark.django_db

PATRICIA = "patricia.boyle@zylker-traders.com"
OTHER_ORG = "720019877"  # Patricia's second org


def new_account_with_a_note_and_a_file(client) -> str:
    created = client.post(
        "/crm/api/Accounts/",
        data=json.dumps({"Account_Name": "Lazy Cards Ltd"}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    account = created.json()["data"]["id"]
    for text in ("Called <them>", "Sent the quote"):
        note = client.post(
            f"/crm/api/Accounts/{account}/notes/",
            data=json.dumps({"Note_Title": "Call", "Note_Content": text}),
            content_type="application/json",
        )
        assert note.status_code == 201, note.content
    upload = SimpleUploadedFile("terms.txt", b"Net 30\n", "text/plain")
    sent = client.post(f"/crm/api/Accounts/{account}/attachments/", {"file": upload})
    assert sent.status_code == 201, sent.content
    return account


def test_the_page_reads_the_record_and_the_counts_and_no_notes_or_attachments(client, us, outbound):
    account = new_account_with_a_note_and_a_file(client)
    client.get(f"/crm/Accounts/{account}/")  # first visit: metadata too
    since = len(outbound.calls)
    page = client.get(f"/crm/Accounts/{account}/")
    assert page.status_code == 200
    assert sorted(crm_calls(outbound, since)) == sorted(
        [f"GET Accounts/{account}", f"POST Accounts/{account}/actions/get_related_records_count"]
    )
    text = page.text
    # the exact counts at once, the rows' fragments named for the script, a link without it
    assert '<h2 id="notes-title">Notes <span class="pill">2<' in text
    assert '<h2 id="attachments-title">Attachments <span class="pill">1<' in text
    assert f'data-rows-url="/crm/Accounts/{account}/rows/notes/"' in text
    assert f'data-rows-url="/crm/Accounts/{account}/rows/attachments/"' in text
    assert 'href="?notes=shown#notes" data-rows-link>Show the 2 notes</a>' in text
    assert 'href="?attachments=shown#attachments" data-rows-link>Show the 1 attachment</a>' in text
    assert "Called &lt;them&gt;" not in text and "terms.txt" not in text
    # the forms are there before any row is read
    assert 'action="/crm/Accounts/' + account + '/notes/"' in text
    assert 'name="form_token"' in text[text.index('id="notes"') :]
    assert 'class="attach-form"' in text


def test_the_fragments_answer_the_rows(client, us, outbound):
    account = new_account_with_a_note_and_a_file(client)
    since = len(outbound.calls)
    notes = client.get(f"/crm/Accounts/{account}/rows/notes/")
    assert notes.status_code == 200
    assert "Called &lt;them&gt;" in notes.text and "Sent the quote" in notes.text
    assert "<html" not in notes.text  # a fragment, not a page
    assert f"/crm/Accounts/{account}/notes/" in notes.text  # each note's Edit and Delete
    assert crm_calls(outbound, since)[-1] == f"GET Accounts/{account}/Notes"
    files = client.get(f"/crm/Accounts/{account}/rows/attachments/")
    assert files.status_code == 200 and ">terms.txt</a>" in files.text
    assert crm_calls(outbound, since)[-1] == f"GET Accounts/{account}/Attachments"


def test_without_javascript_the_link_shows_them_in_the_page(client, us):
    account = new_account_with_a_note_and_a_file(client)
    notes = client.get(f"/crm/Accounts/{account}/?notes=shown").text
    assert "Called &lt;them&gt;" in notes and "terms.txt" not in notes
    assert f'data-rows-url="/crm/Accounts/{account}/rows/notes/"' not in notes
    files = client.get(f"/crm/Accounts/{account}/?attachments=shown").text
    assert ">terms.txt</a>" in files and "Called &lt;them&gt;" not in files


def test_an_empty_card_says_so_and_offers_no_rows(client, us, outbound):
    created = client.post(
        "/crm/api/Accounts/",
        data=json.dumps({"Account_Name": "Nothing Yet Ltd"}),
        content_type="application/json",
    )
    account = created.json()["data"]["id"]
    page = client.get(f"/crm/Accounts/{account}/?notes=shown&attachments=shown").text
    assert "No notes yet." in page and "No attachments yet." in page
    assert "data-rows-url" not in page[page.index('id="notes"') :].split("</section>")[0]
    asked = crm_calls(outbound, 0)
    assert not any(c.endswith("/Notes") or c.endswith("/Attachments") for c in asked), asked


@pytest.mark.parametrize("what", ["notes", "attachments"])
def test_rows_of_another_orgs_record_are_404(client, connect, what):
    connect(PATRICIA, org="720019234")
    account = new_account_with_a_note_and_a_file(client)
    assert client.get(f"/crm/Accounts/{account}/rows/{what}/").status_code == 200
    connect(PATRICIA, org=OTHER_ORG)
    answer = client.get(f"/crm/Accounts/{account}/rows/{what}/")
    assert answer.status_code == 404
    assert "Called" not in answer.text and "terms.txt" not in answer.text
    assert client.get(f"/crm/Accounts/1234567890123456789/rows/{what}/").status_code == 404
    assert client.get(f"/crm/Accounts/not-an-id/rows/{what}/").status_code in (400, 404)
