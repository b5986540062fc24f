"""Simultaneous sign-ins and refreshes through gunicorn (2 workers x 8 threads): no 500, no
504, and no token wasted, on the embedded SQLite file as on PostgreSQL.

SQLite used to answer most of 24 simultaneous sign-ins with 500 "database is locked" (a
transaction upgrading its read lock mid-way is refused at once), and concurrent refreshes
in two processes both called Zoho, then one failed to write and threw its fresh token away.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.deployment import harness

SIGN_INS = 24
EXPIRED_REQUESTS = 20
DATABASES = [
    pytest.param("sqlite", id="sqlite", marks=pytest.mark.single_database),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def _identities(demo_users) -> list[tuple[str, str | None]]:
    """Every (email, org) the emulator's demo users can sign in as."""
    found = []
    for user in demo_users["all"]:
        for org in user["orgs"]:
            found.append((user["email"], org["zgid"]))
    return found


@pytest.fixture(scope="module")
def static_root():
    return harness.static_root()


@pytest.mark.parametrize("kind", DATABASES)
def test_simultaneous_sign_ins_and_expired_token_requests(
    kind, zoho, demo_users, tmp_path, static_root
):
    env = harness.portal_env(
        database_url="",
        emulator=zoho,
        static_root=static_root,
        resource_dir=str(tmp_path / "sdk"),
        LOGIN_RATE_LIMIT="0",  # 24 sign-ins from one address: not what this test is about
    )
    env["DATABASE_URL"] = database = harness.fresh_database(kind, tmp_path, env)
    try:
        with harness.Instance(env, workers=2, threads=8, log_dir=tmp_path) as portal:
            identities = _identities(demo_users)
            people = [harness.Browser(zoho) for _ in range(SIGN_INS)]
            callbacks = [
                person.start_sign_in(portal.url, *identities[n % len(identities)])
                for n, person in enumerate(people)
            ]
            answers = harness.together(
                [
                    lambda p=person, c=callback: p.finish_sign_in(portal.url, c)
                    for person, callback in zip(people, callbacks, strict=True)
                ]
            )
            statuses = [getattr(a, "status_code", repr(a)) for a in answers]
            assert all(s == 302 for s in statuses), statuses
            # Every refresh token Zoho issued is stored, or was revoked: none is wasted.
            live = {harness.digest(t) for t in harness.live_refresh_tokens(zoho)}
            assert live == harness.stored_refresh_digests(database)
            assert len(live) == len(identities)

            expired = datetime.now(UTC) - timedelta(minutes=1)
            harness.sql(
                database,
                "UPDATE accounts_zohoconnection SET access_token_expires_at = %s",
                (expired.isoformat() if kind == "sqlite" else expired,),
            )
            before = harness.refresh_calls(zoho)
            person = people[0]
            clients = [person.cookie_copy() for _ in range(EXPIRED_REQUESTS)]
            answers = harness.together(
                [lambda c=client: c.get(f"{portal.url}/crm/api/Leads/") for client in clients]
            )
            statuses = [getattr(a, "status_code", repr(a)) for a in answers]
            failures = [getattr(a, "text", repr(a))[:300] for a in answers if a.status_code != 200]
            assert statuses == [200] * EXPIRED_REQUESTS, failures
            assert harness.refresh_calls(zoho) - before == 1  # one refresh, none thrown away
        errors = portal.error_log.read_text()
        assert "database is locked" not in errors and "Traceback" not in errors
    finally:
        harness.drop_database(database)
