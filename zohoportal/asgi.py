"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zohoportal.settings.production")

application = get_asgi_application()

# As zohoportal/wsgi.py: no serving with a configuration `manage.py check` refuses.
from core.checks import require_valid_configuration  # noqa: E402 - needs Django set up

require_valid_configuration()
