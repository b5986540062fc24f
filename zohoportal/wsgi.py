"""WSGI entry point (gunicorn zohoportal.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zohoportal.settings")

application = get_wsgi_application()

# Stop here rather than serve with SDK internals the portal was not written for
# (zoho/sdk_patches.py; `manage.py check` says the same): the worker fails to boot and
# gunicorn exits with the message.
from zoho.sdk_patches import require_compatible_once  # noqa: E402 - needs Django set up

require_compatible_once()
