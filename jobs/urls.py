"""Export, import and job URLs (bulk edits' jobs too), under /crm/ beside the CRM's own
(included before them in zohoportal/urls.py, so `/crm/jobs/…` and `/crm/api/<module>/export/`
are never taken for a module or a record)."""

from django.urls import path

from jobs import import_views, views

app_name = "jobs"

urlpatterns = [
    path("api/jobs/<str:job_id>/", views.job_api, name="api-job"),
    path("api/<str:module>/export/", views.export_api, name="api-export"),
    path("jobs/<str:job_id>/", views.job_page, name="job"),
    path("jobs/<str:job_id>/download/", views.job_download, name="download"),
    path("api/<str:module>/import/", import_views.import_api, name="api-import"),
    path("<str:module>/export/", views.export_page, name="export"),
    path("<str:module>/import/", import_views.import_page, name="import"),
    path("<str:module>/import/<str:token>/", import_views.import_map_page, name="import-map"),
]
