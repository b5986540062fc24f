"""WSGI entry point (gunicorn zohoportal.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zohoportal.settings.production")

application = get_wsgi_application()

# Stop here rather than serve with SDK internals the portal was not written for
# (zoho/sdk_patches.py) or with a configuration `manage.py check` refuses (core/checks.py):
# the worker fails to boot and gunicorn exits with the message.
from core.checks import require_valid_configuration  # noqa: E402 - needs Django set up
from zoho.sdk_patches import require_compatible_once  # noqa: E402 - needs Django set up

require_compatible_once()
require_valid_configuration()
