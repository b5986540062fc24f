from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared layer as an app: its system checks, metrics and management commands."""

    name = "core"
    verbose_name = "core"

    def ready(self) -> None:
        from core import checks  # noqa: F401 - registers the deployment checks
        from core.metrics import connect_celery_signals

        connect_celery_signals()  # task outcomes, when Celery is installed
