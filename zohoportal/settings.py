"""Settings for zohoportal, read from the environment (django-environ).

Every setting an operator may change is listed in `.env.example` and in the README's
"Settings" section. With DEBUG off, a missing secret stops start-up with a message naming
the variable; nothing falls back to a development value in production.
"""

import logging
import secrets
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# `manage.py collectstatic` is a build step (an image build, a CI job): it reads no secret,
# so it runs without them; every other command and the app server still stop without them.
COLLECTING_STATIC = sys.argv[1:2] == ["collectstatic"]


def _required(name: str, dev_default: str | None = None) -> str:
    """A setting that production must provide; DEBUG may fall back to `dev_default`."""
    value = env.str(name, default="")
    if value:
        return value
    if DEBUG and dev_default is not None:
        return dev_default
    if COLLECTING_STATIC:
        return secrets.token_urlsafe(50) if name == "SECRET_KEY" else ""
    raise ImproperlyConfigured(
        f"{name} is not set. Set it in the environment (see .env.example); "
        "it is required when DEBUG is off."
    )


SECRET_KEY = _required("SECRET_KEY", dev_default="django-insecure-development-only-key")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "core",
    "zoho",
    "accounts",
    "crm",
    "jobs",
]

MIDDLEWARE = [
    # An X-Request-ID on every response and log line (core/request_id.py).
    "core.request_id.RequestIdMiddleware",
    # /healthz and /readyz: before the HTTPS redirect, ALLOWED_HOSTS, sessions and CSRF.
    "core.health.HealthCheckMiddleware",
    # /metrics (to the METRICS_TOKEN holder only) and the request counts (core/metrics.py).
    "core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    # Static files from the app server itself (gunicorn), compressed and cache-busted.
    # (core/static.py: also while collectstatic has not been run, with a warning.)
    "core.static.StaticFilesMiddleware",
    # A NUL (%00) in an admin filter or search: a clear 400, not PostgreSQL's 500.
    "core.admin_query.AdminQueryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.ZohoConnectionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Cache-Control: no-store on every signed-in page and on the JSON API.
    "core.middleware.NoStoreMiddleware",
    "accounts.middleware.ClearZohoSDKStateMiddleware",
]

ROOT_URLCONF = "zohoportal.urls"
WSGI_APPLICATION = "zohoportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.zoho",
            ],
        },
    },
]

# With DEBUG off the database must be named: a missing DATABASE_URL used to give each host
# its own SQLite file, silently. (`make run`, DEBUG on, keeps the embedded file.)
DATABASES = {
    "default": env.db_url_config(
        _required("DATABASE_URL", dev_default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
        or "sqlite://:memory:"
    ),
}
# Keep each worker thread's database connection open between requests (with a health check
# before reuse) instead of connecting anew for every request: under gunicorn with PostgreSQL a
# fresh connection per request halved list-page throughput (bench/README.md). A
# `conn_max_age` in DATABASE_URL wins.
if "conn_max_age" not in env.str("DATABASE_URL", default=""):
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default (`make run`, several threads or workers on one file): writers wait
    # for each other instead of failing with "database is locked". Every transaction takes
    # the write lock when it begins (IMMEDIATE), so none has to upgrade a read lock mid-way
    # (which SQLite refuses at once, whatever the timeout); WAL lets reads go on meanwhile;
    # a writer waits up to SQLITE_BUSY_TIMEOUT seconds, longer than a token refresh can take.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=env.float("SQLITE_BUSY_TIMEOUT", default=30.0),
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
if not DEBUG:
    # Hashed, compressed file names from `manage.py collectstatic`, served by WhiteNoise.
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "core.static.ManifestStaticFilesStorage"},
    }
    # A file missing from the manifest (collectstatic not run yet, say) gets its plain name
    # instead of an exception: no page, not even the 500 page, fails for want of an icon
    # (core/static.py serves plain names, with a warning, until collectstatic runs).
    WHITENOISE_MANIFEST_STRICT = False

# --- Cache --------------------------------------------------------------------------------
# Sign-in rate limits, CRM metadata and the SDK's field files live in this cache. In
# production it must be shared by every worker on every host: Redis, through Django's own
# RedisCache (CACHE_URL=redis://127.0.0.1:6379/0). The default, a per-process memory
# cache, suits one process only (`make run`); `manage.py check --deploy` refuses it unless
# SINGLE_PROCESS says that is the deployment.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
CACHES["default"].pop("key_prefix", None)  # django-environ's spelling, which Django ignores
# Keeps this portal's keys apart from anything else in the same Redis database.
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="zohoportal")
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Redis down or hanging never fails a request (core/cache_backend.py): each call
    # waits at most CACHE_TIMEOUT, and after a failure Redis is skipped for CACHE_RETRY_SECONDS.
    CACHES["default"]["BACKEND"] = "core.cache_backend.FaultTolerantRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        socket_connect_timeout=env.float("CACHE_TIMEOUT", default=0.5),
        socket_timeout=env.float("CACHE_TIMEOUT", default=0.5),
        retry_seconds=env.float("CACHE_RETRY_SECONDS", default=5.0),
    )
# True when exactly one portal process serves the site (one gunicorn worker, one host): only
# then are a per-process cache and SQLite acceptable with DEBUG off (the deploy check).
SINGLE_PROCESS = env.bool("SINGLE_PROCESS", default=False)

LOGIN_URL = "/"
# Server-side sessions: the sign-in `state` lives in the database, never in a cookie; the
# shared cache answers reads (write-through), so a warm request costs no session query.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- HTTPS, cookies and response headers (Django's deployment checklist) ------------------
# With DEBUG off everything is on by default; each switch can be turned off from the
# environment (e.g. SECURE_SSL_REDIRECT=false when the proxy already redirects to HTTPS).
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# Django's CSRF cookie is readable by the page's own scripts unless this is set (its value
# is also in every form); HttpOnly here adds no protection (Django's docs), so it is opt-in.
CSRF_COOKIE_HTTPONLY = env.bool("CSRF_COOKIE_HTTPONLY", default=False)
SESSION_COOKIE_SAMESITE = "Lax"  # Strict would drop the session on the OAuth callback.
CSRF_COOKIE_SAMESITE = "Lax"
# The crm JSON API answers a CSRF failure in its own error format; other pages keep Django's.
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# `preload` in the header only matters once the domain is submitted to the browsers' list.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
# Behind a TLS-terminating proxy: SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO (the proxy
# must set that header itself and strip it from what clients send).
_proxy_ssl_header = env.str("SECURE_PROXY_SSL_HEADER", default="")
SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header, "https") if _proxy_ssl_header else None
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Sent on every response by core.middleware.ContentSecurityPolicyMiddleware. The
# templates hold no inline script or style: everything comes from /static/.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

# --- Zoho -------------------------------------------------------------------------------
# ZOHO_EMULATOR_URL points every data center at the bundled emulator (demo mode when no
# Zoho client is configured). Without it, the portal talks to Zoho's real servers.
ZOHO_EMULATOR_URL = env.str("ZOHO_EMULATOR_URL", default="").rstrip("/")

# The emulator's documented demo client (zoho_emulator/README.md); used only when the
# emulator is configured and no client of your own is.
ZOHO_DEMO_CLIENT_ID = "1000.ZOHOPORTALDEMO"
ZOHO_DEMO_CLIENT_SECRET = "zohoportal-demo-secret"  # noqa: S105 - public demo value
ZOHO_DEMO_MODE = bool(ZOHO_EMULATOR_URL) and not env.str("ZOHO_CLIENT_ID", default="")

if ZOHO_DEMO_MODE:
    ZOHO_CLIENT_ID = ZOHO_DEMO_CLIENT_ID
    ZOHO_CLIENT_SECRET = ZOHO_DEMO_CLIENT_SECRET
    ZOHO_REDIRECT_URI = env.str(
        "ZOHO_REDIRECT_URI", default="http://127.0.0.1:8000/accounts/callback/"
    )
else:
    ZOHO_CLIENT_ID = _required("ZOHO_CLIENT_ID", dev_default="")
    ZOHO_CLIENT_SECRET = _required("ZOHO_CLIENT_SECRET", dev_default="")
    ZOHO_REDIRECT_URI = _required(
        "ZOHO_REDIRECT_URI", dev_default="http://127.0.0.1:8000/accounts/callback/"
    )

# Per data center secrets, e.g. "uk=…,eu=…": the API console's Multi-DC settings give each
# enabled data center its own secret unless "use the same OAuth credentials for all data
# centers" is chosen. A data center not named here uses ZOHO_CLIENT_SECRET.
ZOHO_CLIENT_SECRETS = env.dict("ZOHO_CLIENT_SECRETS", default={})


def _extra_data_centers() -> dict[str, tuple[str, str, str]]:
    """ZOHO_EXTRA_DATA_CENTERS: "key|Label|https://accounts…|https://api…", comma-separated."""
    table = {}
    for entry in env.list("ZOHO_EXTRA_DATA_CENTERS", default=[]):
        parts = [part.strip() for part in entry.split("|")]
        if (
            len(parts) != 4
            or not parts[0].isascii()
            or not parts[0].isalpha()
            or not parts[0].islower()
            or len(parts[0]) > 8
            or not all(url.startswith("https://") and "/" not in url[8:] for url in parts[2:])
        ):
            raise ImproperlyConfigured(
                f"ZOHO_EXTRA_DATA_CENTERS entry {entry!r} is not "
                '"key|Label|https://accounts-server|https://api-domain" (key: up to 8 '
                "lower-case letters; URLs: https, host only)."
            )
        table[parts[0]] = (parts[1], parts[2], parts[3])
    return table


# Data centers Zoho adds after this release: one entry each, no code change needed.
ZOHO_EXTRA_DATA_CENTERS = _extra_data_centers()
# Only these data centers may sign in (default: all). A deployment for China, a separate
# Zoho, sets ZOHO_DATA_CENTERS=cn and ZOHO_SIGN_IN_DC=cn.
ZOHO_DATA_CENTERS = env.list("ZOHO_DATA_CENTERS", default=[])
# Where sign-in starts: Zoho's multi-DC sign-in starts at the US accounts server.
ZOHO_SIGN_IN_DC = env.str("ZOHO_SIGN_IN_DC", default="us")

# What each feature needs (README "Connect real Zoho" explains each scope).
ZOHO_SCOPES = env.list(
    "ZOHO_SCOPES",
    default=[
        "ZohoCRM.modules.ALL",  # records of every module: list, view, create, edit, delete
        "ZohoCRM.users.READ",  # who signed in; owners to choose from
        "ZohoCRM.org.READ",  # which org
        "ZohoCRM.settings.modules.READ",  # the org's modules and permissions
        "ZohoCRM.settings.fields.READ",  # fields, types, picklists (forms, validation)
        "ZohoCRM.settings.layouts.READ",  # sections of a record page
        "ZohoCRM.settings.related_lists.READ",  # related records of a record
        "ZohoSearch.securesearch.READ",  # search, as the v8 Search Records page lists it
        "ZohoCRM.coql.READ",  # lists sorted by a column (COQL's ORDER BY)
        "ZohoCRM.files.CREATE",  # files added to file and image fields (Zoho's Files API)
    ],
)
# Seconds for every HTTP call to Zoho (connect, read). Shorter than ZOHO_REFRESH_LOCK_TIMEOUT,
# so a hung token endpoint always releases the refresh lock.
ZOHO_HTTP_TIMEOUT = env.float("ZOHO_HTTP_TIMEOUT", default=10.0)
# Reuse TCP/TLS connections to Zoho (one pooled session per thread).
ZOHO_HTTP_KEEPALIVE = env.bool("ZOHO_HTTP_KEEPALIVE", default=True)
ZOHO_REFRESH_LOCK_TIMEOUT = env.float("ZOHO_REFRESH_LOCK_TIMEOUT", default=30.0)
if ZOHO_HTTP_TIMEOUT >= ZOHO_REFRESH_LOCK_TIMEOUT:
    raise ImproperlyConfigured(
        f"ZOHO_HTTP_TIMEOUT ({ZOHO_HTTP_TIMEOUT:g}) must be shorter than "
        f"ZOHO_REFRESH_LOCK_TIMEOUT ({ZOHO_REFRESH_LOCK_TIMEOUT:g}): a hung token call must "
        "give up before the requests waiting for its refresh lock do."
    )
# Refresh an access token when less than this many seconds of life remain.
ZOHO_REFRESH_AHEAD = env.int("ZOHO_REFRESH_AHEAD", default=300)
# Where the SDK keeps its field-metadata cache, one directory per connection.
ZOHO_SDK_RESOURCE_DIR = Path(
    env.str("ZOHO_SDK_RESOURCE_DIR", default=str(BASE_DIR / "var" / "sdk"))
)
# `zoho_housekeeping` deletes token refresh logs older than this many days.
TOKEN_REFRESH_LOG_RETENTION_DAYS = env.int("TOKEN_REFRESH_LOG_RETENTION_DAYS", default=30)
# Sign-in starts allowed per client address: (requests, window in seconds).
LOGIN_RATE_LIMIT = (env.int("LOGIN_RATE_LIMIT", default=20), 60)
# Attempts at the Django admin's password form, per client address and per user name:
# (requests, window in seconds).
ADMIN_LOGIN_RATE_LIMIT = (env.int("ADMIN_LOGIN_RATE_LIMIT", default=10), 60)
# Reverse proxies in front of the portal that append to X-Forwarded-For (nginx with
# `proxy_add_x_forwarded_for`: 1). 0 = use REMOTE_ADDR. Without it, behind a proxy every
# client shares the proxy's address, and so one rate-limit bucket.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Seconds a sign-in `state` stays valid.
ZOHO_STATE_MAX_AGE = 600

# Token encryption: comma-separated Fernet keys, newest first. In DEBUG a development key is
# generated into a git-ignored file; in production a missing key stops start-up.
TOKEN_ENCRYPTION_KEY_FILE = BASE_DIR / ".token-encryption-key"


def _token_encryption_keys() -> list[str]:
    keys = env.list("TOKEN_ENCRYPTION_KEYS", default=[])
    if keys:
        return keys
    if COLLECTING_STATIC:
        return []
    if not DEBUG:
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEYS is not set. Generate a key with `python -c 'from "
            "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'` and set "
            "it in the environment; it is required when DEBUG is off."
        )
    if not TOKEN_ENCRYPTION_KEY_FILE.is_file():
        from cryptography.fernet import Fernet

        TOKEN_ENCRYPTION_KEY_FILE.write_text(Fernet.generate_key().decode() + "\n")
        TOKEN_ENCRYPTION_KEY_FILE.chmod(0o600)
    return [TOKEN_ENCRYPTION_KEY_FILE.read_text().strip()]


TOKEN_ENCRYPTION_KEYS = _token_encryption_keys()

# Error reports blank the sign-in callback's `code` and `state` (core/error_reports.py).
DEFAULT_EXCEPTION_REPORTER = "core.error_reports.ExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.error_reports.SafeExceptionReporterFilter"

# --- Logs and errors ------------------------------------------------------------------------
# Every line has the time (UTC), level, logger and request id; LOG_FORMAT=json writes one JSON
# object per line for a log collector. Nothing the portal logs holds a token, code or state,
# and every line is scrubbed of query values, Authorization and Cookie values that could
# (core/logs.py): Django's and runserver's lines go through the same handler here,
# gunicorn's through the same formatters (core/gunicorn_logging.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "core.request_id.RequestIdFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "text": {"()": "core.logs.TextFormatter"},
        "json": {"()": "core.logs.JsonLinesFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        },
        # Django's own (DEFAULT_LOGGING), named here so that "django" has only this one (its
        # lines reach the console through the root): otherwise Django's plain, unscrubbed
        # console handler (DEBUG on) stays on it too and writes every line twice.
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "zohoportal": {"level": env.str("LOG_LEVEL", default="INFO")},
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        # runserver's request lines (`make run`): the scrubbed console, not Django's own.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # The SDK logs request details; keep it quiet so nothing sensitive reaches the logs.
        "SDKLogger": {"level": "CRITICAL", "propagate": False},
    },
}
# Python's warnings (a library's UserWarning at start-up) as log lines too ("py.warnings"),
# not as bare text in the middle of the JSON stream.
logging.captureWarnings(True)

# Unhandled errors are e-mailed to ADMINS (comma-separated addresses) with DEBUG off, through
# EMAIL_URL (e.g. smtp+tls://user:password@smtp.example.com:587); the report blanks the
# callback's code and state (above).
ADMINS = [(address, address) for address in env.list("ADMINS", default=[])]
globals().update(env.email_url("EMAIL_URL", default="smtp://localhost:25"))
SERVER_EMAIL = env.str("SERVER_EMAIL", default="zohoportal@localhost")
DEFAULT_FROM_EMAIL = SERVER_EMAIL

# Sentry, when SENTRY_DSN is set: exceptions without local variables, personal data or the
# callback's code and state (core/sentry.py).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from core import sentry as _sentry

    _sentry.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        release=env.str("SENTRY_RELEASE", default=""),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# --- Background work (Celery) ---------------------------------------------------------------
# The Celery app is `zohoportal` (zohoportal/celery_app.py): `celery -A zohoportal worker` and
# `celery -A zohoportal beat`. CELERY_BROKER_URL is the broker: Redis in production
# (redis://127.0.0.1:6379/1, a database of its own), `filesystem://` under `make run` (kombu's
# file transport in CELERY_FILESYSTEM_DIR, no server). Without it, tasks run eagerly inside
# the process that queues them (as before Celery: a disconnect waits for Zoho) and `/readyz`
# has no broker check. Results live in the database (jobs.Job), not in a result backend.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="zohoportal")
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged once it has finished: a worker killed mid-task leaves it queued, and
# the broker hands it out again after the visibility timeout (Redis) or at the next start.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queuing from a request waits at most about a second on a dead or hanging broker; what was
# not queued is left to the periodic work (a queued revocation stays in the database).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_TIMEOUT", default=0.5)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Longer than any task runs: an unacknowledged task is handed out again after this.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        socket_timeout=CELERY_BROKER_CONNECTION_TIMEOUT,
        socket_connect_timeout=CELERY_BROKER_CONNECTION_TIMEOUT,
        # kombu looks for unacknowledged tasks past the visibility timeout every 10 s but
        # scans Redis only every 10th time (about every 100 s): scan each time, at most every
        # visibility timeout, so a killed worker's task is handed out again soon after it.
        unacked_restore_throttle=1,
        unacked_restore_interval=max(
            1, min(10, CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])
        ),
    )
    if env.str("CELERY_KEY_PREFIX", default=""):  # several portals on one Redis database
        CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = env.str("CELERY_KEY_PREFIX")
elif CELERY_BROKER_URL.startswith("filesystem://"):
    _celery_dir = Path(env.str("CELERY_FILESYSTEM_DIR", default=str(BASE_DIR / "var" / "celery")))
    for _folder in ("queue", "processed", "control"):
        (_celery_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        data_folder_in=str(_celery_dir / "queue"),
        data_folder_out=str(_celery_dir / "queue"),
        processed_folder=str(_celery_dir / "processed"),
        control_folder=str(_celery_dir / "control"),
        store_processed=False,
    )
# Celery beat: the periodic work the cron/systemd timers in deploy/ also do (run one or the
# other). Every 5 minutes each, as the timers.
CELERY_BEAT_SCHEDULE = {
    "zoho-refresh-tokens": {
        "task": "accounts.tasks.tokens_refresh_due",
        "schedule": env.float("CELERY_REFRESH_EVERY", default=300.0),
    },
    "zoho-housekeeping": {
        "task": "accounts.tasks.housekeeping_run",
        "schedule": env.float("CELERY_HOUSEKEEPING_EVERY", default=300.0),
    },
}
# Prometheus metrics at /metrics, only for `Authorization: Bearer <METRICS_TOKEN>` (anyone
# else gets the normal 404); unset, /metrics is off. Several gunicorn workers: set
# PROMETHEUS_MULTIPROC_DIR too (README "Metrics", core/metrics.py).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
