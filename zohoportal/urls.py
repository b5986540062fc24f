from django.contrib import admin
from django.urls import include, path

from crm import pages as crm_pages
from zohoportal import admin_login

urlpatterns = [
    path("", crm_pages.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("crm/", include("crm.routes")),
    # Before the admin's own URLs: its sign-in form, throttled (zohoportal/admin_login.py).
    path("admin/login/", admin_login.login, name="admin-login-throttled"),
    path("admin/", admin.site.urls),
]

# Errors Django answers before (or instead of) a view: JSON under /crm/api/.
handler400 = "crm.json_api.bad_request"
handler500 = "crm.json_api.server_error"
