"""Static files when `manage.py collectstatic` has not been run (yet): pages, not 500s.

With DEBUG off the templates' `{% static %}` names come from the manifest collectstatic
writes into STATIC_ROOT (`staticfiles.json`: hashed, compressed, cached for a year). Without
it Django's manifest storage raises for every name it cannot hash ("The file … could not be
found"), so every page that links a stylesheet was a 500. The portal chooses to keep
serving, and to say why in the log:

- `ManifestStaticFilesStorage` answers a name it cannot hash with its plain URL
  (`/static/css/portal.css`), logging a warning once per process;
- `StaticFilesMiddleware` (WhiteNoise) then serves those plain names from the source
  folders (the app's `static/`, Django admin's), as in development, logging at start-up
  that collectstatic has not been run.

Pages look and work as usual; only the far-future caching and pre-compressed files wait
for `collectstatic` (README "Deployment", static files).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.files.storage import FileSystemStorage
from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger("zohoportal.static")

NOT_COLLECTED = (
    "static files: STATIC_ROOT (%s) has no %s: `manage.py collectstatic` has not been run. "
    "Serving plain static URLs from the source folders (no compression, no cache-busting "
    "names) until it is."
)


def manifest_missing() -> bool:
    """True when the static files storage is a manifest one and its manifest is missing."""
    storage = staticfiles_storage
    if not isinstance(storage, ManifestFilesMixin):
        return False
    return not storage.manifest_storage.exists(storage.manifest_name)


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's manifest storage, with the plain URL for a name it cannot hash."""

    _warned = False

    def url(self, name, force=False):
        try:
            return super().url(name, force)
        except ValueError:  # not hashable: no manifest yet, or a name not collected
            if not ManifestStaticFilesStorage._warned and manifest_missing():
                ManifestStaticFilesStorage._warned = True
                logger.warning(NOT_COLLECTED, settings.STATIC_ROOT, self.manifest_name)
            return FileSystemStorage.url(self, name)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, also serving the source folders while collectstatic has not been run."""

    def __init__(self, get_response=None, settings=settings):
        super().__init__(get_response, settings)
        if not self.use_finders and manifest_missing():
            logger.warning(NOT_COLLECTED, settings.STATIC_ROOT, staticfiles_storage.manifest_name)
            self.use_finders = True
            if not self.autorefresh:
                self.add_files_from_finders()
