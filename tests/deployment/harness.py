"""Real deployments for tests: gunicorn instances of the portal over a database of their own.

- `static_root()`: a STATIC_ROOT collected once per test run.
- `fresh_database(kind, tmp_path)`: a migrated SQLite file, or a PostgreSQL database named
  after this run's test database (`<test db>_srv_<n>`), dropped by `drop_database`.
- `Instance(env, ...)`: `gunicorn -c deploy/gunicorn.conf.py zohoportal.wsgi` on a free
  127.0.0.1 port (a context manager); its access log lists the worker pid of each request.
- `Browser(url)`: "Sign in with Zoho" over HTTP, the emulator's consent page in between.
- `sql(url, query, params)`: a raw statement on the instances' database (no Django).

Everything talks to 127.0.0.1 only, and every process started here is stopped by its pid.
"""

from __future__ import annotations

import atexit
import hashlib
import itertools
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
KEY_1 = "hq5yVt0Hh0rE1nOqO3Zlq8v3rC9w1Yk7JmVxK2bQx2Q="
KEY_2 = "7X8b0y0m3Z3pZVb7oY9cWm4gkJ0sQe9xq3Xr1n2V5aA="
_serial = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env() -> dict[str, str]:
    """The environment without anything of the test run's own configuration."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ZOHO_", "DJANGO_", "SECURE_", "CACHE_", "SENTRY_", "GUNICORN_"))
        and k
        not in (
            "DATABASE_URL",
            "TEST_POSTGRES_URL",
            "SECRET_KEY",
            "TOKEN_ENCRYPTION_KEYS",
            "ALLOWED_HOSTS",
            "DEBUG",
            "SINGLE_PROCESS",
        )
    }


def portal_env(
    *,
    database_url: str,
    emulator,
    static_root: str,
    resource_dir: str,
    cache_url: str = "locmemcache://",
    cache_prefix: str = "",
    keys: str = KEY_1,
    **extra: str,
) -> dict[str, str]:
    """A production configuration (DEBUG off) over plain HTTP on 127.0.0.1."""
    return {
        **base_env(),
        "DJANGO_SETTINGS_MODULE": "zohoportal.settings.production",
        "DEBUG": "false",
        "SECRET_KEY": "deployment-test-secret-key-" + "x" * 30,
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
        "CACHE_KEY_PREFIX": cache_prefix or "zohoportal",
        "TOKEN_ENCRYPTION_KEYS": keys,
        "ZOHO_CLIENT_ID": emulator.client_id,
        "ZOHO_CLIENT_SECRET": emulator.client_secret,
        "ZOHO_REDIRECT_URI": emulator.redirect_uri,
        "ZOHO_EMULATOR_URL": emulator.url,
        "ZOHO_SDK_RESOURCE_DIR": resource_dir,
        "STATIC_ROOT": static_root,
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        # No background warm-up after sign-in: these tests count Zoho calls.
        "ZOHO_WARM_UP_AFTER_SIGN_IN": "false",
        **extra,
    }


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return result


# --- databases -----------------------------------------------------------------------------------
def _pg_params(url: str) -> dict:
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": parts.username or "postgres",
        "password": parts.password,
        "dbname": parts.path.lstrip("/"),
    }


def fresh_database(kind: str, tmp_path: Path, env: dict[str, str]) -> str:
    """A new, migrated database for the instances; its URL. Migrations run once per test
    session and kind, into a template that each database is then copied from."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
        shutil.copyfile(_sqlite_template(env), tmp_path / "portal.sqlite3")
        return url
    test_url = os.environ["TEST_POSTGRES_URL"]
    name = f"{_pg_params(test_url)['dbname']}_srv_{os.getpid()}_{next(_serial)}"
    _create_database(test_url, name, template=_postgres_template(test_url, env))
    return urlsplit(test_url)._replace(path=f"/{name}").geturl()


def _create_database(test_url: str, name: str, *, template: str | None = None) -> None:
    """PostgreSQL database `name` (replacing one of that name), empty or a copy of `template`."""
    import psycopg2

    admin = psycopg2.connect(**{**_pg_params(test_url), "dbname": "postgres"})
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        copy = f' TEMPLATE "{template}"' if template else ""
        cursor.execute(f'CREATE DATABASE "{name}"{copy}')
    admin.close()


_templates: dict[str, str] = {}


def _sqlite_template(env: dict[str, str]) -> str:
    if "sqlite" not in _templates:
        path = Path(tempfile.mkdtemp(prefix="zohoportal-template-")) / "template.sqlite3"
        _migrate({**env, "DATABASE_URL": f"sqlite:///{path}"})
        _templates["sqlite"] = str(path)
    return _templates["sqlite"]


def _postgres_template(test_url: str, env: dict[str, str]) -> str:
    if "postgres" not in _templates:
        name = f"{_pg_params(test_url)['dbname']}_srv_{os.getpid()}_template"
        _create_database(test_url, name)
        url = urlsplit(test_url)._replace(path=f"/{name}").geturl()
        _migrate({**env, "DATABASE_URL": url})
        atexit.register(drop_database, url)
        _templates["postgres"] = name
    return _templates["postgres"]


def _migrate(env: dict[str, str]) -> None:
    result = manage(env, "migrate", "--noinput")
    assert result.returncode == 0, result.stderr


def drop_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg2

    params = _pg_params(url)
    admin = psycopg2.connect(**{**params, "dbname": "postgres"})
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{params["dbname"]}" WITH (FORCE)')
    admin.close()


def sql(url: str, query: str, params: tuple = ()) -> list[tuple]:
    """Run one statement on the instances' database (`%s` placeholders); its rows."""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)
        try:
            cursor = connection.execute(query.replace("%s", "?"), params)
            rows = cursor.fetchall()
            connection.commit()
            return rows
        finally:
            connection.close()
    import psycopg2

    connection = psycopg2.connect(**_pg_params(url))
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def live_refresh_tokens(emulator) -> set[str]:
    return {t["token"] for t in emulator.client.tokens()["refresh_tokens"] if t["alive"]}


def stored_refresh_digests(url: str) -> set[str]:
    return {row[0] for row in sql(url, "SELECT refresh_token_digest FROM accounts_zohoconnection")}


def refresh_calls(emulator) -> int:
    return emulator.client.stats()["token_calls"].get("refresh_token", 0)


# --- gunicorn -------------------------------------------------------------------------------------
class Instance:
    """The portal under gunicorn (deploy/gunicorn.conf.py) on a free port."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int = 2,
        threads: int = 4,
        log_dir: Path,
        probe: str = "/readyz",  # "/healthz" for an instance that must start unready
    ):
        self.env = env
        self.probe = probe
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = log_dir / f"access-{self.port}.log"
        self.error_log = log_dir / f"error-{self.port}.log"
        self.args = [
            GUNICORN,
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--access-logfile",
            str(self.access_log),
            "--error-logfile",
            str(self.error_log),
            "zohoportal.wsgi",
        ]
        self.process: subprocess.Popen | None = None

    def start(self) -> Instance:
        self.process = subprocess.Popen(
            self.args,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped: {self.error_log.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.url}{self.probe}", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not become ready in 90 s")

    def terminate(self) -> None:
        """Begin a graceful stop and return at once (`stop` waits for it): idle keep-alive
        connections hold a gthread worker up to `keepalive` seconds, as in production."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: finishes requests in flight

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.terminate()
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def worker_pids_in_log(self, path_prefix: str = "") -> set[str]:
        pids = set()
        for line in self.access_log.read_text().splitlines():
            if path_prefix in line and " pid=" in line:
                pids.add(line.split(" pid=", 1)[1].split()[0])
        return pids

    def __enter__(self) -> Instance:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- a person with a browser ----------------------------------------------------------------------
class Browser:
    """One person's cookies, signing in through the portal and the emulator's consent page."""

    def __init__(self, emulator):
        self.emulator = emulator
        self.http = requests.Session()

    def start_sign_in(self, portal_url: str, email: str, org: str | None = None) -> str:
        """Up to Zoho's redirect back: the callback's path and query (not yet requested)."""
        start = self.http.get(f"{portal_url}/accounts/login/", allow_redirects=False, timeout=30)
        assert start.status_code == 302, start.status_code
        params = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["Location"]).query).items()}
        callback = urlsplit(self.emulator.client.authorize(params, email=email, org=org))
        return f"{callback.path}?{callback.query}"

    def finish_sign_in(self, portal_url: str, callback: str) -> requests.Response:
        return self.http.get(f"{portal_url}{callback}", allow_redirects=False, timeout=60)

    def sign_in(self, portal_url: str, email: str, org: str | None = None) -> requests.Response:
        return self.finish_sign_in(portal_url, self.start_sign_in(portal_url, email, org))

    def get(self, url: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 60)
        kwargs.setdefault("allow_redirects", False)
        return self.http.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs) -> requests.Response:
        """A form POST with the CSRF token from the cookie (as a page's form would send)."""
        self.get(url.rsplit("/accounts/", 1)[0] + "/accounts/connections/")
        token = self.http.cookies.get("csrftoken", "")
        kwargs.setdefault("timeout", 60)
        kwargs.setdefault("allow_redirects", False)
        headers = {"X-CSRFToken": token, "Referer": url}
        form = {"csrfmiddlewaretoken": token, **(data or {})}
        return self.http.post(url, data=form, headers=headers, **kwargs)

    def cookie_copy(self) -> Browser:
        """The same session in another client (the same person, another connection)."""
        twin = Browser(self.emulator)
        twin.http.cookies.update(self.http.cookies)
        return twin


def collectstatic(env: dict[str, str]) -> None:
    result = manage(env, "collectstatic", "--noinput", timeout=120)
    assert result.returncode == 0, result.stderr


def static_root() -> str:
    """A STATIC_ROOT that `collectstatic` (production settings) filled once in this test run,
    for the instances of tests that are not about collecting static files."""
    if "static" not in _templates:
        root = tempfile.mkdtemp(prefix="zohoportal-static-")
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        collectstatic(
            base_env()
            | {
                "DEBUG": "false",
                "DJANGO_SETTINGS_MODULE": "zohoportal.settings.production",
                "STATIC_ROOT": root,
            }
        )
        _templates["static"] = root
    return _templates["static"]


def together(calls) -> list:
    """Run every call at once (a barrier), return their results in order."""
    results: list = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(index, call):
        barrier.wait()
        try:
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - reported by the test
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return results
