"""The Django admin's sign-in form, throttled like "Sign in with Zoho".

Password guessing against `/admin/login/` is limited per client address and per user name
(ADMIN_LOGIN_RATE_LIMIT attempts a minute each, counted in the shared cache, so on every
worker and host together): past either, the form answers 429 without checking the
password. Only attempts (POST) count; showing the form does not.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.shortcuts import render
from django.views.decorators.debug import sensitive_post_parameters

from accounts.ratelimit import rate_limited


@sensitive_post_parameters("password")
def login(request, extra_context=None):
    if request.method == "POST":
        limit = settings.ADMIN_LOGIN_RATE_LIMIT
        by_address = rate_limited(request, scope="admin-login", limit=limit)
        user_name = request.POST.get("username", "").strip().lower()
        by_user = bool(user_name) and rate_limited(
            request, scope="admin-login-user", limit=limit, key=user_name
        )
        if by_address or by_user:
            return render(request, "admin/throttled.html", status=429)
    return admin.site.login(request, extra_context)
