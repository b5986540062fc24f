"""What stops a sign-in or a registration: each error carries the title, message and HTTP
status its page shows (the views render them as they are)."""

from __future__ import annotations


class SignInError(Exception):
    """A sign-in that must stop here; `title`/`message` are shown to the user as is."""

    status = 400
    title = "Sign-in failed"
    message = "Zoho sign-in could not be completed. Please start again."

    def __init__(self, message: str = "", *, title: str = "", status: int | None = None):
        if message:
            self.message = message
        if title:
            self.title = title
        if status:
            self.status = status
        super().__init__(self.message)


class InvalidState(SignInError):
    title = "This sign-in link has expired"
    message = (
        "The sign-in request was missing, already used, more than ten minutes old or started "
        "in another browser. Nothing was stored. Please sign in again."
    )


class AccessDenied(SignInError):
    status = 403
    title = "Access not granted"
    message = (
        "You chose not to give the portal access to your Zoho CRM data, so nothing was "
        "connected. You can sign in again at any time."
    )


class UnknownDataCenterError(SignInError):
    title = "Unknown Zoho data center"
    message = (
        "Zoho sent you back with a data center or accounts server this portal does not "
        "recognise, so the sign-in was stopped before anything was sent anywhere."
    )


class ZohoRefused(SignInError):
    title = "Zoho refused the sign-in"
