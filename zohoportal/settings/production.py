"""Settings of every process outside the test suite: the app server, Celery, `manage.py`
and `make run` (DEBUG on). Everything comes from the environment (base.py); with DEBUG off,
static files get their production storage."""

from .base import *  # noqa: F403
from .base import DEBUG

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
