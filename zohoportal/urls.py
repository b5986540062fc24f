from django.contrib import admin
from django.urls import include, path

from accounts import urls as accounts_urls
from core import admin_login
from crm import org_switch
from crm.views.home import home

urlpatterns = [
    path("", home, name="home"),
    # accounts' pages, and crm's org switch (it lands on CRM pages) in the same namespace.
    path(
        "accounts/",
        include((accounts_urls.urlpatterns + org_switch.urlpatterns, accounts_urls.app_name)),
    ),
    path("crm/", include("jobs.urls")),  # export, import, bulk edits' jobs (before crm's own)
    path("crm/", include("crm.urls")),
    # Before the admin's own URLs: its sign-in form, throttled (core/admin_login.py).
    path("admin/login/", admin_login.login, name="admin-login-throttled"),
    path("admin/", admin.site.urls),
]

# Errors Django answers before (or instead of) a view: JSON under /crm/api/.
handler400 = "core.views.bad_request"
handler500 = "core.views.server_error"
