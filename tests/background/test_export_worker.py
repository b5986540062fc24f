"""An export and an import through the real Celery worker (tests/background/conftest.py): the page's
request queues the job, the worker runs it against the emulator, the API shows it done."""

from __future__ import annotations

import pytest

from jobs.models import Job
from tests.helpers import wait_until

PATRICIA = "patricia.boyle@zylker-traders.com"
ZYLKER_TRADERS = "720019234"


@pytest.mark.django_db(transaction=True)
def test_an_export_runs_on_the_real_worker(client, connect, celery_worker, settings, tmp_path):
    settings.JOB_FILES_DIR = tmp_path / "job-files"
    connect(PATRICIA, org=ZYLKER_TRADERS)
    response = client.post("/crm/api/Leads/export/")
    assert response.status_code == 202, response.content
    job = response.json()["job"]

    wait_until(
        lambda: Job.objects.get(pk=job["id"]).finished, seconds=60, what="the export to finish"
    )
    answer = client.get(f"/crm/api/jobs/{job['id']}/").json()["job"]
    assert answer["state"] == "done", answer
    assert answer["result"]["rows"] > 0
    download = client.get(answer["download_url"])
    lines = b"".join(download.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == answer["result"]["rows"] + 1


@pytest.mark.django_db(transaction=True)
def test_an_import_runs_on_the_real_worker(client, connect, celery_worker, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.JOB_FILES_DIR = tmp_path / "job-files"
    connect(PATRICIA, org=ZYLKER_TRADERS)
    data = b"Last Name,Company\nWorker One,W Ltd\n,No Name Ltd\n"
    response = client.post(
        "/crm/api/Leads/import/", {"file": SimpleUploadedFile("leads.csv", data)}
    )
    assert response.status_code == 202, response.content
    job = response.json()["job"]

    wait_until(
        lambda: Job.objects.get(pk=job["id"]).finished, seconds=60, what="the import to finish"
    )
    answer = client.get(f"/crm/api/jobs/{job['id']}/").json()["job"]
    assert answer["state"] == "done", answer
    assert answer["result"] == {"created": 1, "updated": 0, "failed": 1}
