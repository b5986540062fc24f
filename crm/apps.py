from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "Zoho CRM"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers `crm.tasks.metadata_warm` in every process, not only in Celery workers
        # (which discover tasks at start-up): without a broker the web process runs it by
        # name after a sign-in (accounts/services/warm_up.py).
        from crm import tasks  # noqa: F401
