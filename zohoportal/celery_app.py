"""The Celery app `zohoportal`: `celery -A zohoportal worker` and `celery -A zohoportal beat`.

Its settings are Django's `CELERY_*` settings (zohoportal/settings.py: broker, acks_late, the
beat schedule); tasks live in each app's `tasks.py` and call a service that tests call
directly.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zohoportal.settings")

app = Celery("zohoportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def runs_eagerly() -> bool:
    """True when no broker is configured: tasks run inside the caller (tests, plain setups)."""
    return bool(app.conf.task_always_eager)
