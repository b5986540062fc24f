"""The Django admin's sign-in form, throttled like "Sign in with Zoho".

Password guessing against `/admin/login/` is limited per client address and per user name
(ADMIN_LOGIN_RATE_LIMIT attempts a minute each, counted in the shared cache, so on every
worker and host together): past either, the form answers 429 without checking the
password. Only attempts (POST) count; showing the form does not.

The user name is counted as Django's sign-in form reads it (stripped, NFKC-normalised:
`ｒtadmin` with a fullwidth r signs in as `rtadmin`, so it must count as `rtadmin`), then
case-folded: Django's user lookup is case-sensitive, so `RTadmin` is another account, but
counting case variants together only makes the limit stricter, never looser.
"""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.debug import sensitive_post_parameters

from core.ratelimit import rate_limited


@sensitive_post_parameters("password")
def login(request, extra_context=None):
    if request.method == "POST":
        limit = settings.ADMIN_LOGIN_RATE_LIMIT
        by_address = rate_limited(request, scope="admin-login", limit=limit)
        user_name = throttle_key(request.POST.get("username", ""))
        by_user = bool(user_name) and rate_limited(
            request, scope="admin-login-user", limit=limit, key=user_name
        )
        if by_address or by_user:
            return render(request, "admin/throttled.html", status=429)
    return admin.site.login(request, extra_context)


def throttle_key(raw: str) -> str:
    """The user name a sign-in attempt counts against: the one Django's admin form would
    check (its username field's own cleaning: strip, NFKC), case-folded."""
    form_class = admin.site.login_form or AdminAuthenticationForm
    field = form_class().fields["username"]  # max_length set from the user model
    try:
        name = field.to_python(raw)
    except ValidationError:
        name = str(raw)
    if field.max_length is not None and len(name) > field.max_length:
        return name  # refused by the form before any password check (and not normalised)
    return unicodedata.normalize("NFKC", name.casefold())
