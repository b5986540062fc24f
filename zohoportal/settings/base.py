"""Settings for zohoportal, read from the environment (django-environ).

Every setting an operator may change is listed in `.env.example` and in the README's
"Settings" section. Importing this module only reads: whether the values make sense (a
secret missing with DEBUG off, a malformed data-center entry, …) is checked by
core/checks.py, which stops start-up with a message naming the variable; nothing falls back
to a development value in production.
"""

from pathlib import Path

from .environment import BASE_DIR, DEBUG, env, required

# Values DEBUG off requires (core/checks.py, zohoportal.E010; TOKEN_ENCRYPTION_KEYS: E011).
REQUIRED_SETTINGS = [
    "SECRET_KEY",
    "DATABASE_URL",
    "ZOHO_CLIENT_ID",
    "ZOHO_CLIENT_SECRET",
    "ZOHO_REDIRECT_URI",
]

SECRET_KEY = required("SECRET_KEY", dev_default="django-insecure-development-only-key")
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
# (Unset with DEBUG off, an in-memory database stands in until the check stops start-up.)
DATABASE_URL = required("DATABASE_URL", dev_default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")


def database(url: str) -> dict:
    """DATABASES["default"] for `url`, with the connection settings below."""
    config = env.db_url_config(url or "sqlite://:memory:")
    # Keep each worker thread's database connection open between requests (with a health
    # check before reuse) instead of connecting anew for every request: under gunicorn with
    # PostgreSQL a fresh connection per request halved list-page throughput
    # (bench/README.md). A `conn_max_age` in DATABASE_URL wins.
    if "conn_max_age" not in url:
        config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
        config["CONN_HEALTH_CHECKS"] = True
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # The embedded default (`make run`, several threads or workers on one file): writers
        # wait for each other instead of failing with "database is locked". Every
        # transaction takes the write lock when it begins (IMMEDIATE), so none has to upgrade
        # a read lock mid-way (which SQLite refuses at once, whatever the timeout); WAL lets
        # reads go on meanwhile; a writer waits up to SQLITE_BUSY_TIMEOUT seconds, longer
        # than a token refresh can take.
        config.setdefault("OPTIONS", {}).update(
            timeout=env.float("SQLITE_BUSY_TIMEOUT", default=30.0),
            transaction_mode="IMMEDIATE",
            init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        )
    return config


DATABASES = {"default": database(DATABASE_URL)}
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
# (production.py: hashed, compressed names from `collectstatic` with DEBUG off.)

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

# The portal's demo client, which `make run` registers with the emulator (Makefile
# DEMO_CLIENT); used only when the emulator is configured and no client of your own is.
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
    ZOHO_CLIENT_ID = required("ZOHO_CLIENT_ID")
    ZOHO_CLIENT_SECRET = required("ZOHO_CLIENT_SECRET")
    ZOHO_REDIRECT_URI = required(
        "ZOHO_REDIRECT_URI", dev_default="http://127.0.0.1:8000/accounts/callback/"
    )

# Per data center secrets, e.g. "uk=…,eu=…": the API console's Multi-DC settings give each
# enabled data center its own secret unless "use the same OAuth credentials for all data
# centers" is chosen. A data center not named here uses ZOHO_CLIENT_SECRET.
ZOHO_CLIENT_SECRETS = env.dict("ZOHO_CLIENT_SECRETS", default={})


# Data centers Zoho adds after this release: one entry each, no code change needed.
# "key|Label|https://accounts…|https://api…", comma-separated; read as {key: (label,
# accounts server, API domain)} (core/checks.py refuses an entry not of that form).
ZOHO_EXTRA_DATA_CENTERS = {
    key.strip(): tuple(part.strip() for part in rest)
    for key, *rest in (
        entry.split("|") for entry in env.list("ZOHO_EXTRA_DATA_CENTERS", default=[])
    )
}
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
        "ZohoCRM.settings.custom_views.READ",  # a module's views on its list page
        "ZohoCRM.bulk.ALL",  # export and import (Zoho's Bulk Read and Bulk Write)
        "ZohoFiles.files.ALL",  # import: the file a Bulk Write job reads (Upload File)
    ],
)
# Seconds for every HTTP call to Zoho (connect, read). Shorter than ZOHO_REFRESH_LOCK_TIMEOUT,
# so a hung token endpoint always releases the refresh lock.
ZOHO_HTTP_TIMEOUT = env.float("ZOHO_HTTP_TIMEOUT", default=10.0)
# Reuse TCP/TLS connections to Zoho (one pooled session per thread).
ZOHO_HTTP_KEEPALIVE = env.bool("ZOHO_HTTP_KEEPALIVE", default=True)
ZOHO_REFRESH_LOCK_TIMEOUT = env.float("ZOHO_REFRESH_LOCK_TIMEOUT", default=30.0)
# Refresh an access token when less than this many seconds of life remain.
ZOHO_REFRESH_AHEAD = env.int("ZOHO_REFRESH_AHEAD", default=300)
# Where the SDK keeps its field-metadata cache, one directory per connection.
ZOHO_SDK_RESOURCE_DIR = Path(
    env.str("ZOHO_SDK_RESOURCE_DIR", default=str(BASE_DIR / "var" / "sdk"))
)
# Seconds an org's Zoho metadata (modules, fields, layouts, users; the SDK's field files) is
# kept in the shared cache, per org and Zoho profile (zoho/metadata_scope.py). Zoho's settings
# APIs send no change signal: an operator drops an org's at once with the admin's
# "Refresh Zoho metadata", and an answer naming an unknown field or layout drops it once.
ZOHO_METADATA_TTL = env.int("ZOHO_METADATA_TTL", default=3600)
# Right after a sign-in, fetch the first page's metadata in the background (a Celery task with
# a broker, else a thread), so the dashboard finds it cached (accounts/services/warm_up.py).
ZOHO_WARM_UP_AFTER_SIGN_IN = env.bool("ZOHO_WARM_UP_AFTER_SIGN_IN", default=True)
# Export and import: where a job's files (an export's CSV, an import's failed rows) are kept,
# one folder per job, served only to the job's owner through its connection (never by the
# web server directly). Seconds between two looks at a Zoho bulk job, and how many looks
# before the portal gives up on it.
JOB_FILES_DIR = Path(env.str("JOB_FILES_DIR", default=str(BASE_DIR / "var" / "job-files")))
JOB_FILES_RETENTION_DAYS = env.int("JOB_FILES_RETENTION_DAYS", default=7)
# A job still queued this many seconds after it was queued (its message never reached the
# broker: it was down) is queued again by housekeeping (`job_requeue`, beat's jobs-requeue).
JOB_REQUEUE_AFTER_SECONDS = env.int("JOB_REQUEUE_AFTER_SECONDS", default=300)
ZOHO_BULK_POLL_SECONDS = env.float("ZOHO_BULK_POLL_SECONDS", default=2.0)
ZOHO_BULK_MAX_POLLS = env.int("ZOHO_BULK_MAX_POLLS", default=900)
# The largest CSV file an import takes (Zoho takes 25,000 rows and a 25 MB ZIP a job).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=10_000_000)
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

# Token encryption: comma-separated Fernet keys, newest first. In DEBUG, without them, the
# development key in a git-ignored file (`make run` creates it: `make dev-key`); a missing
# key stops start-up with DEBUG off (core/checks.py).
TOKEN_ENCRYPTION_KEY_FILE = BASE_DIR / ".token-encryption-key"
TOKEN_ENCRYPTION_KEYS = env.list("TOKEN_ENCRYPTION_KEYS", default=[]) or (
    [TOKEN_ENCRYPTION_KEY_FILE.read_text().strip()]
    if DEBUG and TOKEN_ENCRYPTION_KEY_FILE.is_file()
    else []
)

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
# Django's dictConfig, and Python's warnings (a library's UserWarning at start-up) as log
# lines too ("py.warnings"), not as bare text in the middle of the JSON stream.
LOGGING_CONFIG = "core.logs.configure"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "core.request_id.RequestIdFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        # Zoho down or slow (the portal's 502/503/504) is logged, not mailed to ADMINS.
        "not_answered_on_purpose": {"()": "core.logs.NotAnsweredOnPurpose"},
    },
    "formatters": {
        "text": {"()": "core.logs.TextFormatter"},
        "json": {"()": "core.logs.JsonLinesFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            # (another LOG_FORMAT stops start-up in core/checks.py)
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request_id"],
        },
        # Django's own (DEFAULT_LOGGING), named here so that "django" has only this one (its
        # lines reach the console through the root): otherwise Django's plain, unscrubbed
        # console handler (DEBUG on) stays on it too and writes every line twice.
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false", "not_answered_on_purpose"],
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
# Unhandled errors are e-mailed to ADMINS (comma-separated addresses) with DEBUG off, through
# EMAIL_URL (e.g. smtp+tls://user:password@smtp.example.com:587); the report blanks the
# callback's code and state (above).
ADMINS = [(address, address) for address in env.list("ADMINS", default=[])]
_email = env.email_url("EMAIL_URL", default="smtp://localhost:25")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = _email.get("EMAIL_TIMEOUT")
EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
SERVER_EMAIL = env.str("SERVER_EMAIL", default="zohoportal@localhost")
DEFAULT_FROM_EMAIL = SERVER_EMAIL

# Sentry, when SENTRY_DSN is set: exceptions without local variables, personal data or the
# callback's code and state (core/sentry.py, started by core's AppConfig.ready).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")
SENTRY_RELEASE = env.str("SENTRY_RELEASE", default="")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)

# Prometheus metrics at /metrics, only for `Authorization: Bearer <METRICS_TOKEN>` (anyone
# else gets the normal 404); unset, /metrics is off. Several gunicorn workers: set
# PROMETHEUS_MULTIPROC_DIR too (README "Metrics", core/metrics.py).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# Background work (Celery): CELERY_*, in a file of their own.
from .background import *  # noqa: E402,F403
