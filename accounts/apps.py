from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Zoho connections"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import signals, token_readiness  # noqa: F401 - connects the receivers
        from core import checks, health
        from zoho import datacenters

        checks.register_configuration_check(datacenters.check_configuration, id="zohoportal.E015")
        health.register(
            "tokens", token_readiness.check, explained=(token_readiness.TokensUnreadable,)
        )
