"""Template context shared by every page: demo mode and the user's Zoho connections."""

from django.conf import settings

from accounts import selectors


def zoho(request) -> dict:
    context = {"zoho_demo_mode": bool(settings.ZOHO_EMULATOR_URL)}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["active_connection"] = selectors.connection_of(request)
        context["user_connections"] = list(selectors.user_connections(user))
    return context
