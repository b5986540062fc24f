"""Plumbing for the portal-level benches (request_overhead, gunicorn_throughput, memory).

- `BulkEmulator`: the emulator in a child process (`python bench/portal.py emulator ...`)
  holding N live token pairs minted straight into its state, so 1,000 connections need no
  sign-ins (Zoho caps refresh tokens at 20 per user; the child lifts that cap for its bench
  tokens only, cycling over the demo users and orgs so every token reads real records).
- `setup_portal(...)`: this process as a portal (DEBUG off, plain HTTP on 127.0.0.1).
- `seed_users(tokens)`: Django users, connections and sessions; returns session cookies.
- `Gunicorn`: the portal under gunicorn (gthread) on a free 127.0.0.1 port; worker pids.
- `load(...)`: N client threads with keep-alive `requests.Session`s, bounded in time/count.

Everything talks only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

# (email, dc, zgid, org name): the demo users' orgs (Leads: 45, 45, 9, 14, 12, 10).
IDENTITIES = [
    ("patricia.boyle@zylker-traders.com", "us", "720019234", "Zylker Traders Inc."),
    ("marcus.webb@zylker-traders.com", "us", "720019234", "Zylker Traders Inc."),
    ("patricia.boyle@zylker-traders.com", "us", "720019877", "Zylker Labs LLC"),
    ("sofia.lindqvist@nordwind-logistik.de", "eu", "20071245781", "Nordwind Logistik GmbH"),
    ("arjun.mehta@kaveritextiles.in", "in", "60012873459", "Kaveri Textiles Pvt Ltd"),
    ("olivia.chen@banksiasolar.com.au", "au", "7001938172", "Banksia Solar Pty Ltd"),
]
SCOPES = (
    "ZohoCRM.modules.ALL",
    "ZohoCRM.users.READ",
    "ZohoCRM.org.READ",
    "ZohoCRM.settings.fields.READ",
    "ZohoCRM.settings.modules.READ",
)
# Production settings that assume a TLS proxy in front; off for plain HTTP on 127.0.0.1.
PLAIN_HTTP = {
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "SECURE_HSTS_SECONDS": "0",
}
LIST_PATH = "/crm/api/Leads/"
MODULES_PATH = "/crm/api/modules/"  # signed in, answered from the metadata cache: no Zoho call


# --- the emulator with bulk tokens ---------------------------------------------------------
def _serve_emulator(port: int, tokens: int, latency_ms: float, out: str) -> None:
    from zoho_emulator.server import EmulatorServer

    app = common.bench_emulator_app(public_url=None, access_token_ttl=3600)
    server = EmulatorServer(app, host="127.0.0.1", port=port).start()
    state = app.state
    minted = []
    with state.lock:
        for n in range(tokens):
            email, dc, zgid, org_name = IDENTITIES[n % len(IDENTITIES)]
            identity = {
                "client_id": common.BENCH_CLIENT_ID,
                "email": email,
                "zgid": zgid,
                "dc": dc,
                "scopes": SCOPES,
            }
            refresh = state.mint_refresh(**identity)
            # Bench only: forget it in the per-user bucket so the 20-per-user cap does not
            # revoke it (the token itself stays live and refreshable).
            state.user_refresh[(common.BENCH_CLIENT_ID, email)].pop(refresh.token, None)
            access = state.mint_access(
                **identity, ttl=3600, refresh=refresh, grant_type="authorization_code"
            )
            minted.append([email, dc, zgid, org_name, refresh.token, access.token])
    if latency_ms:
        app.set_latency(latency_ms)
    Path(out + ".tmp").write_text(json.dumps(minted))
    os.replace(out + ".tmp", out)
    server._thread.join()


class BulkEmulator:
    """The emulator in its own process with `tokens` minted token pairs (`.tokens`)."""

    def __init__(self, tokens: int, latency_ms: float = 0):
        from zoho_emulator.client import EmulatorClient

        self.port = common.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        out = Path(tempfile.mkdtemp(prefix="zohoportal-bench-emu-")) / "tokens.json"
        args = [
            common.PYTHON,
            str(Path(__file__).resolve()),
            "emulator",
            "--port",
            str(self.port),
            "--tokens",
            str(tokens),
            "--latency-ms",
            str(latency_ms),
            "--out",
            str(out),
        ]
        self.process = subprocess.Popen(
            args, cwd=common.ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while not out.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the bench emulator did not start")
            time.sleep(0.05)
        self.tokens = json.loads(out.read_text())
        self.client = EmulatorClient(self.url)

    def stats(self) -> dict:
        return self.client.stats()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def __enter__(self) -> BulkEmulator:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# --- the portal in this process --------------------------------------------------------------
def portal_env(database_url: str, emulator_url: str, resource_dir: str | None = None) -> dict:
    env = common.bench_env(
        database_url=database_url, emulator_url=emulator_url, resource_dir=resource_dir
    )
    env.update(PLAIN_HTTP)
    return env


def setup_portal(env: dict) -> None:
    """Configure this process as the portal with `env`; migrate a fresh database."""
    os.environ.clear()
    os.environ.update(env)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def database_url(choice: str) -> tuple[str, str]:
    """(url, label): PostgreSQL `bench_portal` (dropped and re-created) or a fresh SQLite."""
    if choice == "sqlite":
        return common.sqlite_url(), "SQLite (fresh file)"
    url = "postgres://postgres@127.0.0.1:5432/bench_portal"
    reason = _fresh_postgres(url)
    if reason is None:
        return url, "PostgreSQL 127.0.0.1 (bench_portal)"
    if choice == "postgres":
        raise SystemExit(f"--db postgres: {reason}")
    print(f"PostgreSQL not used ({reason}); using a fresh SQLite file", file=sys.stderr)
    return common.sqlite_url(), "SQLite (fresh file)"


def _fresh_postgres(url: str) -> str | None:
    try:
        import psycopg2
    except ImportError:
        return "psycopg2 is not installed"
    try:
        admin = psycopg2.connect(
            dbname="postgres", host="127.0.0.1", port=5432, user="postgres", connect_timeout=3
        )
    except psycopg2.OperationalError as error:
        return f"not reachable: {str(error).strip().splitlines()[0]}"
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("DROP DATABASE IF EXISTS bench_portal WITH (FORCE)")
        cursor.execute("CREATE DATABASE bench_portal")
    admin.close()
    return None


def seed_users(tokens: list[list[str]]) -> list[dict]:
    """One Django user + connection + signed-in session per token pair.

    Returns [{"connection": pk, "cookie": "sessionid=..."}]. Bulk inserts; tokens are
    encrypted the portal's way (bound to the tenant key), sessions are real DB sessions.
    """
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from accounts.models import ZohoConnection, ZohoOrg
    from accounts.services import SESSION_ACTIVE_KEY
    from zoho import datacenters

    user_model = get_user_model()
    start = user_model.objects.count()
    users = user_model.objects.bulk_create(
        [user_model(username=f"bench-{start + n}", password="!") for n in range(len(tokens))]
    )
    orgs = {}
    for _email, dc, zgid, name, *_ in tokens:
        if (zgid, dc) not in orgs:
            orgs[zgid, dc], _ = ZohoOrg.objects.get_or_create(
                zgid=zgid, data_center=dc, defaults={"name": name}
            )
    expires = timezone.now() + timedelta(minutes=55)
    rows = []
    for n, (user, (email, dc, zgid, _name, refresh, access)) in enumerate(
        zip(users, tokens, strict=True)
    ):
        row = ZohoConnection(
            user=user,
            org=orgs[zgid, dc],
            data_center=dc,
            zoho_user_id=str(9_100_000_000 + start + n),
            email=email,
            full_name=f"Bench {start + n}",
            user_signature=f"{email}:{zgid}",
            scopes=",".join(SCOPES),
            api_domain=datacenters.get(dc).api_domain,
            access_token_expires_at=expires,
        )
        row.refresh_token = refresh
        row.access_token = access
        rows.append(row)
    rows = ZohoConnection.objects.bulk_create(rows)
    signed_in = []
    backend = settings.AUTHENTICATION_BACKENDS[0]
    for user, row in zip(users, rows, strict=True):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[SESSION_ACTIVE_KEY] = row.pk
        session.create()
        signed_in.append(
            {
                "connection": row.pk,
                "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
            }
        )
    from django.db import connections

    connections.close_all()  # no transaction or lock held while the server reads
    return signed_in


# --- gunicorn ---------------------------------------------------------------------------------
class Gunicorn:
    """`gunicorn zohoportal.wsgi` (gthread) on a free 127.0.0.1 port with `env`."""

    def __init__(self, env: dict, workers: int, threads: int, extra: tuple[str, ...] = ()):
        self.port = common.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        binary = Path(common.PYTHON).parent / "gunicorn"
        args = [
            str(binary),
            "zohoportal.wsgi",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--keep-alive",
            "30",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            *extra,
        ]
        self.log = tempfile.NamedTemporaryFile(prefix="zohoportal-bench-gunicorn-", suffix=".log")
        self.process = subprocess.Popen(
            args, cwd=common.ROOT, env=env, stdout=self.log, stderr=self.log
        )
        if not self._wait_up(f"{self.url}/crm/api/modules/"):  # a 401 JSON answer when up
            self.stop()
            raise RuntimeError("gunicorn did not start:\n" + self.output())
        deadline = time.monotonic() + 20
        while len(self.worker_pids()) < workers and time.monotonic() < deadline:
            time.sleep(0.05)

    def _wait_up(self, url: str, timeout: float = 30) -> bool:
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                urllib.request.urlopen(url, timeout=2).close()  # noqa: S310 - 127.0.0.1
                return True
            except urllib.error.HTTPError as error:
                return error.code < 500
            except OSError:
                time.sleep(0.1)
        return False

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def worker_pids(self) -> list[int]:
        return children_of(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def rss_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in kB, from /proc/<pid>/status."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


# --- the load generator -----------------------------------------------------------------------
def load(
    base_url: str,
    cookies: list[str],
    clients: int,
    *,
    seconds: float,
    max_requests: int | None = None,
    path: str = LIST_PATH,
    new_connection_every: int = 0,
) -> dict:
    """`clients` threads, each a keep-alive session, cycling over `cookies` (signed-in users).

    Stops after `seconds` or `max_requests` in all. With `new_connection_every` = k, each
    client opens a new TCP connection every k requests. Only 127.0.0.1.
    """
    import requests

    assert base_url.startswith("http://127.0.0.1:"), base_url
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    issued = [0]
    lock = threading.Lock()
    deadline = [0.0]
    barrier = threading.Barrier(clients + 1)

    def client(number: int) -> None:
        http = requests.Session()
        done = 0
        barrier.wait()
        while time.perf_counter() < deadline[0]:
            with lock:
                if max_requests is not None and issued[0] >= max_requests:
                    break
                n = issued[0]
                issued[0] += 1
            if new_connection_every and done and done % new_connection_every == 0:
                http.close()
                http = requests.Session()
            started = time.perf_counter()
            try:
                response = http.get(
                    base_url + path, headers={"Cookie": cookies[n % len(cookies)]}, timeout=60
                )
                response.content  # noqa: B018 - read the whole body
                code = response.status_code
            except requests.RequestException as error:
                code = 0
                with lock:
                    errors.append(type(error).__name__)
            elapsed = time.perf_counter() - started
            done += 1
            with lock:
                latencies.append(elapsed)
                statuses[code] = statuses.get(code, 0) + 1
        http.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ok = statuses.get(200, 0)
    return {
        "clients": clients,
        "requests": len(latencies),
        "ok": ok,
        "statuses": statuses,
        "errors": errors[:3],
        "seconds": elapsed,
        "rps": ok / elapsed if elapsed else 0.0,
        "p50": common.percentile_ms(latencies, 50),
        "p99": common.percentile_ms(latencies, 99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="bench helper processes")
    sub = parser.add_subparsers(dest="command", required=True)
    emu = sub.add_parser("emulator", help="the emulator with bulk tokens (for BulkEmulator)")
    emu.add_argument("--port", type=int, required=True)
    emu.add_argument("--tokens", type=int, required=True)
    emu.add_argument("--latency-ms", type=float, default=0)
    emu.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.command == "emulator":
        _serve_emulator(args.port, args.tokens, args.latency_ms, args.out)


if __name__ == "__main__":
    main()
