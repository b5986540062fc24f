"""Two app servers, one PostgreSQL, one Redis: the portal behaves as one.

Each test starts two gunicorn instances (deploy/gunicorn.conf.py, 2 workers each) on two
ports, as two hosts would run them: one database, one Redis (a key prefix of the test's
own), and each its own SDK resource directory (the directory is per host). Requests are
spread over both, as a load balancer would.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from itertools import cycle

import pytest
import requests

from tests.deployment import harness
from tests.helpers import redis_or_skip

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _status(answer) -> int | str:
    return getattr(answer, "status_code", repr(answer))


class Fleet:
    """The hosts of one test: their database, cache prefix and instances."""

    def __init__(self, zoho, tmp_path, static_root: str):
        self.zoho = zoho
        self.tmp_path = tmp_path
        self.redis_url = redis_or_skip()
        self.prefix = f"zohoportal-fleet-{uuid.uuid4().hex[:12]}"
        self.env = harness.portal_env(
            database_url="",
            emulator=zoho,
            static_root=static_root,
            resource_dir="",
            cache_url=self.redis_url,
            cache_prefix=self.prefix,
        )
        self.database = harness.fresh_database("postgres", tmp_path, self.env)
        self.env["DATABASE_URL"] = self.database
        self.instances: list[harness.Instance] = []

    def host_env(self, host: str, **extra: str) -> dict[str, str]:
        return {**self.env, "ZOHO_SDK_RESOURCE_DIR": str(self.tmp_path / host), **extra}

    def start(self, host: str, **extra: str) -> harness.Instance:
        instance = harness.Instance(
            self.host_env(host, **extra), workers=2, threads=8, log_dir=self.tmp_path
        )
        self.instances.append(instance.start())
        return instance

    def manage(self, host: str, *args: str, **extra: str):
        return harness.manage(self.host_env(host, **extra), *args)

    def close(self) -> None:
        for instance in self.instances:
            instance.terminate()  # all at once, then wait for each
        for instance in self.instances:
            instance.stop()
        harness.drop_database(self.database)
        import redis

        server = redis.Redis.from_url(self.redis_url)
        keys = list(server.scan_iter(match=f"{self.prefix}:*", count=500))
        if keys:
            server.delete(*keys)


@pytest.fixture(scope="module")
def static_root():
    return harness.static_root()


@pytest.fixture
def fleet(zoho, tmp_path, static_root):
    fleet = Fleet(zoho, tmp_path, static_root)
    try:
        yield fleet
    finally:
        fleet.close()


def _expire_every_access_token(fleet: Fleet) -> None:
    harness.sql(
        fleet.database,
        "UPDATE accounts_zohoconnection SET access_token_expires_at = %s",
        (datetime.now(UTC) - timedelta(minutes=1),),
    )


def _calls_by_path(zoho) -> dict[str, int]:
    """Zoho API calls so far by path, without the data center prefix (`/crm/v8/...`)."""
    paths = zoho.client.stats()["api_calls_by_path"]
    counts: dict[str, int] = {}
    for path, count in paths.items():
        short = path[path.index("/crm/") :] if "/crm/" in path else path
        counts[short] = counts.get(short, 0) + count
    return counts


def _metadata_since(zoho, before: dict[str, int]) -> dict[str, int]:
    """Calls since `before` for anything but the records themselves (settings, users...)."""
    now = _calls_by_path(zoho)
    return {
        path: now[path] - before.get(path, 0)
        for path in now
        if now[path] != before.get(path, 0) and not path.startswith("/crm/v8/Leads")
    }


def _forget_metadata(fleet: Fleet) -> None:
    """A cold start for the metadata: the shared cache and each host's SDK files emptied."""
    import shutil

    import redis

    server = redis.Redis.from_url(fleet.redis_url)
    # Every key but the orgs' metadata generations (zoho/metadata_scope.py), which name the
    # metadata rather than hold it: a worker that read one keeps it a few seconds.
    keys = [
        key
        for key in server.scan_iter(match=f"{fleet.prefix}:*", count=500)
        if b"zoho-meta-gen:" not in key
    ]
    if keys:
        server.delete(*keys)
    for host in ("host-a", "host-b"):
        for directory in (fleet.tmp_path / host).glob("connection-*"):
            shutil.rmtree(directory)


# --- the sign-in rate limit ---------------------------------------------------------------------
def test_the_sign_in_limit_holds_exactly_across_instances(fleet):
    a = fleet.start("host-a", LOGIN_RATE_LIMIT="20")
    b = fleet.start("host-b", LOGIN_RATE_LIMIT="20")
    # The limit counts per minute (a fixed window): the burst below takes a few seconds, so
    # it starts over when fewer than ten are left in this one.
    if time.time() % 60 > 50:
        time.sleep(61 - time.time() % 60)
    targets = [a.url, b.url] * 30
    answers = harness.together(
        [
            lambda url=url: requests.get(
                f"{url}/accounts/login/", allow_redirects=False, timeout=60
            )
            for url in targets
        ]
    )
    statuses = [_status(answer) for answer in answers]
    assert statuses.count(302) == 20 and statuses.count(429) == 40, statuses


# --- metadata ------------------------------------------------------------------------------------
def test_one_connections_metadata_is_fetched_once_for_all_four_workers(fleet, zoho, demo_users):
    a = fleet.start("host-a")
    b = fleet.start("host-b")
    person = harness.Browser(zoho)
    assert person.sign_in(a.url, demo_users["by_dc"]["eu"][0]["email"]).status_code == 302
    # What one list costs in metadata when one worker alone starts cold.
    before = _calls_by_path(zoho)
    assert person.get(f"{a.url}/crm/api/Leads/").status_code == 200
    alone = _metadata_since(zoho, before)
    assert alone  # modules and fields, at least
    # The same, cold again, with 32 requests at once over all four workers of both hosts.
    _forget_metadata(fleet)
    before = _calls_by_path(zoho)
    served_by: set[str] = set()
    bursts = 0
    while len(served_by) < 4 and bursts < 8:  # until every worker of both hosts has served
        bursts += 1
        clients = [person.cookie_copy() for _ in range(32)]  # a new TCP connection each
        answers = harness.together(
            [
                lambda c=client, url=url: c.get(f"{url}/crm/api/Leads/")
                for client, url in zip(clients, cycle([a.url, b.url]))
            ]
        )
        assert [_status(answer) for answer in answers] == [200] * 32
        served_by = {
            f"{instance.port}:{pid}"
            for instance in (a, b)
            for pid in instance.worker_pids_in_log("/crm/api/Leads/")
        }
    assert len(served_by) == 4, served_by
    # Fetched once for the whole fleet: exactly what one worker alone fetched.
    assert _metadata_since(zoho, before) == alone
    # Both hosts have the SDK's file (one copied it from Redis instead of asking Zoho).
    for host in ("host-a", "host-b"):
        assert list((fleet.tmp_path / host).glob("connection-*/m-*/resources/*.json")), host


# --- refresh --------------------------------------------------------------------------------------
def test_thirty_two_requests_on_an_expired_token_over_both_instances_refresh_once(
    fleet, zoho, demo_users
):
    a = fleet.start("host-a")
    b = fleet.start("host-b")
    person = harness.Browser(zoho)
    assert person.sign_in(a.url, demo_users["by_dc"]["us"][0]["email"]).status_code == 302
    assert person.get(f"{b.url}/crm/api/Leads/").status_code == 200  # metadata warm
    _expire_every_access_token(fleet)
    before = harness.refresh_calls(zoho)
    clients = [person.cookie_copy() for _ in range(32)]
    answers = harness.together(
        [
            lambda c=client, url=url: c.get(f"{url}/crm/api/Leads/")
            for client, url in zip(clients, cycle([a.url, b.url]))
        ]
    )
    assert [_status(answer) for answer in answers] == [200] * 32
    assert harness.refresh_calls(zoho) - before == 1


# --- disconnect -----------------------------------------------------------------------------------
def test_a_disconnect_on_one_instance_is_final_on_the_other(fleet, zoho, demo_users):
    a = fleet.start("host-a")
    b = fleet.start("host-b")
    person = harness.Browser(zoho)
    assert person.sign_in(a.url, demo_users["by_dc"]["in"][0]["email"]).status_code == 302
    connection_id, refresh_digest = harness.sql(
        fleet.database, "SELECT id, refresh_token_digest FROM accounts_zohoconnection"
    )[0]
    for instance in (a, b):
        assert person.get(f"{instance.url}/crm/api/Leads/").status_code == 200
    folders = {
        host: fleet.tmp_path / host / f"connection-{connection_id}" for host in ("host-a", "host-b")
    }
    assert all(folder.is_dir() for folder in folders.values())

    answer = person.post(f"{a.url}/accounts/connections/{connection_id}/disconnect/")
    assert answer.status_code == 302
    alive = {harness.digest(t) for t in harness.live_refresh_tokens(zoho)}
    assert refresh_digest not in alive  # revoked at Zoho
    calls = zoho.client.stats()["api_calls"]
    on_b = person.get(f"{b.url}/crm/api/Leads/")
    assert on_b.status_code == 403 and on_b.json()["error"]["code"] == "NO_CONNECTION"
    assert zoho.client.stats()["api_calls"] == calls  # b sent nothing with the old token
    assert not folders["host-a"].exists()  # removed where the disconnect ran
    assert folders["host-b"].exists()  # b's own copy: housekeeping's job
    done = fleet.manage("host-b", "zoho_housekeeping", "--json")
    assert done.returncode == 0, done.stderr
    assert not folders["host-b"].exists()
    assert f"connection-{connection_id}" in done.stdout


# --- key rotation ---------------------------------------------------------------------------------
class LoadBalancer:
    """People's requests spread over the live instances, in a loop, until stopped."""

    def __init__(self, people: list[harness.Browser], urls: list[str]):
        self.people = people
        self.urls = list(urls)
        self.statuses: list[int | str] = []
        self.stopped = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(n,)) for n in range(4)]

    def run(self, n: int) -> None:
        turn = n
        while not self.stopped.is_set():
            person = self.people[turn % len(self.people)].cookie_copy()
            turn += 1
            urls = list(self.urls)
            for attempt, url in enumerate(urls[turn % len(urls) :] + urls[: turn % len(urls)]):
                try:
                    answer = person.get(f"{url}/crm/api/Leads/", timeout=60)
                except requests.ConnectionError:  # that instance is being replaced
                    if attempt == len(urls) - 1:
                        self.statuses.append("no instance answered")
                    continue
                self.statuses.append(answer.status_code)
                break
            time.sleep(0.1)

    def replace(self, old: harness.Instance, new: harness.Instance) -> None:
        self.urls = [new.url if url == old.url else url for url in self.urls]
        time.sleep(0.5)  # requests in flight on the old one finish
        old.terminate()  # as a balancer does, without waiting for it to exit

    def __enter__(self) -> LoadBalancer:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        for thread in self.threads:
            thread.join(120)


def test_a_rolling_key_rotation_never_answers_403(fleet, zoho, demo_users):
    old, new = harness.KEY_1, harness.KEY_2
    a = fleet.start("host-a", TOKEN_ENCRYPTION_KEYS=old)
    b = fleet.start("host-b", TOKEN_ENCRYPTION_KEYS=old)
    people = []
    for user in (demo_users["by_dc"]["eu"][0], demo_users["by_dc"]["au"][0]):
        person = harness.Browser(zoho)
        assert person.sign_in(a.url, user["email"]).status_code == 302
        people.append(person)
    refreshes = harness.refresh_calls(zoho)

    def roll(instance: harness.Instance, host: str, keys: str) -> harness.Instance:
        replacement = fleet.start(host, TOKEN_ENCRYPTION_KEYS=keys)
        balancer.replace(instance, replacement)
        _expire_every_access_token(fleet)  # the next requests write tokens with these keys
        time.sleep(0.3)  # and starting the next replacement keeps the traffic going meanwhile
        return replacement

    with LoadBalancer(people, [a.url, b.url]) as balancer:
        time.sleep(1.0)
        a = roll(a, "host-a", f"{old},{new}")  # 1. the new key, second, on every host
        b = roll(b, "host-b", f"{old},{new}")
        a = roll(a, "host-a", f"{new},{old}")  # 2. then first, on every host
        b = roll(b, "host-b", f"{new},{old}")
        rotated = fleet.manage("host-a", "zoho_rotate_keys", TOKEN_ENCRYPTION_KEYS=f"{new},{old}")
        assert rotated.returncode == 0, rotated.stderr
        a = roll(a, "host-a", new)  # 3. the old key can go
        b = roll(b, "host-b", new)
        time.sleep(1.0)
    statuses = balancer.statuses
    assert len(statuses) > 40
    assert set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}
    assert harness.refresh_calls(zoho) - refreshes >= 6  # tokens were written at each step
