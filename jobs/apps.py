from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "Background jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the task `jobs.services.job_enqueue` asks for by name, and the job kinds
        # kept in modules of their own.
        from crm import bulk
        from jobs import (
            bulk_edits,
            exports,  # noqa: F401 - registers the export kind
            imports,  # noqa: F401 - registers the import kind
            tasks,  # noqa: F401
        )

        bulk.register_background(bulk_edits.bulk_edit_start)
