from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_start, name="login"),
    path("callback/", views.callback, name="callback"),
    path("logout/", views.logout_view, name="logout"),
    path("connections/", views.connection_list, name="connections"),
    path("connections/switch/", views.connection_switch, name="switch"),
    path("connections/<int:pk>/activate/", views.connection_activate, name="activate"),
    path("connections/<int:pk>/disconnect/", views.connection_disconnect, name="disconnect"),
]
