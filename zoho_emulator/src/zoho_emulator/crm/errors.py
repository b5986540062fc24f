"""Zoho-shaped CRM error answers (``{"code", "details", "message", "status": "error"}``)."""

from __future__ import annotations

from ..web import Response, json_response


def crm_error(code: str, message: str, status: int, details: dict | None = None) -> Response:
    resp = json_response(
        {"code": code, "details": details or {}, "message": message, "status": "error"}, status
    )
    resp.crm_code = code
    return resp


def invalid_token() -> Response:
    return crm_error("INVALID_TOKEN", "invalid oauth token", 401)


def scope_mismatch() -> Response:
    return crm_error("OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL", 401)


def invalid_url() -> Response:
    return crm_error(
        "INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one", 404
    )


def invalid_method() -> Response:
    return crm_error(
        "INVALID_REQUEST_METHOD", "The http request method type is not a valid one", 400
    )


def invalid_module(details=None) -> Response:
    return crm_error(
        "INVALID_MODULE",
        "the module name given seems to be invalid",
        400,
        details if details is not None else {"resource_path_index": 0},
    )


def param_missing(name: str) -> Response:
    return crm_error(
        "REQUIRED_PARAM_MISSING",
        "One of the expected parameter is missing",
        400,
        {"param_name": name},
    )


def invalid_param(name: str, **extra) -> Response:
    details = {"param_name": name}
    details.update(extra)
    return crm_error("INVALID_DATA", "invalid data", 400, details)


# ------------------------------------------------------------------------------ scopes


def not_supported(details=None) -> Response:
    """A module the org has but whose records the API does not serve (api_supported false)."""
    return crm_error(
        "NOT_SUPPORTED",
        "the given module is not supported in api",
        400,
        details if details is not None else {"resource_path_index": 0},
    )


def no_permission(permissions: list[str]) -> Response:
    """The user's profile may not use the module (or not this way); signing in again does
    not help."""
    return crm_error("NO_PERMISSION", "permission denied", 403, {"permissions": permissions})
