from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project package as an app: its system checks and operational views."""

    name = "zohoportal"
    verbose_name = "zohoportal"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the deployment checks
        from .metrics import connect_celery_signals

        connect_celery_signals()  # task outcomes, when Celery is installed
