# The Celery app, so that `celery -A zohoportal` finds it and `@shared_task` binds to it.
from zohoportal.celery_app import app as celery_app

__all__ = ("celery_app",)
