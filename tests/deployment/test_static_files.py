"""With DEBUG off and `collectstatic` not run, pages still work (core/static.py): plain
static URLs served from the source folders, and a warning in the log saying why. Also, under
real gunicorn, a chunked JSON body over the limit is a 413."""

from __future__ import annotations

import json
import logging

import pytest
import requests
from django.test import Client

from tests.deployment import harness


@pytest.fixture
def not_collected(settings, tmp_path):
    """Production's static settings over an empty STATIC_ROOT (collectstatic never run)."""
    settings.DEBUG = False
    settings.STATIC_ROOT = str(tmp_path / "staticfiles")
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "core.static.ManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    settings.WHITENOISE_MANIFEST_STRICT = False
    from core.static import ManifestStaticFilesStorage

    ManifestStaticFilesStorage._warned = False
    return settings


@pytest.mark.django_db
def test_pages_and_their_static_files_work_before_collectstatic(not_collected, caplog):
    with caplog.at_level(logging.WARNING, logger="zohoportal.static"):
        client = Client()
        page = client.get("/")
    assert page.status_code == 200
    assert 'href="/static/css/portal.css"' in page.text  # the plain name
    stylesheet = client.get("/static/css/portal.css")
    assert stylesheet.status_code == 200
    assert b"".join(stylesheet.streaming_content)
    assert client.get("/admin/login/").status_code == 200
    assert client.get("/static/admin/css/base.css").status_code == 200
    assert "collectstatic` has not been run" in caplog.text


@pytest.mark.django_db
def test_after_collectstatic_the_hashed_names_are_served(not_collected, caplog):
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)
    with caplog.at_level(logging.WARNING, logger="zohoportal.static"):
        client = Client()
        page = client.get("/")
    assert page.status_code == 200
    assert 'href="/static/css/portal.css"' not in page.text
    assert "/static/css/portal." in page.text
    assert "collectstatic" not in caplog.text


def test_gunicorn_without_collectstatic_serves_pages_and_413s_a_large_chunked_body(
    zoho, demo_users, tmp_path
):
    env = harness.portal_env(
        database_url="",
        emulator=zoho,
        static_root=str(tmp_path / "never-collected"),
        resource_dir=str(tmp_path / "sdk"),
        SINGLE_PROCESS="true",
    )
    env["DATABASE_URL"] = harness.fresh_database("sqlite", tmp_path, env)
    with harness.Instance(env, workers=1, threads=2, log_dir=tmp_path) as portal:
        assert requests.get(f"{portal.url}/", timeout=30).status_code == 200
        assert requests.get(f"{portal.url}/static/css/portal.css", timeout=30).status_code == 200
        browser = harness.Browser(zoho)
        assert browser.sign_in(portal.url, demo_users["by_dc"]["eu"][0]["email"]).status_code == 302
        browser.get(f"{portal.url}/")
        headers = {
            "Content-Type": "application/json",
            "X-CSRFToken": browser.http.cookies.get("csrftoken", ""),
        }
        body = json.dumps({"Last_Name": "x", "Description": "y" * 3_000_000}).encode()

        def chunks(data: bytes, size: int = 64 * 1024):
            for start in range(0, len(data), size):
                yield data[start : start + size]

        url = f"{portal.url}/crm/api/Leads/"
        large = browser.http.post(url, data=chunks(body), headers=headers, timeout=60)
        assert large.status_code == 413, large.text
        assert large.json()["error"]["code"] == "TOO_LARGE"
        # gunicorn closes that connection (the rest of the body was never read): a new one.
        browser.http.close()
        lead = json.dumps({"Last_Name": "Chunked", "Company": "Zylker"}).encode()
        small = browser.http.post(url, data=chunks(lead), headers=headers)
        assert small.status_code == 201, small.text
