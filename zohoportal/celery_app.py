"""The Celery app `zohoportal`: `celery -A zohoportal worker` and `celery -A zohoportal beat`.

Its settings are Django's `CELERY_*` settings (zohoportal/settings/base.py: broker,
acks_late, the beat schedule); tasks live in each app's `tasks.py` and call a service that
tests call directly. A worker or beat refuses to start on a configuration `manage.py check`
refuses (core/checks.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery, signals
from django.core.exceptions import ImproperlyConfigured

from core.checks import require_valid_configuration

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zohoportal.settings.production")

app = Celery("zohoportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def runs_eagerly() -> bool:
    """True when no broker is configured: tasks run inside the caller (tests, plain setups)."""
    return bool(app.conf.task_always_eager)


@app.on_after_configure.connect
def _make_filesystem_broker_folders(sender, **kwargs) -> None:
    """kombu's file transport (`make run`: CELERY_BROKER_URL=filesystem://) needs its
    folders before anything is queued or consumed."""
    if not str(sender.conf.broker_url or "").startswith("filesystem://"):
        return
    options = sender.conf.broker_transport_options
    for name in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(name):
            Path(options[name]).mkdir(parents=True, exist_ok=True)


@signals.worker_init.connect
@signals.beat_init.connect
def _check_configuration(**kwargs) -> None:
    try:
        require_valid_configuration()
    except ImproperlyConfigured as error:  # Celery would log a signal's exception, and go on
        raise SystemExit(str(error)) from None
