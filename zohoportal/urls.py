from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("crm/", include("crm.routes")),
    path("admin/", admin.site.urls),
]

# Errors Django answers before (or instead of) a view: JSON under /crm/api/.
handler400 = "zohoportal.views.bad_request"
handler500 = "zohoportal.views.server_error"
