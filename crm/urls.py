from django.urls import path, re_path

from crm.views import (
    actions,
    api,
    attachments,
    bulk,
    custom_views,
    dashboard_parts,
    files,
    forms,
    lists,
    lookups,
    notes,
    record_cards,
    records,
    related,
    view_picker,
)

app_name = "crm"

urlpatterns = [
    # The home dashboard's parts (before the module patterns: no module is named so).
    path("dashboard/pipeline/", dashboard_parts.dashboard_pipeline, name="dashboard-pipeline"),
    path("dashboard/tiles/<str:module>/", dashboard_parts.dashboard_tile, name="dashboard-tile"),
    path("input/", records.data_input_page, name="input"),
    path("api/modules/", api.modules_api, name="api-modules"),
    path("api/users/", api.users_api, name="api-users"),
    path("api/<str:module>/fields/", api.fields_api, name="api-fields"),
    path("api/<str:module>/lookup/", lookups.lookup, name="api-lookup"),
    path("api/<str:module>/views/", custom_views.views_api, name="api-views"),
    path("api/<str:module>/", api.records_api, name="api-records"),
    path("api/<str:module>/<str:record_id>/", api.record_api, name="api-record"),
    path(
        "api/<str:module>/<str:record_id>/related/<str:related>/",
        api.related_records_api,
        name="api-related",
    ),
    path("api/<str:module>/<str:record_id>/photo/", api.record_photo_api, name="api-photo"),
    path(
        "api/<str:module>/<str:record_id>/convert/",
        actions.lead_convert_api,
        name="api-lead-convert",
    ),
    path("api/<str:module>/<str:record_id>/notes/", notes.notes_api, name="api-notes"),
    path(
        "api/<str:module>/<str:record_id>/notes/<str:note_id>/",
        notes.note_api,
        name="api-note",
    ),
    path(
        "api/<str:module>/<str:record_id>/attachments/",
        attachments.attachments_api,
        name="api-attachments",
    ),
    path(
        "api/<str:module>/<str:record_id>/attachments/<str:attachment_id>/",
        attachments.attachment_api,
        name="api-attachment",
    ),
    re_path(r"^api/(?P<rest>.*)$", api.unknown_endpoint),
    path("<str:module>/", lists.record_list_page, name="list"),
    path("<str:module>/new/", forms.record_create_page, name="new"),
    path("<str:module>/bulk/", bulk.bulk_page, name="bulk"),
    path("<str:module>/view-picker/", view_picker.view_picker, name="view-picker"),
    path("<str:module>/<str:record_id>/", records.record_detail_page, name="record"),
    path("<str:module>/<str:record_id>/edit/", forms.record_edit_page, name="edit"),
    path("<str:module>/<str:record_id>/photo/", files.record_photo, name="photo"),
    path("<str:module>/<str:record_id>/photo/upload/", files.photo_upload, name="photo-upload"),
    path("<str:module>/<str:record_id>/photo/remove/", files.photo_remove, name="photo-remove"),
    path(
        "<str:module>/<str:record_id>/files/<str:field>/",
        files.field_file_add,
        name="field-file-add",
    ),
    path(
        "<str:module>/<str:record_id>/files/<str:field>/<str:file_id>/",
        files.field_file,
        name="field-file",
    ),
    path(
        "<str:module>/<str:record_id>/files/<str:field>/<str:file_id>/remove/",
        files.field_file_remove,
        name="field-file-remove",
    ),
    path("<str:module>/<str:record_id>/delete/", records.record_delete_page, name="delete"),
    path("<str:module>/<str:record_id>/convert/", actions.lead_convert_page, name="lead-convert"),
    path("<str:module>/<str:record_id>/notes/", notes.note_add, name="note-add"),
    path(
        "<str:module>/<str:record_id>/attachments/",
        attachments.attachment_add,
        name="attachment-add",
    ),
    path(
        "<str:module>/<str:record_id>/attachments/<str:attachment_id>/",
        attachments.attachment_download,
        name="attachment",
    ),
    path(
        "<str:module>/<str:record_id>/attachments/<str:attachment_id>/delete/",
        attachments.attachment_delete,
        name="attachment-delete",
    ),
    path(
        "<str:module>/<str:record_id>/notes/<str:note_id>/edit/",
        notes.note_edit,
        name="note-edit",
    ),
    path(
        "<str:module>/<str:record_id>/notes/<str:note_id>/delete/",
        notes.note_delete,
        name="note-delete",
    ),
    path(
        "<str:module>/<str:record_id>/related/<str:related>/",
        lists.record_related_page,
        name="related",
    ),
    path(
        "<str:module>/<str:record_id>/related/<str:related>/rows/",
        related.related_rows,
        name="related-rows",
    ),
]

# The record page's Notes and Attachments cards, read when seen (crm/views/record_cards.py).
urlpatterns += [
    path(
        "<str:module>/<str:record_id>/rows/notes/",
        record_cards.notes_rows,
        name="notes-rows",
    ),
    path(
        "<str:module>/<str:record_id>/rows/attachments/",
        record_cards.attachments_rows,
        name="attachments-rows",
    ),
]
