from django.contrib import admin
from django.urls import include, path

from crm import pages as crm_pages

urlpatterns = [
    path("", crm_pages.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("crm/", include("crm.routes")),
    path("admin/", admin.site.urls),
]
