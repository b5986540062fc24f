"""Template context shared by every page: demo mode and the user's Zoho connections."""

from django.conf import settings

from .services import active_connection_for


def zoho(request) -> dict:
    context = {"zoho_demo_mode": bool(settings.ZOHO_EMULATOR_URL)}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        active = active_connection_for(request)
        context["active_connection"] = active
        context["user_connections"] = list(
            user.zoho_connections.select_related("org").order_by("org__name", "data_center")
        )
    return context
