"""Settings for the test suite: production-like (DEBUG off) with fixed test secrets.

The emulator's URL is only known once its server has started on a free port, so tests set
`settings.ZOHO_EMULATOR_URL` through the `emulator` fixture; everything that builds a Zoho URL
reads that setting at call time.
"""

import os
import tempfile

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("ZOHO_CLIENT_ID", "1000.TESTCLIENT")
os.environ.setdefault("ZOHO_CLIENT_SECRET", "test-client-secret")
os.environ.setdefault("ZOHO_REDIRECT_URI", "http://testserver/accounts/callback/")
# Fixed Fernet keys for tests: newest first.
os.environ.setdefault(
    "TOKEN_ENCRYPTION_KEYS",
    "hq5yVt0Hh0rE1nOqO3Zlq8v3rC9w1Yk7JmVxK2bQx2Q=,7X8b0y0m3Z3pZVb7oY9cWm4gkJ0sQe9xq3Xr1n2V5aA=",
)
os.environ.setdefault("ZOHO_SDK_RESOURCE_DIR", tempfile.mkdtemp(prefix="zohoportal-sdk-"))
if os.environ.get("TEST_POSTGRES_URL"):
    os.environ["DATABASE_URL"] = os.environ["TEST_POSTGRES_URL"]
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
# The suite's cache is per process (tests clear it freely); tests marked `redis` use their
# own Redis keys (tests/conftest.py: `redis_cache`).
os.environ["CACHE_URL"] = "locmemcache://"

from zohoportal.settings import *  # noqa: E402,F403

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
