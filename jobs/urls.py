"""A job's page and status, under /crm/ beside the pages that start jobs (included before
crm's own URLs: `jobs/…` is no module)."""

from django.urls import path

from jobs import views

app_name = "jobs"

urlpatterns = [
    path("api/jobs/<str:job_id>/", views.job_api, name="api-job"),
    path("jobs/<str:job_id>/", views.job_page, name="job"),
]
