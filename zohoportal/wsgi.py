"""WSGI entry point (gunicorn zohoportal.wsgi), and `warm()`, what a worker does before its
first request (deploy/gunicorn.conf.py's `post_worker_init`)."""

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


def warm() -> None:
    """Pay before the first request what it would pay itself (about 100 ms, 0.7 of a round
    trip to Zoho: bench/README.md, issue 23): every view imported (the URL patterns), the
    Zoho SDK initialised, and the portal's templates compiled into the cached loader."""
    from pathlib import Path

    from django.conf import settings
    from django.template import TemplateDoesNotExist, TemplateSyntaxError
    from django.template.loader import get_template
    from django.urls import get_resolver

    from zoho.sdk import ensure_initialized

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    ensure_initialized()
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(folder).rglob("*.html")):
            try:
                get_template(path.relative_to(folder).as_posix())
            except (TemplateDoesNotExist, TemplateSyntaxError):
                continue  # a page that uses it meets the error itself, as without warm()
