"""Upload Photo and Delete Photo (``record_photo.json``): image types, size and resolution
limits, locked records, profiles, and what Get Photo answers afterwards."""

from __future__ import annotations

import struct
import zlib

import pytest
from emulator_support import DANA, FULL_SCOPE, PATRICIA, ZYLKER_TRADERS

from zoho_emulator.crm.photos import MAX_PHOTO_BYTES, image_kind


def png(width: int = 2, height: int = 2, padding: int = 0) -> bytes:
    """A valid PNG header of the given size (the emulator reads the size, not the pixels)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    ihdr = struct.pack(">I", len(header)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    return b"\x89PNG\r\n\x1a\n" + ihdr + b"\0" * padding


@pytest.fixture
def us(zoho_http):
    return zoho_http.tokens(PATRICIA, "us", scope=FULL_SCOPE)["access_token"]


def _new_lead(zoho_http, token) -> str:
    resp = zoho_http.api(
        "POST", "us", "Leads", token, json={"data": [{"Last_Name": "Photo", "Company": "Z"}]}
    )
    return resp.json()["data"][0]["details"]["id"]


def _upload(zoho_http, token, path, data, name="face.png"):
    return zoho_http.api("POST", "us", path, token, files={"file": (name, data, "image/png")})


def test_upload_replace_and_delete(zoho_http, us):
    lead = _new_lead(zoho_http, us)
    assert zoho_http.api("GET", "us", f"Leads/{lead}/photo", us).status_code == 204
    resp = _upload(zoho_http, us, f"Leads/{lead}/photo", png(3, 3))
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "code": "SUCCESS",
        "details": {},
        "message": "photo uploaded successfully",
        "status": "success",
    }
    got = zoho_http.api("GET", "us", f"Leads/{lead}/photo", us)
    assert got.status_code == 200 and got.content == png(3, 3)
    assert got.headers["Content-Type"] == "image/png"
    record = zoho_http.api("GET", "us", f"Leads/{lead}", us).json()["data"][0]
    first_id = record["Record_Image"]
    assert first_id
    _upload(zoho_http, us, f"Leads/{lead}/photo", png(4, 4))
    assert zoho_http.api("GET", "us", f"Leads/{lead}/photo", us).content == png(4, 4)
    record = zoho_http.api("GET", "us", f"Leads/{lead}", us).json()["data"][0]
    assert record["Record_Image"] not in (None, first_id)
    resp = zoho_http.api("DELETE", "us", f"Leads/{lead}/photo", us)
    assert resp.status_code == 200 and resp.json()["code"] == "SUCCESS"
    assert zoho_http.api("GET", "us", f"Leads/{lead}/photo", us).status_code == 204
    resp = zoho_http.api("DELETE", "us", f"Leads/{lead}/photo", us)
    assert resp.status_code == 400 and resp.json()["code"] == "INVALID_DATA"


def test_what_upload_photo_refuses(zoho_http, us):
    lead = _new_lead(zoho_http, us)
    path = f"Leads/{lead}/photo"
    not_image = _upload(zoho_http, us, path, b"%PDF-1.4 not a photo", "face.png")
    assert not_image.status_code == 400
    assert not_image.json()["code"] == "INVALID_DATA"
    assert not_image.json()["details"]["param_name"] == "file"
    huge = _upload(zoho_http, us, path, png(10, 10, padding=MAX_PHOTO_BYTES))
    assert huge.status_code == 400
    assert huge.json()["code"] == "FILE_SIZE_MORE_THAN_ALLOWED_SIZE"
    assert huge.json()["details"] == {"maximum_size": MAX_PHOTO_BYTES}
    too_many_pixels = _upload(zoho_http, us, path, png(4000, 2501))
    assert too_many_pixels.status_code == 400
    assert too_many_pixels.json()["details"]["maximum_resolution"] == 10_000_000
    assert _upload(zoho_http, us, path, png(4000, 2500)).status_code == 200  # 10 MP exactly
    no_file = zoho_http.api("POST", "us", path, us, files={"other": ("a.png", png())})
    assert no_file.json()["code"] == "REQUIRED_PARAM_MISSING"
    not_multipart = zoho_http.api("POST", "us", path, us, json={"file": "x"})
    assert not_multipart.status_code == 400
    unknown = _upload(zoho_http, us, "Leads/1234567890123456789/photo", png())
    assert unknown.status_code == 400 and unknown.json()["code"] == "INVALID_DATA"
    deal = zoho_http.api("GET", "us", "Deals", us, params={"fields": "Deal_Name"}).json()
    no_photos = _upload(zoho_http, us, f"Deals/{deal['data'][0]['id']}/photo", png())
    assert no_photos.status_code == 400 and no_photos.json()["code"] == "NOT_SUPPORTED"


def test_locked_records_and_read_only_profiles(emulator, zoho_http, us):
    lead = _new_lead(zoho_http, us)
    emulator.client.set_record_state(ZYLKER_TRADERS, "Leads", lead, locked=True)
    resp = _upload(zoho_http, us, f"Leads/{lead}/photo", png())
    assert resp.status_code == 400 and resp.json()["code"] == "RECORD_LOCKED"
    assert zoho_http.api("DELETE", "us", f"Leads/{lead}/photo", us).json()["code"] == (
        "RECORD_LOCKED"
    )
    emulator.client.set_record_state(ZYLKER_TRADERS, "Leads", lead, locked=False)
    assert _upload(zoho_http, us, f"Leads/{lead}/photo", png()).status_code == 200
    dana = zoho_http.tokens(DANA, "us")["access_token"]  # Accounts are read-only for her
    account = zoho_http.api("GET", "us", "Accounts", dana, params={"fields": "Account_Name"})
    account_id = account.json()["data"][0]["id"]
    resp = _upload(zoho_http, dana, f"Accounts/{account_id}/photo", png())
    assert resp.status_code == 403 and resp.json()["code"] == "NO_PERMISSION"
    read_scope = zoho_http.tokens(PATRICIA, "us", scope="ZohoCRM.modules.READ")["access_token"]
    resp = _upload(zoho_http, read_scope, f"Leads/{lead}/photo", png())
    assert resp.json()["code"] == "OAUTH_SCOPE_MISMATCH"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (png(7, 9), ("image/png", 7, 9)),
        (b"GIF89a" + struct.pack("<HH", 5, 6) + b"\0" * 8, ("image/gif", 5, 6)),
        (b"BM" + b"\0" * 16 + struct.pack("<ii", 8, -3) + b"\0" * 8, ("image/bmp", 8, 3)),
        (
            b"\xff\xd8\xff\xe0\x00\x04ab\xff\xc0\x00\x11\x08" + struct.pack(">HH", 12, 34) + b"x",
            ("image/jpeg", 34, 12),
        ),
        (b"RIFF\0\0\0\0WEBPVP8 ", None),  # WebP is not among Zoho's photo formats
        (b"hello", None),
    ],
)
def test_image_kind(data, kind):
    assert image_kind(data) == kind


def test_a_reset_brings_the_seeded_photo_back(emulator, zoho_http, us):
    """Writes never change a record in place: the pristine records a reset shares stay."""
    leads = zoho_http.api("GET", "us", "Leads", us, params={"fields": "Record_Image"}).json()
    lead = next(r for r in leads["data"] if r.get("Record_Image"))
    assert zoho_http.api("DELETE", "us", f"Leads/{lead['id']}/photo", us).status_code == 200
    emulator.app.reset()
    token = zoho_http.tokens(PATRICIA, "us", scope=FULL_SCOPE)["access_token"]
    assert zoho_http.api("GET", "us", f"Leads/{lead['id']}/photo", token).status_code == 200
