"""The record photo: upload, replace and remove it from the record page and the JSON API,
through the SDK's Upload Photo and Delete Photo against the emulator (crm/photo.py)."""

from __future__ import annotations

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from .test_field_types import PATRICIA, TRADERS

pytestmark = pytest.mark.django_db
DANA = "dana.ortiz@zylker-traders.com"  # Accounts are read-only for her profile


def png(width: int = 2, height: int = 2) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(header))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


@pytest.fixture
def lead_id(client, connect):
    connect(PATRICIA)
    response = client.post(
        "/crm/api/Leads/",
        data='{"Last_Name": "Photo", "Company": "Zylker"}',
        content_type="application/json",
    )
    return response.json()["data"]["id"]


def _stored(zoho, module, ident):
    return zoho.app.state.orgs[TRADERS].records[module][ident]


def test_upload_replace_and_remove_from_the_record_page(client, lead_id, zoho):
    page = client.get(f"/crm/Leads/{lead_id}/").content.decode()
    assert "No photo yet" in page and "Add a photo (PNG, JPEG, GIF or BMP" in page
    upload = f"/crm/Leads/{lead_id}/photo/upload/"
    response = client.post(upload, {"file": SimpleUploadedFile("me.png", png(5, 5))})
    assert response.status_code == 302 and response["Location"] == f"/crm/Leads/{lead_id}/"
    page = client.get(response["Location"]).content.decode()
    assert "Photo saved." in page and "Replace the photo" in page and "Remove the photo" in page
    assert client.get(f"/crm/Leads/{lead_id}/photo/").content == png(5, 5)
    client.post(upload, {"file": SimpleUploadedFile("me2.png", png(6, 6))})
    assert client.get(f"/crm/Leads/{lead_id}/photo/").content == png(6, 6)
    response = client.post(f"/crm/Leads/{lead_id}/photo/remove/")
    assert response.status_code == 302
    assert not _stored(zoho, "Leads", lead_id).get("Record_Image")
    assert client.get(f"/crm/Leads/{lead_id}/photo/").status_code == 404
    assert client.post(f"/crm/Leads/{lead_id}/photo/remove/").status_code == 404
    assert client.get(upload).status_code == 405


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"%PDF-1.4", "takes PNG, JPEG, GIF or BMP images only"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "takes PNG, JPEG, GIF or BMP images only"),
        (png(4000, 2501), "at most 10 megapixels (this one is 4000 × 2501)"),
        (b"", "this file is empty"),
    ],
)
def test_what_the_portal_refuses_before_sending(client, lead_id, zoho, data, words):
    response = client.post(
        f"/crm/Leads/{lead_id}/photo/upload/", {"file": SimpleUploadedFile("x.png", data)}
    )
    assert response.status_code == 302
    assert words in client.get(response["Location"]).content.decode()
    api = client.post(
        f"/crm/api/Leads/{lead_id}/photo/", {"file": SimpleUploadedFile("x.png", data)}
    )
    assert api.status_code == 400
    assert (
        api.json()["error"]["field"] == "Record_Image" and words in api.json()["error"]["message"]
    )
    assert not _stored(zoho, "Leads", lead_id).get("Record_Image")


def test_too_large_is_413_naming_the_photo(client, lead_id):
    data = png() + b"\0" * (10 * 1024 * 1024)
    api = client.post(
        f"/crm/api/Leads/{lead_id}/photo/", {"file": SimpleUploadedFile("x.png", data)}
    )
    assert api.status_code == 413 and api.json()["error"]["field"] == "Record_Image"


def test_json_api_uploads_and_deletes(client, lead_id, zoho):
    api = f"/crm/api/Leads/{lead_id}/photo/"
    response = client.post(api, {"file": SimpleUploadedFile("me.png", png())})
    assert response.status_code == 200, response.content
    assert _stored(zoho, "Leads", lead_id)["Record_Image"]
    assert client.delete(api).status_code == 200
    assert not _stored(zoho, "Leads", lead_id).get("Record_Image")
    assert client.delete(api).status_code == 404
    deal = client.get("/crm/api/Deals/?per_page=1").json()["data"][0]["id"]
    assert client.post(f"/crm/api/Deals/{deal}/photo/", {"file": png()}).status_code == 404
    assert client.get(api).status_code == 405


def test_locked_records_and_read_only_profiles(client, connect, lead_id, zoho):
    zoho.client.set_record_state(TRADERS, "Leads", lead_id, locked=True)
    page = client.get(f"/crm/Leads/{lead_id}/").content.decode()
    assert "Add a photo" not in page
    api = client.post(
        f"/crm/api/Leads/{lead_id}/photo/", {"file": SimpleUploadedFile("a.png", png())}
    )
    assert api.status_code == 409 and api.json()["error"]["code"] == "RECORD_LOCKED"
    connect(DANA)
    account = client.get("/crm/api/Accounts/?per_page=1").json()["data"][0]["id"]
    assert "Add a photo" not in client.get(f"/crm/Accounts/{account}/").content.decode()
    api = client.post(
        f"/crm/api/Accounts/{account}/photo/", {"file": SimpleUploadedFile("a.png", png())}
    )
    assert api.status_code == 403


def test_signed_out_and_other_orgs(client, connect, lead_id, zoho):
    connect("patricia.boyle@zylker-traders.com", org="720019877")
    upload = f"/crm/Leads/{lead_id}/photo/upload/"
    assert client.post(upload, {"file": SimpleUploadedFile("a.png", png())}).status_code == 404
    client.logout()
    response = client.post(upload, {"file": SimpleUploadedFile("a.png", png())})
    assert response.status_code in (302, 401, 403)
    assert not _stored(zoho, "Leads", lead_id).get("Record_Image")
