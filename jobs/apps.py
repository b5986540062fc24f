from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Background jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the task `jobs.services.job_enqueue` asks for by name.
        from jobs import (
            tasks,  # noqa: F401
            transfer,  # noqa: F401 - registers the export and import kinds
        )
