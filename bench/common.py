"""Shared plumbing for the bench scripts: Django set-up, the emulator, timing, tables.

Everything here talks only to 127.0.0.1. Nothing here is imported by the portal.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Bench-only secrets (never used anywhere else): a fixed Fernet key so pre-encrypted rows and
# child processes agree.
BENCH_FERNET_KEY = "p4mnUo0J0gGz8ZmX0m8Zb7hVqkxK3n3i1W0m4x7hQ2E="
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/bench"
# The portal's client in every bench; each emulator a bench starts is told it.
BENCH_CLIENT_ID = "1000.BENCHCLIENT"
BENCH_CLIENT_SECRET = "bench-client-secret"
BENCH_REDIRECT_URI = "http://127.0.0.1:8000/accounts/callback/"
BENCH_CLIENT_ARGS = [
    "--client-id",
    BENCH_CLIENT_ID,
    "--client-secret",
    BENCH_CLIENT_SECRET,
    "--redirect-uri",
    BENCH_REDIRECT_URI,
]


def bench_emulator_app(**kwargs):
    """An emulator (``zoho_emulator.Emulator``) that knows the benches' client."""
    from zoho_emulator import Emulator

    return Emulator(
        client_id=BENCH_CLIENT_ID,
        client_secret=BENCH_CLIENT_SECRET,
        redirect_uris=[BENCH_REDIRECT_URI],
        **kwargs,
    )


# --- environment ---------------------------------------------------------------------------
def bench_env(
    *,
    database_url: str,
    emulator_url: str = "",
    keepalive: bool = True,
    resource_dir: str | None = None,
) -> dict[str, str]:
    """Environment variables for a portal process (this one or a child) used by a bench."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ZOHO_", "DJANGO_")) and k not in ("DATABASE_URL", "DEBUG")
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="bench-secret-key-not-for-production",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        TOKEN_ENCRYPTION_KEYS=BENCH_FERNET_KEY,
        DATABASE_URL=database_url,
        ZOHO_HTTP_KEEPALIVE="true" if keepalive else "false",
        ZOHO_SDK_RESOURCE_DIR=resource_dir or tempfile.mkdtemp(prefix="zohoportal-bench-sdk-"),
        DJANGO_SETTINGS_MODULE="zohoportal.settings.production",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        # No background warm-up after sign-in: it would add to what a bench measures.
        # bench/round_trips.py, which measures it, turns it on.
        ZOHO_WARM_UP_AFTER_SIGN_IN="false",
    )
    env.update(
        ZOHO_CLIENT_ID=BENCH_CLIENT_ID,
        ZOHO_CLIENT_SECRET=BENCH_CLIENT_SECRET,
        ZOHO_REDIRECT_URI=BENCH_REDIRECT_URI,
    )
    if emulator_url:
        env["ZOHO_EMULATOR_URL"] = emulator_url  # the bench's client, at the emulator
    return env


def django_setup(**kwargs) -> None:
    """Configure this process as a portal with `bench_env(**kwargs)` and migrate its DB."""
    os.environ.clear()
    os.environ.update(bench_env(**kwargs))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def sqlite_url(directory: str | None = None) -> str:
    directory = directory or tempfile.mkdtemp(prefix="zohoportal-bench-db-")
    return f"sqlite:///{directory}/bench.sqlite3"


def postgres_ready(url: str = DEFAULT_PG_URL) -> str | None:
    """Create the bench database if needed; None when it is usable, else the reason."""
    try:
        import psycopg2
        from psycopg2 import sql
    except ImportError:
        return "psycopg2 is not installed"
    import environ

    cfg = environ.Env.db_url_config(url)
    params = {
        "host": cfg.get("HOST") or "127.0.0.1",
        "port": cfg.get("PORT") or 5432,
        "user": cfg.get("USER") or "postgres",
        "password": cfg.get("PASSWORD") or None,
        "connect_timeout": 3,
    }
    try:
        admin = psycopg2.connect(dbname="postgres", **params)
    except psycopg2.OperationalError as error:
        return f"PostgreSQL not reachable ({str(error).strip().splitlines()[0]})"
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))
    admin.close()
    return None


# --- the emulator ---------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - 127.0.0.1
                if response.status < 500:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Emulator:
    """`python -m zoho_emulator` in a child process on a free 127.0.0.1 port."""

    def __init__(self, latency_ms: float = 0):
        from zoho_emulator.client import EmulatorClient

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [PYTHON, "-m", "zoho_emulator", "--host", "127.0.0.1", "--port", str(self.port)]
        args += BENCH_CLIENT_ARGS
        if latency_ms:
            args += ["--latency-ms", str(latency_ms)]
        self.process = subprocess.Popen(
            args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_http(f"{self.url}/_emulator/health")
        self.client = EmulatorClient(self.url)

    def stats(self) -> dict:
        return self.client.stats()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def connect(emulator_client, email: str, dc: str, org: str | None = None):
    """A stored ZohoConnection for a demo user, through the portal's explicit path."""
    from django.conf import settings

    from accounts import services

    code = emulator_client.self_client_code(email, dc, ",".join(settings.ZOHO_SCOPES), org=org)
    result = services.connection_add_explicit(email=email, data_center=dc, grant_token=code)
    return result.connection


# --- numbers and tables --------------------------------------------------------------------
def median_ms(samples: Sequence[float]) -> float:
    return statistics.median(samples) * 1000


def percentile_ms(samples: Sequence[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index] * 1000


def fmt(value: float, digits: int = 3) -> str:
    if value != value:  # NaN
        return "n/a"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.{digits}f}"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table (also readable in a terminal)."""
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    return "\n".join([line, rule, *body])


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def machine() -> str:
    """One line describing the machine, for the README."""
    try:
        mem = subprocess.run(["free", "-h"], capture_output=True, text=True, timeout=5).stdout
        total = mem.splitlines()[1].split()[1]
    except (OSError, IndexError, subprocess.SubprocessError):
        total = "?"
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores (nproc), {total} RAM, {cpu}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def machine_busy_seconds() -> float | None:
    """CPU seconds every core of this machine has spent busy since boot (Linux /proc/stat).

    The difference over a run is the CPU that run cost the whole machine: this process, the
    emulator child and the database server alike. None where /proc/stat is missing.
    """
    try:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def emit_json(payload: object) -> None:
    """Children hand results to the parent on the last line of stdout."""
    sys.stdout.write("\nBENCH-JSON " + json.dumps(payload) + "\n")
    sys.stdout.flush()


def run_child(args: list[str], env: dict[str, str], timeout: float = 600) -> object:
    """Run a bench child process; return what it emitted with `emit_json`."""
    result = subprocess.run(
        [PYTHON, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    for line in reversed(result.stdout.splitlines()):
        if line.startswith("BENCH-JSON "):
            return json.loads(line[len("BENCH-JSON ") :])
    raise RuntimeError(
        f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout[-2000:]}\n"
        f"{result.stderr[-4000:]}"
    )
