"""Where the JSON API lives, the largest body it reads, and how its errors are answered:
one definition for the API's own views (crm/views/) and for the answers Django gives before
any view runs (core/views.py, core/middleware.py)."""

from __future__ import annotations

from django.http import JsonResponse

from core.errors import AppError, status_for

API_PREFIX = "/crm/api/"
MAX_BODY = 1_000_000  # bytes of a JSON request body


def error_json(error: AppError, **kwargs) -> JsonResponse:
    """`{"error": {...}}` with the status `core.errors.HTTP_STATUS` gives the error's code."""
    return JsonResponse(error.as_json(), status=status_for(error), **kwargs)
