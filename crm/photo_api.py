"""The record photo in the JSON API: `POST` (multipart, field `file`) uploads or replaces
it, `DELETE` removes it (crm/photo.py; the photo itself is read at `/crm/<module>/<id>/photo/`).
"""

from __future__ import annotations

from django.http import JsonResponse

from crm import photo, records
from crm.access import connection_required


@connection_required(["POST", "DELETE"], api=True)
def record_photo(request, connection, module: str, record_id: str):
    found = records.module_get(connection=connection, module=module)
    ident = records.parse_record_id(record_id)
    if request.method == "DELETE":
        photo.photo_remove(connection=connection, module=found, record_id=ident)
        return JsonResponse({"data": {"status": "success", "code": "SUCCESS", "id": str(ident)}})
    upload = request.FILES.get("file")
    photo.photo_upload(
        connection=connection,
        module=found,
        record_id=ident,
        name=upload.name if upload else "",
        data=upload.read(photo.MAX_PHOTO_BYTES + 1) if upload else b"",
    )
    return JsonResponse({"data": {"status": "success", "code": "SUCCESS", "id": str(ident)}})
