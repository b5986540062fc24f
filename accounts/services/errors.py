"""What stops a sign-in, a registration or a disconnect: `core.errors.AppError`s whose code
gives the status (`status_for`) and whose title and message the page shows as they are."""

from __future__ import annotations

from core.errors import AppError, ErrorCode


class SignInError(AppError):
    """A sign-in that must stop here; `title`/`message` are shown to the user as is."""

    code = ErrorCode.BAD_REQUEST
    title = "Sign-in failed"
    message = "Zoho sign-in could not be completed. Please start again."

    def __init__(self, message: str = "", *, code: ErrorCode | None = None, title: str = ""):
        cls = type(self)
        super().__init__(code or cls.code, message or cls.message, title=title or cls.title)


class InvalidState(SignInError):
    code = ErrorCode.SIGN_IN_EXPIRED
    title = "This sign-in link has expired"
    message = (
        "The sign-in request was missing, already used, more than ten minutes old or started "
        "in another browser. Nothing was stored. Please sign in again."
    )


class AccessDenied(SignInError):
    code = ErrorCode.ACCESS_DENIED
    title = "Access not granted"
    message = (
        "You chose not to give the portal access to your Zoho CRM data, so nothing was "
        "connected. You can sign in again at any time."
    )


class UnknownDataCenterError(SignInError):
    code = ErrorCode.UNKNOWN_DATA_CENTER
    title = "Unknown Zoho data center"
    message = (
        "Zoho sent you back with a data center or accounts server this portal does not "
        "recognise, so the sign-in was stopped before anything was sent anywhere."
    )


class ZohoRefused(SignInError):
    code = ErrorCode.ZOHO_REFUSED
    title = "Zoho refused the sign-in"


class ConsentNeeded(ZohoRefused):
    """Zoho gave no refresh token and the portal holds no usable one for this Zoho user and
    org: the sign-in must ask Zoho for consent and offline access (the callback starts that
    sign-in once; a second refusal shows this message)."""

    message = (
        "Zoho returned no refresh token, so the portal could not keep you connected. "
        "Please sign in again and approve offline access."
    )


class DisconnectError(AppError):
    """A connection the portal keeps rather than disconnect (its token cannot be revoked)."""

    def __init__(self, message: str, *, code: ErrorCode = ErrorCode.TOKEN_UNREADABLE):
        super().__init__(code, message)
