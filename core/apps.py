from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    """The shared layer as an app: its system checks, metrics, error tracking and
    management commands."""

    name = "core"
    verbose_name = "core"

    def ready(self) -> None:
        from core import checks  # noqa: F401 - registers the configuration checks
        from core.metrics import connect_celery_signals

        connect_celery_signals()  # task outcomes, when Celery is installed
        if settings.SENTRY_DSN:
            from core import sentry

            sentry.init(
                dsn=settings.SENTRY_DSN,
                environment=settings.SENTRY_ENVIRONMENT,
                release=settings.SENTRY_RELEASE,
                traces_sample_rate=settings.SENTRY_TRACES_SAMPLE_RATE,
            )
