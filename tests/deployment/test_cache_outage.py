"""Redis down, or hanging, under gunicorn: the portal keeps serving from the database.

Before, with CACHE_URL on a dead port every signed-in page, API call and sign-in start
answered 500 (`cached_db` sessions raised redis' ConnectionError), and with a Redis that
accepts connections but never answers each signed-in page was a 500 after 8 s (a 2 s timeout,
redis-py retrying); both throttles let every attempt through. Each test here starts one
gunicorn instance (2 workers x 4 threads) on its own SQLite file, with CACHE_URL on

- a port where nothing listens (Redis stopped), or
- a socket that accepts connections and never answers (Redis hanging, or a black hole).

The hanging socket counts the connections made to it: each is one attempt that waited out
CACHE_TIMEOUT. With the circuit breaker (CACHE_RETRY_SECONDS, set long here) a worker stops
trying after its first failure, so a few dozen requests cost a handful of attempts, not one
per cache call. No clock is read.
"""

from __future__ import annotations

import re
import socket
import threading
import uuid

import pytest
import requests

from tests.deployment import harness

WORKERS, THREADS = 2, 4
ADMIN_LIMIT = 3


class HangingRedis:
    """A TCP port that accepts every connection and never answers a byte."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(128)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(connection)  # held open, never read, never answered

    @property
    def attempts(self) -> int:
        return len(self.accepted)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.server.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture(scope="module")
def static_root():
    return harness.static_root()


@pytest.fixture(params=["stopped", "hanging"])
def outage(request):
    """(CACHE_URL, the hanging socket or None)."""
    if request.param == "stopped":
        yield f"redis://127.0.0.1:{harness.free_port()}/0", None
        return
    hanging = HangingRedis()
    try:
        yield f"redis://127.0.0.1:{hanging.port}/0", hanging
    finally:
        hanging.close()


@pytest.fixture
def portal(outage, zoho, tmp_path, static_root):
    cache_url, _ = outage
    env = harness.portal_env(
        database_url="",
        emulator=zoho,
        static_root=static_root,
        resource_dir=str(tmp_path / "sdk"),
        cache_url=cache_url,
        cache_prefix=f"zohoportal-outage-{uuid.uuid4().hex[:8]}",
        ADMIN_LOGIN_RATE_LIMIT=str(ADMIN_LIMIT),
        # One attempt per worker for the whole test: the count below is then exact enough.
        CACHE_RETRY_SECONDS="600",
    )
    env["DATABASE_URL"] = harness.fresh_database("sqlite", tmp_path, env)
    instance = harness.Instance(
        env, workers=WORKERS, threads=THREADS, log_dir=tmp_path, probe="/healthz"
    )
    with instance:
        yield instance


def _admin_attempt(url: str, client: requests.Session, password: str) -> int:
    form = client.get(f"{url}/admin/login/", timeout=60)
    assert form.status_code == 200, form.status_code
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    answer = client.post(
        f"{url}/admin/login/",
        data={"csrfmiddlewaretoken": token, "username": "ops", "password": password},
        headers={"Referer": f"{url}/admin/login/"},
        allow_redirects=False,
        timeout=60,
    )
    return answer.status_code


def test_the_portal_serves_without_its_cache(portal, outage, zoho, demo_users):
    _, hanging = outage
    url = portal.url

    # Readiness says what is wrong (a load balancer may take the host out); liveness holds.
    ready = requests.get(f"{url}/readyz", timeout=60)
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "cache": "unavailable", "tokens": "ok"},
    }
    assert requests.get(f"{url}/healthz", timeout=60).status_code == 200

    # Sign-in start and the callback, then signed-in pages and the JSON API.
    person = harness.Browser(zoho)
    assert person.sign_in(url, demo_users["by_dc"]["us"][0]["email"]).status_code == 302
    for path in (
        "/",
        "/accounts/connections/",
        "/crm/Leads/",
        "/crm/api/modules/",
        "/crm/api/Leads/",
        "/crm/api/Leads/fields/",
        "/crm/api/users/",
    ):
        for _ in range(2):  # a second time: whatever the first left (or not) in the cache
            answer = person.get(f"{url}{path}")
            assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    leads = person.get(f"{url}/crm/api/Leads/").json()
    assert isinstance(leads["data"], list)

    # A resent create (same Idempotency-Key, to either worker) still makes one record: the
    # claim is in the database while the cache is away.
    name = f"Outage {uuid.uuid4().hex[:8]}"
    headers = {
        "X-CSRFToken": person.http.cookies.get("csrftoken", ""),
        "Idempotency-Key": uuid.uuid4().hex,
    }
    created = [
        person.http.post(
            f"{url}/crm/api/Leads/",
            json={"Last_Name": name, "Company": "Zylker"},
            headers=headers,
            timeout=60,
        )
        for _ in range(3)
    ]
    assert [answer.status_code for answer in created] == [201] * 3, created[0].text[:300]
    assert len({answer.json()["data"]["id"] for answer in created}) == 1
    found = person.get(f"{url}/crm/api/Leads/", params={"q": name}).json()["data"]
    assert len(found) == 1, found

    # Signing out ends the session for good (the database is the truth, not the cache).
    twin = person.cookie_copy()
    assert person.post(f"{url}/accounts/logout/").status_code == 302
    after = twin.get(f"{url}/accounts/connections/")
    assert after.status_code == 302, after.status_code

    # The admin password throttle still refuses from one address: each worker counts on its
    # own while the shared cache is away, so at most WORKERS x ADMIN_LIMIT get through.
    admin = requests.Session()
    attempts = [_admin_attempt(url, admin, f"guess-{n}") for n in range(4 * ADMIN_LIMIT * WORKERS)]
    assert set(attempts) <= {200, 429}, attempts
    assert attempts.count(200) <= WORKERS * ADMIN_LIMIT, attempts
    assert attempts[-1] == 429 and attempts.count(429) >= 2 * ADMIN_LIMIT * WORKERS, attempts

    if hanging is not None:
        # Every request above touched the cache several times (session, metadata, limits),
        # and each call without the breaker would have waited out the timeout; each worker
        # thread tried at most once before its process gave up on the cache.
        served = len(portal.access_log.read_text().splitlines())
        assert served > 40, served
        assert 1 <= hanging.attempts <= WORKERS * THREADS, hanging.attempts
