from django.urls import path

from accounts import views

app_name = "accounts"

# With crm.org_switch's switch and activate, joined in zohoportal/urls.py.

urlpatterns = [
    path("login/", views.login_start, name="login"),
    path("callback/", views.callback, name="callback"),
    path("logout/", views.logout_view, name="logout"),
    path("connections/", views.connection_list, name="connections"),
    path("connections/<int:pk>/disconnect/", views.connection_disconnect, name="disconnect"),
]
