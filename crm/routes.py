from django.urls import path, re_path

from crm import downloads, json_api, lookups, pages, photo_api

app_name = "crm"

urlpatterns = [
    path("input/", pages.data_input, name="input"),
    path("api/modules/", json_api.modules, name="api-modules"),
    path("api/users/", json_api.users, name="api-users"),
    path("api/<str:module>/fields/", json_api.fields, name="api-fields"),
    path("api/<str:module>/lookup/", lookups.lookup, name="api-lookup"),
    path("api/<str:module>/", json_api.record_collection, name="api-records"),
    path("api/<str:module>/<str:record_id>/", json_api.record_item, name="api-record"),
    path(
        "api/<str:module>/<str:record_id>/related/<str:related>/",
        json_api.related_records,
        name="api-related",
    ),
    path("api/<str:module>/<str:record_id>/photo/", photo_api.record_photo, name="api-photo"),
    re_path(r"^api/(?P<rest>.*)$", json_api.unknown_endpoint),
    path("<str:module>/", pages.record_list, name="list"),
    path("<str:module>/new/", pages.record_create, name="new"),
    path("<str:module>/<str:record_id>/", pages.record_detail, name="record"),
    path("<str:module>/<str:record_id>/edit/", pages.record_edit, name="edit"),
    path("<str:module>/<str:record_id>/photo/", downloads.record_photo, name="photo"),
    path("<str:module>/<str:record_id>/photo/upload/", downloads.photo_upload, name="photo-upload"),
    path("<str:module>/<str:record_id>/photo/remove/", downloads.photo_remove, name="photo-remove"),
    path(
        "<str:module>/<str:record_id>/files/<str:field>/",
        downloads.field_file_add,
        name="field-file-add",
    ),
    path(
        "<str:module>/<str:record_id>/files/<str:field>/<str:file_id>/",
        downloads.field_file,
        name="field-file",
    ),
    path(
        "<str:module>/<str:record_id>/files/<str:field>/<str:file_id>/remove/",
        downloads.field_file_remove,
        name="field-file-remove",
    ),
    path("<str:module>/<str:record_id>/delete/", pages.record_delete, name="delete"),
    path(
        "<str:module>/<str:record_id>/related/<str:related>/",
        pages.record_related,
        name="related",
    ),
]
