"""The field types real orgs use, on the record page, the JSON API and the file and photo
downloads: files and images as links and thumbnails through the portal, lookups to several
records and users as names, subforms as a table, rich text sanitised, addresses as lines,
currency with its precision and the org's symbol."""

from __future__ import annotations

import json
import re

import pytest

from zoho_emulator import seed, state

pytestmark = pytest.mark.django_db

PATRICIA = "patricia.boyle@zylker-traders.com"
SOFIA = "sofia.lindqvist@nordwind-logistik.de"
TRADERS = "720019234"
LABS = "720019877"


def showcase_lead(zgid: str = TRADERS) -> dict:
    """The first seeded lead with a value of every type (emulator's seed: after the leads
    the demo locks or holds for approval)."""
    leads = state.pristine_records(zgid)[0]["Leads"].values()
    return next(rec for rec in leads if rec.get("Proposal"))


@pytest.fixture
def lead(client, connect):
    connect(PATRICIA)
    return showcase_lead()


def _page(client, rec) -> str:
    response = client.get(f"/crm/Leads/{rec['id']}/")
    assert response.status_code == 200
    return response.content.decode()


def test_record_page_shows_each_type_as_a_person_expects(client, lead):
    page = _page(client, lead)
    # files: a download link by name; images: thumbnails; both through the portal
    doc = lead["Proposal"][0]
    doc_url = f"/crm/Leads/{lead['id']}/files/Proposal/{doc['id']}/"
    assert f'<a href="{doc_url}" download>{doc["File_Name__s"]}</a>' in page
    for image in lead["Site_Photos"]:
        url = f"/crm/Leads/{lead['id']}/files/Site_Photos/{image['id']}/"
        assert f'<img src="{url}" alt="{image["File_Name__s"]}"' in page
    assert f'<img src="/crm/Leads/{lead["id"]}/photo/" alt="Photo of ' in page
    # no raw id is ever shown as text: file ids, attachment ids, the photo id
    text = re.sub(r"<[^>]+>", " ", page)
    for raw in (doc["File_Id__s"], lead["Record_Image"], lead["Site_Photos"][0]["File_Id__s"]):
        assert raw not in page
    for raw in (doc["id"], lead["Interested_Products"][0]["id"], lead["Account_Team"][0]["id"]):
        assert raw not in text
    # multi-select lookup: product names linking to their pages; users: names
    for item in lead["Interested_Products"]:
        product = item["Product"]
        assert f'<a href="/crm/Products/{product["id"]}/">{product["name"]}</a>' in page
    for item in lead["Account_Team"]:
        assert item["Team_Member"]["name"] in text
    engineer = lead["Sales_Engineer"]
    assert f'<a href="mailto:{engineer["email"]}">{engineer["name"]}</a>' in page
    # subform: a table with its fields' labels as columns
    assert '<table class="subform">' in page
    for label in ("Visit Date", "Visited By", "Outcome", "Travel Cost"):
        assert f'<th scope="col">{label}</th>' in page
    assert lead["Visit_Log"][0]["Outcome"] in text
    # address: lines of an <address>
    address = lead["Visit_Address"]
    assert f"<address>{address['address_line_1']}<br>" in page
    # currency: its own precision (0 for Deposit, 2 for Annual Revenue) and the org's symbol
    assert f"${lead['Deposit']:,.0f}<" in page
    assert f"${lead['Annual_Revenue']:,.2f}<" in page


def test_rich_text_is_sanitised_never_raw_never_script(client, lead):
    assert "<script>" in lead["Call_Notes"] and "onerror" in lead["Call_Notes"]  # planted
    page = _page(client, lead)
    notes = page.split('<div class="rich-text">', 1)[1].split("</div>", 1)[0]
    assert "<b>buyer</b>" in notes  # formatting kept, not shown as markup
    assert "&lt;p&gt;" not in page
    for bad in ("<script", "alert(", "onerror", "javascript:", '<img src="x"'):
        assert bad not in notes
    assert "<script>alert" not in page


def test_rich_text_written_through_the_api_is_sanitised(client, lead, zoho):
    response = client.patch(
        f"/crm/api/Leads/{lead['id']}/",
        data=json.dumps(
            {"Call_Notes": "<p>ok <i>fine</i></p><script>bad()</script><img src=x onerror=a()>"}
        ),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    stored = zoho.app.state.orgs[TRADERS].records["Leads"][lead["id"]]["Call_Notes"]
    assert stored == "<p>ok <i>fine</i></p>"


def test_userlookup_currency_and_compound_types_are_editable_files_are_not(client, lead, zoho):
    other = seed.org_users(TRADERS)[1].crm_ids[TRADERS]
    response = client.patch(
        f"/crm/api/Leads/{lead['id']}/",
        data=json.dumps({"Sales_Engineer": {"id": other}, "Deposit": 2500}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    stored = zoho.app.state.orgs[TRADERS].records["Leads"][lead["id"]]
    assert stored["Sales_Engineer"]["id"] == other and stored["Deposit"] == 2500
    fields = {f["api_name"]: f for f in client.get("/crm/api/Leads/fields/").json()["data"]}
    assert fields["Sales_Engineer"]["editable"] and fields["Call_Notes"]["editable"]
    for name in ("Interested_Products", "Account_Team", "Visit_Log", "Visit_Address"):
        assert fields[name]["editable"], name  # tests/crm/test_compound_values.py
    # files, images and the photo change on the record page (their own Zoho APIs)
    for name in ("Proposal", "Site_Photos", "Record_Image"):
        assert not fields[name]["editable"], name
        response = client.patch(
            f"/crm/api/Leads/{lead['id']}/",
            data=json.dumps({name: []}),
            content_type="application/json",
        )
        assert response.status_code == 400 and response.json()["error"]["field"] == name
    # the JSON API answers every type without trouble, in Zoho's own shapes
    data = client.get(f"/crm/api/Leads/{lead['id']}/").json()["data"]
    assert data["Proposal"][0]["File_Name__s"] == lead["Proposal"][0]["File_Name__s"]
    assert data["Site_Photos"][0]["Preview_Id__s"] == lead["Site_Photos"][0]["Preview_Id__s"]
    assert data["Proposal"][0]["Created_By__s"]["name"]
    assert data["Visit_Address"]["city"] == lead["Visit_Address"]["city"]
    assert (
        data["Interested_Products"][0]["Product"]["id"]
        == lead["Interested_Products"][0]["Product"]["id"]
    )
    # the edit form leaves them out (never an empty input that would wipe them) and says so
    form = client.get(f"/crm/Leads/{lead['id']}/edit/").content.decode()
    assert 'name="Proposal"' not in form and 'name="Record_Image"' not in form
    assert 'name="Sales_Engineer"' in form and 'name="Call_Notes"' in form
    kept = form.split("Kept as they are here (", 1)[1].split("</p>")[0]
    assert "Proposal" in kept and "Lead Image" in kept and "Visit Log" not in kept


def test_edit_form_sets_a_user_lookup_and_sends_rich_text_sanitised(client, lead, zoho):
    other = seed.org_users(TRADERS)[1].crm_ids[TRADERS]
    form = client.get(f"/crm/Leads/{lead['id']}/edit/").content.decode()
    assert f'<option value="{other}"' in form
    assert '<option value="">— Nobody —</option>' in form
    # the rich text is in its textarea escaped, as text to edit, never as markup
    assert "&lt;script&gt;" in form and "<script>alert" not in form
    # post what the browser would: every initial value, with two changes
    posted = dict(re.findall(r'name="initial-([^"]+)" value="([^"]*)"', form))
    posted.update({f"initial-{k}": v for k, v in list(posted.items())})
    posted["Sales_Engineer"] = other
    posted["Call_Notes"] = "<p>New <b>notes</b></p><img src=x onerror=alert(1)>"
    response = client.post(f"/crm/Leads/{lead['id']}/edit/", posted)
    assert response.status_code == 302, response.content.decode()[-2000:]
    stored = zoho.app.state.orgs[TRADERS].records["Leads"][lead["id"]]
    assert stored["Sales_Engineer"]["id"] == other
    assert stored["Call_Notes"] == "<p>New <b>notes</b></p>"


def test_file_and_photo_downloads_for_the_owner(client, lead):
    doc = lead["Proposal"][0]
    response = client.get(f"/crm/Leads/{lead['id']}/files/Proposal/{doc['id']}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{doc["File_Name__s"]}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")
    image = lead["Site_Photos"][0]
    response = client.get(f"/crm/Leads/{lead['id']}/files/Site_Photos/{image['id']}/")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")
    assert response.content.startswith(b"\x89PNG")
    response = client.get(f"/crm/Leads/{lead['id']}/photo/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_downloads_are_404_outside_the_record_field_and_org(client, connect, lead):
    doc, image = lead["Proposal"][0], lead["Site_Photos"][0]
    base = f"/crm/Leads/{lead['id']}"
    for url in (
        f"{base}/files/Site_Photos/{doc['id']}/",  # another field's file
        f"{base}/files/Last_Name/{doc['id']}/",  # not a file field
        f"{base}/files/Proposal/{image['id']}/",
        f"{base}/files/Proposal/123/",
        f"{base}/files/Proposal/not-an-id/",
    ):
        assert client.get(url).status_code == 404, url
    other_lead = list(state.pristine_records(TRADERS)[0]["Leads"].values())[-1]
    assert (
        client.get(f"/crm/Leads/{other_lead['id']}/files/Proposal/{doc['id']}/").status_code == 404
    )
    assert client.get(f"/crm/Leads/{other_lead['id']}/photo/").status_code == 404  # no photo
    assert client.get(f"/crm/Deals/{lead['id']}/photo/").status_code == 404
    # the same URLs for a user of another org (other DC, or the same user's other org)
    for email, org in ((SOFIA, None), (PATRICIA, LABS)):
        client.logout()
        connect(email, org=org)
        assert client.get(f"{base}/files/Proposal/{doc['id']}/").status_code == 404
        assert client.get(f"{base}/photo/").status_code == 404


def test_downloads_need_sign_in(client, zoho, db):
    rec = showcase_lead()
    url = f"/crm/Leads/{rec['id']}/files/Proposal/{rec['Proposal'][0]['id']}/"
    for path in (url, f"/crm/Leads/{rec['id']}/photo/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/?next=")


def test_every_demo_org_shows_the_types(client, connect):
    for email, zgid in ((SOFIA, "20071245781"), ("olivia.chen@banksiasolar.com.au", "7001938172")):
        client.logout()
        connect(email)
        rec = showcase_lead(zgid)
        page = _page(client, rec)
        assert '<table class="subform">' in page and "<address>" in page
        assert f"/crm/Leads/{rec['id']}/photo/" in page
        assert "<script" not in page.split('<div class="rich-text">', 1)[1].split("</div>")[0]


def test_adding_a_file_and_an_image_through_zohos_files_api(client, lead, zoho):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zoho_emulator import field_types

    page = _page(client, lead)
    add = f"/crm/Leads/{lead['id']}/files/Proposal/"
    assert f'action="{add}" enctype="multipart/form-data"' in page
    assert '<label for="add-Site_Photos">Add an image to Site Photos</label>' in page
    response = client.post(
        add, {"file": SimpleUploadedFile("../../quote v2.txt", b"Quote text", "text/plain")}
    )
    assert response.status_code == 302 and response["Location"] == f"/crm/Leads/{lead['id']}/"
    stored = zoho.app.state.orgs[TRADERS].records["Leads"][lead["id"]]["Proposal"]
    assert [f["File_Name__s"] for f in stored] == [
        lead["Proposal"][0]["File_Name__s"],
        "quote v2.txt",
    ]
    page = client.get(response["Location"]).content.decode()
    assert "“quote v2.txt” added." in page
    download = client.get(f"/crm/Leads/{lead['id']}/files/Proposal/{stored[-1]['id']}/")
    assert download.content == b"Quote text"
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    assert download["Content-Disposition"].startswith("attachment;")
    # an image field takes images only; the refusal is a message on the record page
    photos = f"/crm/Leads/{lead['id']}/files/Site_Photos/"
    response = client.post(photos, {"file": SimpleUploadedFile("x.png", b"not a png")})
    assert response.status_code == 302
    assert "Site Photos takes images only" in client.get(response["Location"]).content.decode()
    png = field_types.png((10, 200, 30), 8)
    client.post(photos, {"file": SimpleUploadedFile("new.png", png, "image/png")})
    stored = zoho.app.state.orgs[TRADERS].records["Leads"][lead["id"]]["Site_Photos"]
    assert stored[-1]["File_Name__s"] == "new.png"
    image = client.get(f"/crm/Leads/{lead['id']}/files/Site_Photos/{stored[-1]['id']}/")
    assert image.content == png and image["Content-Type"] == "image/png"
    # no file, a field that takes none, GET: refused without touching the record
    response = client.post(add, {})
    assert "Choose a file" in client.get(response["Location"]).content.decode()
    last_name = f"/crm/Leads/{lead['id']}/files/Last_Name/"
    assert client.post(last_name, {"file": SimpleUploadedFile("a.txt", b"a")}).status_code == 404
    assert client.get(add).status_code == 405


def test_adding_a_file_is_for_the_records_own_org_and_signed_in_users(client, connect, zoho):
    from django.core.files.uploadedfile import SimpleUploadedFile

    rec = showcase_lead()
    add = f"/crm/Leads/{rec['id']}/files/Proposal/"
    response = client.post(add, {"file": SimpleUploadedFile("a.txt", b"a")})
    assert response.status_code == 302 and response["Location"].startswith("/?next=")
    connect(SOFIA)
    assert client.post(add, {"file": SimpleUploadedFile("a.txt", b"a")}).status_code == 404
    stored = zoho.app.state.orgs[TRADERS].records["Leads"][rec["id"]]["Proposal"]
    assert len(stored) == len(rec["Proposal"])


def test_list_rows_show_currency_with_the_orgs_symbol(client, connect):
    connect(SOFIA)  # Nordwind: EUR
    deal = next(iter(state.pristine_records("20071245781")[0]["Deals"].values()))
    page = client.get("/crm/Deals/?per_page=200").content.decode()
    german = f"{deal['Amount']:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    assert f"{german}\u00a0€" in page  # Sofia's separators, the symbol where de_DE puts it


def test_removing_a_file_from_the_record_page(client, connect, lead, zoho):
    doc = lead["Proposal"][0]
    remove = f"/crm/Leads/{lead['id']}/files/Proposal/{doc['id']}/remove/"
    page = _page(client, lead)
    assert f'action="{remove}"' in page
    assert f'aria-label="Remove {doc["File_Name__s"]}"' in page
    assert client.get(remove).status_code == 405
    wrong_field = f"/crm/Leads/{lead['id']}/files/Site_Photos/{doc['id']}/remove/"
    assert client.post(wrong_field).status_code == 404
    client.logout()
    connect(SOFIA)  # another org: the record is not there
    assert client.post(remove).status_code == 404
    assert zoho.app.state.orgs[TRADERS].records["Leads"][lead["id"]]["Proposal"]
    client.logout()
    connect(PATRICIA)
    response = client.post(remove)
    assert response.status_code == 302 and response["Location"] == f"/crm/Leads/{lead['id']}/"
    assert zoho.app.state.orgs[TRADERS].records["Leads"][lead["id"]]["Proposal"] == []
    page = client.get(response["Location"]).content.decode()
    assert f"“{doc['File_Name__s']}” removed." in page
    assert client.get(f"/crm/Leads/{lead['id']}/files/Proposal/{doc['id']}/").status_code == 404
