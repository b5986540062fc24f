"""/metrics under gunicorn with two workers: every worker's counts in one scrape.

deploy/gunicorn.conf.py with PROMETHEUS_MULTIPROC_DIR: the directory is emptied at start, each
worker writes its counts there, /metrics sums them, and a worker that exits keeps its counts.
"""

from __future__ import annotations

import os
import signal
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.deployment import harness
from tests.helpers import wait_until

TOKEN = "gunicorn-metrics-" + "t" * 32


def _scrape(portal) -> dict[tuple, float]:
    response = requests.get(
        f"{portal.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
    )
    assert response.status_code == 200, response.text[-2000:]
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _home_requests(samples) -> float:
    key = ("zohoportal_requests_total", (("method", "GET"), ("status", "200"), ("view", "home")))
    return samples.get(key, 0.0)


def _get_home(portal) -> None:
    # A new connection each time (no session), so the kernel hands them to either worker.
    response = requests.get(f"{portal.url}/", headers={"Connection": "close"}, timeout=30)
    assert response.status_code == 200


@pytest.fixture
def portal(zoho, tmp_path):
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    # What an earlier run left behind (not even a valid file): cleared at start, never summed.
    (metrics_dir / "counter_999999.db").write_bytes(b"left over from an earlier run")
    env = harness.portal_env(
        database_url="",
        emulator=zoho,
        static_root=harness.static_root(),
        resource_dir=str(tmp_path / "sdk"),
        METRICS_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    env["DATABASE_URL"] = harness.fresh_database("sqlite", tmp_path, env)
    with harness.Instance(env, workers=2, threads=2, log_dir=tmp_path) as instance:
        yield instance


def test_two_workers_requests_are_all_counted_in_one_scrape(portal, zoho):
    sent = 0
    while len(portal.worker_pids_in_log('"GET / ')) < 2 and sent < 20:
        _get_home(portal)
        sent += 1
    served = portal.worker_pids_in_log('"GET / ')
    if len(served) < 2:
        # The kernel kept handing connections to the same idle worker: stop it for one
        # request, which only the other worker can then accept.
        pid = int(next(iter(served)).strip("<>"))
        os.kill(pid, signal.SIGSTOP)
        try:
            _get_home(portal)
            sent += 1
        finally:
            os.kill(pid, signal.SIGCONT)
    # A worker writes its access line just after the answer: the line may trail it a little.
    wait_until(
        lambda: len(portal.worker_pids_in_log('"GET / ')) == 2,
        seconds=10,
        what="both workers' access lines (one worker served every request)",
    )
    # Every scrape, whichever worker answers it, sees both workers' requests.
    for _ in range(4):
        assert _home_requests(_scrape(portal)) == sent

    # A sign-in: its calls to Zoho are counted too (a code exchange at the US accounts server).
    browser = harness.Browser(zoho)
    user = next(u for u in zoho.client.users() if u["dc"] == "us")
    assert browser.sign_in(portal.url, user["email"]).status_code == 302
    samples = _scrape(portal)
    exchange = (
        "zohoportal_zoho_calls_total",
        (("data_center", "us"), ("operation", "token_exchange"), ("status", "200")),
    )
    assert samples.get(exchange) == 1

    # A worker that exits (gunicorn starts another) keeps its counts in the sum.
    pid = int(sorted(portal.worker_pids_in_log('"GET / '))[0].strip("<>"))
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the worker did not exit")
    _get_home(portal)
    assert _home_requests(_scrape(portal)) == sent + 1


def test_without_the_token_metrics_is_a_404_under_gunicorn_too(portal):
    for headers in ({}, {"Authorization": "Bearer nope"}):
        response = requests.get(f"{portal.url}/metrics", headers=headers, timeout=30)
        assert response.status_code == 404
        assert "zohoportal_" not in response.text
