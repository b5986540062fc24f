from django.apps import AppConfig
from django.core import checks


class ZohoConfig(AppConfig):
    """The Zoho layer (no models): applies the SDK patches and registers their checks."""

    name = "zoho"
    verbose_name = "Zoho layer"

    def ready(self) -> None:
        from zoho import sdk_patches

        checks.register(sdk_patches.check_sdk)
        sdk_patches.apply_if_compatible()
