from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "Zoho CRM"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # `crm.tasks` registers `crm.tasks.metadata_warm` in every process, not only in Celery
        # workers (which discover tasks at start-up): without a broker the web process runs
        # it by name after a sign-in (accounts/services/warm_up.py).
        from accounts import sign_in_prefetch
        from crm import metadata, tasks  # noqa: F401
        from crm.zoho import metadata as zoho_metadata

        # The dashboard's first need, the org's modules, asked with a sign-in's own calls
        # (accounts/sign_in_prefetch.py: accounts never imports crm).
        sign_in_prefetch.register(
            sign_in_prefetch.Prefetch(
                name="modules",
                fetch=zoho_metadata.modules_here,
                held=metadata.modules_held,
                keep=metadata.modules_keep,
            )
        )
