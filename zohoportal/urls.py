from django.contrib import admin
from django.urls import include, path

from core import admin_login
from crm.views.home import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("crm/", include("crm.urls")),
    # Before the admin's own URLs: its sign-in form, throttled (core/admin_login.py).
    path("admin/login/", admin_login.login, name="admin-login-throttled"),
    path("admin/", admin.site.urls),
]

# Errors Django answers before (or instead of) a view: JSON under /crm/api/.
handler400 = "core.views.bad_request"
handler500 = "core.views.server_error"
