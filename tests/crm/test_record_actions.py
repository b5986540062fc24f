"""Actions on a record: Convert Lead, notes, attachments and "New …" with the parent filled
in, through the test client, the portal's SDK calls and the emulator over real HTTP."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.django_db


def api(client, method, url, body=None, **headers):
    return getattr(client, method)(
        url,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        **headers,
    )


def new_lead(client, **values) -> str:
    body = {"Last_Name": "Okafor", "First_Name": "Ada", "Company": "Okafor Freight Ltd", **values}
    created = api(client, "post", "/crm/api/Leads/", body)
    assert created.status_code == 201, created.content
    return created.json()["data"]["id"]


def form_token(page: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', page)[1]


# --- Convert Lead -------------------------------------------------------------------------
def test_convert_a_lead_with_a_deal_on_the_page(client, signed_in):
    lead = new_lead(client)
    page = client.get(f"/crm/Leads/{lead}/convert/")
    assert page.status_code == 200
    text = page.text
    assert "Convert lead “Ada Okafor”?" in text
    assert 'value="Okafor Freight Ltd"' in text  # the deal's name starts as the company

    sent = client.post(
        f"/crm/Leads/{lead}/convert/",
        {
            "form_token": form_token(text),
            "create_deal": "on",
            "Deal_Name": "Okafor Freight: first order",
            "Stage": "Qualification",
            "Amount": "1200.50",
            "Closing_Date": "2027-01-31",
        },
    )
    assert sent.status_code == 302 and sent["Location"] == f"/crm/Leads/{lead}/convert/"
    done = client.get(sent["Location"]).text
    assert "is converted" in done
    contact = re.search(r'href="/crm/Contacts/(\d+)/">Ada Okafor</a>', done)[1]
    account = re.search(r'href="/crm/Accounts/(\d+)/">Okafor Freight Ltd</a>', done)[1]
    deal = re.search(r'href="/crm/Deals/(\d+)/">Okafor Freight: first order</a>', done)[1]

    made = client.get(f"/crm/api/Deals/{deal}/").json()["data"]
    assert made["Stage"] == "Qualification" and made["Amount"] == 1200.5
    assert made["Account_Name"]["id"] == account and made["Contact_Name"]["id"] == contact
    person = client.get(f"/crm/api/Contacts/{contact}/").json()["data"]
    assert person["Last_Name"] == "Okafor" and person["Account_Name"]["id"] == account

    again = client.post(f"/crm/Leads/{lead}/convert/", {"form_token": form_token(text)})
    assert again.status_code == 302  # the same form sent twice converts once
    page = client.get(f"/crm/Leads/{lead}/convert/").text
    assert "Convert lead" not in page and "is converted" in page


def test_the_api_converts_once_and_answers_the_ids(client, signed_in):
    account = client.get("/crm/api/Accounts/?per_page=1").json()["data"][0]
    lead = new_lead(client, Company=account["Account_Name"])
    answer = api(client, "post", f"/crm/api/Leads/{lead}/convert/")
    assert answer.status_code == 200, answer.content
    data = answer.json()["data"]
    assert set(data) == {"Contacts", "Accounts", "Deals"}
    assert data["Accounts"] == account["id"]  # the account of that name, not a new one
    assert data["Deals"] is None  # no deal asked for
    contact = client.get(f"/crm/api/Contacts/{data['Contacts']}/").json()["data"]
    assert contact["Account_Name"]["id"] == account["id"]

    twice = api(client, "post", f"/crm/api/Leads/{lead}/convert/")
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "ID_ALREADY_CONVERTED"


def test_a_deal_without_its_stage_is_refused_naming_the_field(client, signed_in):
    lead = new_lead(client)
    answer = api(
        client, "post", f"/crm/api/Leads/{lead}/convert/", {"deal": {"Deal_Name": "No stage"}}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "Stage"
    assert api(client, "post", f"/crm/api/Leads/{lead}/convert/").status_code == 200


# --- notes --------------------------------------------------------------------------------
def first(client, module) -> dict:
    return client.get(f"/crm/api/{module}/?per_page=1").json()["data"][0]


def test_add_edit_and_delete_a_note_on_the_record_page(client, signed_in):
    lead = new_lead(client)
    page = client.get(f"/crm/Leads/{lead}/").text
    assert 'id="notes"' in page and "No notes yet." in page
    token = form_token(page[page.index('id="notes"') :])
    added = client.post(
        f"/crm/Leads/{lead}/notes/",
        {"form_token": token, "Note_Title": "First call", "Note_Content": "Wants a quote <soon>"},
    )
    assert added.status_code == 302 and added["Location"] == f"/crm/Leads/{lead}/#notes"
    resent = client.post(
        f"/crm/Leads/{lead}/notes/",
        {"form_token": token, "Note_Title": "First call", "Note_Content": "Wants a quote <soon>"},
    )
    assert resent.status_code == 302
    notes = client.get(f"/crm/api/Leads/{lead}/notes/").json()["data"]
    assert len(notes) == 1  # the same form sent twice adds one note
    note = notes[0]["id"]
    page = client.get(f"/crm/Leads/{lead}/rows/notes/").text  # the card's rows, when seen
    assert "First call" in page and "Wants a quote &lt;soon&gt;" in page  # escaped

    edit = client.get(f"/crm/Leads/{lead}/notes/{note}/edit/")
    assert edit.status_code == 200 and "Wants a quote &lt;soon&gt;</textarea>" in edit.text
    empty = client.post(
        f"/crm/Leads/{lead}/notes/{note}/edit/", {"Note_Title": "x", "Note_Content": " "}
    )
    assert empty.status_code == 400 and "Write the note" in empty.text
    saved = client.post(
        f"/crm/Leads/{lead}/notes/{note}/edit/",
        {"Note_Title": "First call", "Note_Content": "Quote sent"},
    )
    assert saved.status_code == 302
    assert client.get(f"/crm/api/Leads/{lead}/notes/").json()["data"][0]["Note_Content"] == (
        "Quote sent"
    )
    confirm = client.get(f"/crm/Leads/{lead}/notes/{note}/delete/")
    assert confirm.status_code == 200 and "Delete the note" in confirm.text
    assert client.post(f"/crm/Leads/{lead}/notes/{note}/delete/").status_code == 302
    assert client.get(f"/crm/api/Leads/{lead}/notes/").json()["data"] == []


def test_notes_api_and_a_note_of_another_record(client, signed_in):
    lead, other = new_lead(client), new_lead(client, Email="other@example.com")
    made = api(client, "post", f"/crm/api/Leads/{lead}/notes/", {"Note_Content": "Hello"})
    assert made.status_code == 201, made.content
    note = made.json()["data"]
    assert note["Note_Content"] == "Hello" and note["id"]
    assert api(client, "post", f"/crm/api/Leads/{lead}/notes/", {}).status_code == 400
    unknown = api(client, "post", f"/crm/api/Leads/{lead}/notes/", {"Body": "x"})
    assert unknown.status_code == 400 and unknown.json()["error"]["field"] == "Body"

    url = f"/crm/api/Leads/{other}/notes/{note['id']}/"  # the note, through another lead
    assert client.get(url).status_code == 404
    assert api(client, "patch", url, {"Note_Content": "Hijack"}).status_code == 404
    assert client.delete(url).status_code == 404
    assert client.get(f"/crm/Leads/{other}/notes/{note['id']}/edit/").status_code == 404

    own = f"/crm/api/Leads/{lead}/notes/{note['id']}/"
    patched = api(client, "patch", own, {"Note_Content": "Hello again", "Note_Title": "Hi"})
    assert patched.status_code == 200 and patched.json()["data"]["Note_Title"] == "Hi"
    assert client.delete(own).status_code == 200
    assert client.get(own).status_code == 404


def test_a_note_is_kept_when_zoho_refuses_it(client, signed_in):
    lead = new_lead(client)
    page = client.post(
        f"/crm/Leads/{lead}/notes/",
        {"Note_Title": "t" * 121, "Note_Content": "Kept text"},
    )
    assert page.status_code == 400
    assert "Kept text</textarea>" in page.text and "at most 120" in page.text


# --- "New …" with the parent filled in ------------------------------------------------------
def test_new_contact_of_an_account_starts_with_the_account(client, signed_in):
    account = first(client, "Accounts")
    page = client.get(f"/crm/Accounts/{account['id']}/").text
    link = f"/crm/Contacts/new/?parent_module=Accounts&amp;parent_id={account['id']}"
    assert f'href="{link}"' in page
    # the link's form, and the form named by the lookup itself, both start with the account
    for url in (link.replace("&amp;", "&"), f"/crm/Contacts/new/?Account_Name={account['id']}"):
        form = client.get(url).text
        field = re.search(r'<input[^>]*name="Account_Name"[^>]*>', form)[0]
        assert f'value="{account["id"]}"' in field
        assert f'data-lookup-name="{account["Account_Name"]}"' in field


def test_a_related_list_with_no_records_offers_new_too(client, signed_in):
    """An account with no quotes yet: "New quote" beside the list's name, its form filled."""
    account = first(client, "Accounts")
    page = client.get(f"/crm/Accounts/{account['id']}/").text
    empty = page[page.index("No related records yet in:") :]
    empty = empty[: empty.index("</section>")]
    link = f"/crm/Quotes/new/?parent_module=Accounts&amp;parent_id={account['id']}"
    assert f'href="{link}"' in empty and "New quote" in empty
    form = client.get(link.replace("&amp;", "&")).text
    field = re.search(r'<input[^>]*name="Account_Name"[^>]*>', form)[0]
    assert f'value="{account["id"]}"' in field


def test_a_parent_module_no_lookup_takes_fills_nothing(client, signed_in):
    account = first(client, "Accounts")
    form = client.get(f"/crm/Contacts/new/?parent_module=Vendors&parent_id={account['id']}")
    assert form.status_code == 200
    assert (
        "data-lookup-name" not in re.search(r'<input[^>]*name="Account_Name"[^>]*>', form.text)[0]
    )


def test_new_task_for_a_lead_is_related_to_it(client, signed_in):
    lead = new_lead(client)
    page = client.get(f"/crm/Leads/{lead}/").text
    url = f"/crm/Tasks/new/?What_Id={lead}&amp;%24se_module=Leads"
    assert f'href="{url}"' in page and "New task" in page and "New meeting" in page
    form = client.get(url.replace("&amp;", "&")).text
    assert re.search(r'<option value="Leads" selected>', form)
    field = re.search(r'<input[^>]*name="What_Id"[^>]*>', form)[0]
    assert f'value="{lead}"' in field and 'data-lookup-name="Ada Okafor"' in field


def test_a_parent_that_is_not_there_fills_nothing(client, signed_in):
    form = client.get("/crm/Contacts/new/?Account_Name=1234567890123456789").text
    field = re.search(r'<input[^>]*name="Account_Name"[^>]*>', form)[0]
    assert "data-lookup-name" not in field and 'value="' not in field


# --- attachments --------------------------------------------------------------------------
def test_upload_download_and_delete_an_attachment_on_the_page(client, signed_in):
    from django.core.files.uploadedfile import SimpleUploadedFile

    lead = new_lead(client)
    page = client.get(f"/crm/Leads/{lead}/").text
    assert 'id="attachments"' in page and "No attachments yet." in page
    token = form_token(page[page.index('id="attachments"') :])
    upload = SimpleUploadedFile('quote "v2".txt', b"Price: 1,200 GBP\n", "text/plain")
    sent = client.post(f"/crm/Leads/{lead}/attachments/", {"form_token": token, "file": upload})
    assert sent.status_code == 302 and sent["Location"] == f"/crm/Leads/{lead}/#attachments"
    again = SimpleUploadedFile('quote "v2".txt', b"Price: 1,200 GBP\n", "text/plain")
    client.post(f"/crm/Leads/{lead}/attachments/", {"form_token": token, "file": again})
    items = client.get(f"/crm/api/Leads/{lead}/attachments/").json()["data"]
    assert len(items) == 1  # the same form sent twice attaches once
    item = items[0]
    assert item["File_Name"] == "quote v2.txt"  # no quotes in a stored name

    page = client.get(f"/crm/Leads/{lead}/rows/attachments/").text  # the card's rows
    link = f"/crm/Leads/{lead}/attachments/{item['id']}/"
    assert f'href="{link}"' in page
    got = client.get(link)
    assert got.status_code == 200 and got.content == b"Price: 1,200 GBP\n"
    assert got["Content-Disposition"].startswith("attachment;")
    assert got["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in got["Content-Security-Policy"]

    confirm = client.get(f"{link}delete/?name=quote%20v2.txt")
    assert confirm.status_code == 200 and "“quote v2.txt”" in confirm.text
    assert client.post(f"{link}delete/", {"name": "quote v2.txt"}).status_code == 302
    assert client.get(link).status_code == 404
    assert client.get(f"/crm/api/Leads/{lead}/attachments/").json()["data"] == []


def test_attachments_api_limits_and_other_records(client, signed_in, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from crm import record_attachments

    lead, other = new_lead(client), new_lead(client, Email="else@example.com")
    url = f"/crm/api/Leads/{lead}/attachments/"
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    made = client.post(url, {"file": SimpleUploadedFile("logo.png", png, "image/png")})
    assert made.status_code == 201, made.content
    ident = made.json()["data"]["id"]
    got = client.get(f"{url}{ident}/")
    assert got.status_code == 200 and got.content == png and got["Content-Type"] == "image/png"
    assert got["Content-Disposition"].startswith("attachment;")

    none = client.post(url, {})
    assert none.status_code == 400 and none.json()["error"]["field"] == "file"
    empty = client.post(url, {"file": SimpleUploadedFile("empty.txt", b"", "text/plain")})
    assert empty.status_code == 400
    big = b"x" * (record_attachments.MAX_ATTACHMENT_BYTES + 1)
    too_large = client.post(url, {"file": SimpleUploadedFile("big.bin", big)})
    assert too_large.status_code == 413
    assert "20 MB" in too_large.json()["error"]["message"]

    elsewhere = f"/crm/api/Leads/{other}/attachments/{ident}/"  # through another lead
    assert client.get(elsewhere).status_code == 404
    assert client.delete(elsewhere).status_code == 404
    assert client.get(f"/crm/Leads/{other}/attachments/{ident}/").status_code == 404
    assert client.get(f"{url}not-a-number/").status_code == 404
    assert client.delete(f"{url}{ident}/").status_code == 200
    assert client.get(f"{url}{ident}/").status_code == 404


def test_a_seeded_attachment_downloads(client, signed_in):
    accounts = client.get("/crm/api/Accounts/?per_page=50").json()["data"]
    for account in accounts:
        items = client.get(f"/crm/api/Accounts/{account['id']}/attachments/").json()["data"]
        if items:
            break
    else:
        pytest.fail("the demo org has attachments on its first accounts")
    got = client.get(f"/crm/Accounts/{account['id']}/attachments/{items[0]['id']}/")
    assert got.status_code == 200 and items[0]["File_Name"].encode() in got.content


# --- refusals -------------------------------------------------------------------------------
def test_a_deal_without_a_stage_is_refused_on_the_page_and_nothing_converts(client, signed_in):
    lead = new_lead(client)
    page = client.get(f"/crm/Leads/{lead}/convert/").text
    sent = client.post(
        f"/crm/Leads/{lead}/convert/",
        {"form_token": form_token(page), "create_deal": "on", "Deal_Name": "No stage"},
    )
    assert sent.status_code == 400
    assert 'id="error-summary"' in sent.text and 'href="#id_Stage"' in sent.text
    assert 'value="No stage"' in sent.text  # what was typed is kept
    assert "Convert lead “Ada Okafor”?" in client.get(f"/crm/Leads/{lead}/convert/").text


def test_only_leads_convert(client, signed_in):
    contact = first(client, "Contacts")["id"]
    assert client.get(f"/crm/Contacts/{contact}/convert/").status_code == 404
    assert api(client, "post", f"/crm/api/Contacts/{contact}/convert/").status_code == 404
    unknown = api(client, "post", "/crm/api/Leads/1234567890123456789/convert/")
    assert unknown.status_code == 404
    lead = new_lead(client)
    option = api(client, "post", f"/crm/api/Leads/{lead}/convert/", {"notify": True})
    assert option.status_code == 400 and option.json()["error"]["field"] == "notify"
    account = api(client, "post", f"/crm/api/Leads/{lead}/convert/", {"account": "12345"})
    assert account.status_code == 400 and account.json()["error"]["field"] == "account"


def test_a_restricted_profile_is_told_what_it_may_not_do(client, connect):
    connect("dana.ortiz@zylker-traders.com", org="720019234")  # Accounts read only
    account = first(client, "Accounts")["id"]
    lead = new_lead(client)
    refused = api(client, "post", f"/crm/api/Leads/{lead}/convert/")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "NO_PERMISSION"
    from django.core.files.uploadedfile import SimpleUploadedFile

    attach = client.post(
        f"/crm/api/Accounts/{account}/attachments/",
        {"file": SimpleUploadedFile("a.txt", b"a", "text/plain")},
    )
    assert attach.status_code == 403 and attach.json()["error"]["code"] == "NO_PERMISSION"


def test_convert_into_an_account_chosen_on_the_page(client, signed_in):
    account = first(client, "Accounts")
    lead = new_lead(client)
    page = client.get(f"/crm/Leads/{lead}/convert/").text
    field = re.search(r'<input[^>]*name="account"[^>]*>', page)[0]
    assert 'data-lookup="Accounts"' in field  # the search-by-name picker (static/js/app.js)
    wrong = client.post(
        f"/crm/Leads/{lead}/convert/",
        {"form_token": form_token(page), "account": "12345", "account__name": "Nobody Ltd"},
    )
    assert wrong.status_code == 400 and "No such account" in wrong.text
    sent = client.post(
        f"/crm/Leads/{lead}/convert/",
        {"form_token": form_token(wrong.text), "account": account["id"]},
    )
    assert sent.status_code == 302
    done = client.get(sent["Location"]).text
    assert f'href="/crm/Accounts/{account["id"]}/"' in done


def test_the_api_converts_into_a_named_account_with_a_deal(client, signed_in):
    account = first(client, "Accounts")
    lead = new_lead(client, Company="Somewhere Else Ltd")
    answer = api(
        client,
        "post",
        f"/crm/api/Leads/{lead}/convert/",
        {"account": account["id"], "deal": {"Deal_Name": "Via API", "Stage": "Qualification"}},
    )
    assert answer.status_code == 200, answer.content
    data = answer.json()["data"]
    assert data["Accounts"] == account["id"]
    deal = client.get(f"/crm/api/Deals/{data['Deals']}/").json()["data"]
    assert deal["Account_Name"]["id"] == account["id"] and deal["Deal_Name"] == "Via API"


def test_notes_and_attachments_of_no_record_are_404(client, signed_in):
    for what in ("notes", "attachments"):
        answer = client.get(f"/crm/api/Leads/1234567890123456789/{what}/")
        assert answer.status_code == 404, (what, answer.content)
        assert answer.json()["error"]["code"] == "NOT_FOUND"


def test_empty_notes_and_attachments_cost_no_call(client, signed_in, outbound):
    lead = new_lead(client)
    client.get(f"/crm/Leads/{lead}/")  # first visit: metadata too
    since = len(outbound.calls)
    page = client.get(f"/crm/Leads/{lead}/").text
    asked = [url for _, url, _ in outbound.calls[since:] if "/crm/v8/" in url]
    assert not any("/Notes" in url or "/Attachments" in url for url in asked), asked
    assert "No notes yet." in page and "No attachments yet." in page
    api(client, "post", f"/crm/api/Leads/{lead}/notes/", {"Note_Content": "Now one"})
    since = len(outbound.calls)
    page = client.get(f"/crm/Leads/{lead}/").text
    assert "Show the 1 note<" in page and "Now one" not in page  # its count, not its rows
    assert not any("/Notes" in url for _, url, _ in outbound.calls[since:])
    assert "Now one" in client.get(f"/crm/Leads/{lead}/rows/notes/").text
    assert any("/Notes" in url for _, url, _ in outbound.calls[since:])
