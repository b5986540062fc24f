"""Every check of the portal's configuration, as Django system checks.

Settings only read the environment (zohoportal/settings/); whether the values make sense is
decided here. `manage.py check`, `migrate`, `runserver` and every management command run
these checks (a command fails on an Error), and so do the app server and Celery at start-up
(`require_valid_configuration`, from zohoportal/wsgi.py, asgi.py and celery_app.py).

- The configuration (every start): a secret missing with DEBUG off, a malformed
  ZOHO_EXTRA_DATA_CENTERS entry, timeouts in the wrong order, an unknown LOG_FORMAT; and the
  checks another layer owns and registers with `register_configuration_check` (the data
  centers named in the settings are checked against the Zoho layer's table).
- Deployment (`manage.py check --deploy`) for a portal served by several processes: a
  per-process cache splits the sign-in rate limit and the metadata cache between workers
  (each worker counts its own sign-ins and fetches its own metadata); SQLite is one file on
  one host. Both are fine for exactly one process, which the operator states with
  SINGLE_PROCESS=true. And a production without a Celery broker, whatever its size: every
  background task would run inside the request that queues it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

FERNET_COMMAND = (
    "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`"
)


def _value(name: str):
    try:
        return getattr(settings, name, "")
    except ImproperlyConfigured:  # Django's own refusal of an empty SECRET_KEY
        return ""


@checks.register()
def check_required_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """With DEBUG off, no secret falls back to a development value."""
    if settings.DEBUG:
        return []
    return [
        checks.Error(
            f"{name} is not set. Set it in the environment (see .env.example); "
            "it is required when DEBUG is off.",
            id="zohoportal.E010",
        )
        for name in settings.REQUIRED_SETTINGS
        if not _value(name)
    ]


@checks.register()
def check_token_encryption_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.TOKEN_ENCRYPTION_KEYS:
        return []
    if not settings.DEBUG:
        return [
            checks.Error(
                f"TOKEN_ENCRYPTION_KEYS is not set. Generate a key with {FERNET_COMMAND} and set "
                "it in the environment; it is required when DEBUG is off.",
                id="zohoportal.E011",
            )
        ]
    return [
        checks.Warning(
            "TOKEN_ENCRYPTION_KEYS is not set and there is no development key in "
            f"{settings.TOKEN_ENCRYPTION_KEY_FILE.name}: signing in to Zoho will fail.",
            hint=f"`make dev-key` (`make run` does it) writes one; or generate a key with "
            f"{FERNET_COMMAND} and set TOKEN_ENCRYPTION_KEYS.",
            id="zohoportal.W011",
        )
    ]


def _data_center_entry_problem(key: str, parts: tuple) -> bool:
    return (
        len(parts) != 3
        or not key.isascii()
        or not key.isalpha()
        or not key.islower()
        or len(key) > 8
        or not all(url.startswith("https://") and "/" not in url[8:] for url in parts[1:])
    )


@checks.register()
def check_extra_data_centers(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """ZOHO_EXTRA_DATA_CENTERS: "key|Label|https://accounts…|https://api…", comma-separated."""
    return [
        checks.Error(
            f"ZOHO_EXTRA_DATA_CENTERS entry {'|'.join((key, *parts))!r} is not "
            '"key|Label|https://accounts-server|https://api-domain" (key: up to 8 '
            "lower-case letters; URLs: https, host only).",
            id="zohoportal.E012",
        )
        for key, parts in settings.ZOHO_EXTRA_DATA_CENTERS.items()
        if _data_center_entry_problem(key, parts)
    ]


@checks.register()
def check_timeouts(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    http, lock = settings.ZOHO_HTTP_TIMEOUT, settings.ZOHO_REFRESH_LOCK_TIMEOUT
    if http < lock:
        return []
    return [
        checks.Error(
            f"ZOHO_HTTP_TIMEOUT ({http:g}) must be shorter than ZOHO_REFRESH_LOCK_TIMEOUT "
            f"({lock:g}): a hung token call must give up before the requests waiting for its "
            "refresh lock do.",
            id="zohoportal.E013",
        )
    ]


@checks.register()
def check_job_requeue_after(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.JOB_REQUEUE_AFTER_SECONDS > 0:
        return []
    return [
        checks.Error(
            f"JOB_REQUEUE_AFTER_SECONDS must be a number of seconds above 0, not "
            f"{settings.JOB_REQUEUE_AFTER_SECONDS}: a job still queued that long after it was "
            "queued is queued again.",
            id="zohoportal.E016",
        )
    ]


@checks.register()
def check_log_format(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.LOG_FORMAT in ("text", "json"):
        return []
    return [
        checks.Error(
            f"LOG_FORMAT must be text or json, not {settings.LOG_FORMAT!r}.",
            id="zohoportal.E014",
        )
    ]


def register_configuration_check(check: Callable[[], None], *, id: str) -> None:  # noqa: A002
    """Run `check` (it raises ImproperlyConfigured) with the checks above: for a check whose
    knowledge lives in another layer (the Zoho layer's data-center table)."""

    def run(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
        try:
            check()
        except ImproperlyConfigured as error:
            return [checks.Error(str(error), id=id)]
        return []

    checks.register(run)


def require_valid_configuration() -> None:
    """Stop a process that `manage.py check` would stop: the app server (wsgi, asgi) and
    Celery call this at start-up, after Django is set up."""
    errors = [message for message in checks.run_checks() if message.is_serious()]
    if errors:
        raise ImproperlyConfigured(
            "The configuration has errors (`manage.py check` lists them):\n"
            + "\n".join(str(message) for message in errors)
        )


PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache": "a per-process memory cache",
    "django.core.cache.backends.dummy.DummyCache": "no cache at all",
    "django.core.cache.backends.filebased.FileBasedCache": "a per-host file cache",
}


@checks.register(checks.Tags.caches, deploy=True)
def check_shared_cache(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG or settings.SINGLE_PROCESS:
        return []
    backend = settings.CACHES["default"]["BACKEND"]
    if backend not in PER_PROCESS_CACHES:
        return []
    return [
        checks.Error(
            f"CACHE_URL gives {PER_PROCESS_CACHES[backend]} ({backend}): each worker would "
            "keep its own sign-in rate limit and fetch its own CRM metadata.",
            hint="Set CACHE_URL=redis://HOST:6379/0 (shared by every worker on every host), "
            "or SINGLE_PROCESS=true if exactly one process serves the portal.",
            id="zohoportal.E001",
        )
    ]


@checks.register(checks.Tags.database, deploy=True)
def check_shared_database(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG or settings.SINGLE_PROCESS:
        return []
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.sqlite3":
        return []
    return [
        checks.Error(
            "DATABASE_URL is SQLite: one file on one host, one writer at a time, and no row "
            "locks to keep token refreshes to one call across processes.",
            hint="Set DATABASE_URL=postgres://USER@HOST:5432/NAME, or SINGLE_PROCESS=true if "
            "exactly one process serves the portal.",
            id="zohoportal.E002",
        )
    ]


@checks.register(deploy=True)
def check_broker(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Without a broker Celery runs every task eagerly, in the process (the request) that
    queues it (zohoportal/settings/background.py): fine for tests and `runserver`."""
    if settings.DEBUG or settings.CELERY_BROKER_URL:
        return []
    return [
        checks.Warning(
            "CELERY_BROKER_URL is not set: every background task runs inside the request that "
            "queues it. An export, import or bulk edit runs to its end before its page answers "
            "(a proxy's timeout answers 504 meanwhile; a restarted app server leaves the job "
            "half done, running for good), a disconnect waits for Zoho's revoke, and Celery "
            "beat cannot run.",
            hint="Set CELERY_BROKER_URL=redis://HOST:6379/1 (a Redis database apart from "
            "CACHE_URL's; filesystem:// for one host) and run `celery -A zohoportal worker` "
            '(README, "Background work").',
            id="zohoportal.W003",
        )
    ]
