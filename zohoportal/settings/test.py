"""Settings for the test suite: production-like (DEBUG off) with fixed test secrets.

The emulator's URL is only known once its server has started on a free port, so tests set
`settings.ZOHO_EMULATOR_URL` through the `emulator` fixture; everything that builds a Zoho URL
reads that setting at call time. TEST_POSTGRES_URL, when set, is the database (the suite's
PostgreSQL pass); otherwise DATABASE_URL, else SQLite in memory.
"""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import database
from .environment import env

SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 - a test value
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
ZOHO_DEMO_MODE = False
ZOHO_CLIENT_ID = "1000.TESTCLIENT"
ZOHO_CLIENT_SECRET = "test-client-secret"  # noqa: S105 - a test value
ZOHO_REDIRECT_URI = "http://testserver/accounts/callback/"
# Fixed Fernet keys for tests: newest first.
TOKEN_ENCRYPTION_KEYS = [
    "hq5yVt0Hh0rE1nOqO3Zlq8v3rC9w1Yk7JmVxK2bQx2Q=",
    "7X8b0y0m3Z3pZVb7oY9cWm4gkJ0sQe9xq3Xr1n2V5aA=",
]
# One folder per test process (pytest-xdist workers, subprocesses), made on first use.
ZOHO_SDK_RESOURCE_DIR = Path(tempfile.gettempdir()) / f"zohoportal-sdk-{os.getpid()}"
# No background warm-up after a sign-in: tests count Zoho calls. Those about it turn it on.
ZOHO_WARM_UP_AFTER_SIGN_IN = False
DATABASE_URL = env.str("TEST_POSTGRES_URL", default="") or env.str(
    "DATABASE_URL", default="sqlite:///:memory:"
)
DATABASES = {"default": database(DATABASE_URL)}
# The suite's cache is per process (tests clear it freely); tests marked `redis` use their
# own Redis keys (tests/conftest.py: `redis_cache`).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="zohoportal"),
    }
}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ZOHO_HTTP_TIMEOUT = 3.0

# Plain http://testserver: no HTTPS redirect and no Secure-only cookies in the test client
# (tests/security checks the production values in a subprocess). Static files come from the
# finders, so no `collectstatic` is needed.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Export and import: job files in a folder of this test process; Zoho's bulk jobs looked at
# without waiting (the emulator moves a job one state per look).
JOB_FILES_DIR = Path(tempfile.gettempdir()) / f"zohoportal-job-files-{os.getpid()}"
ZOHO_BULK_POLL_SECONDS = 0.0
