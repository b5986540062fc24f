"""The portal's one client for Zoho's token endpoint: code exchange, refresh and revoke.

Zoho answers token errors with HTTP 200 and `{"error": ...}`; this module turns each answer
into a value or one of the `ZohoOAuthError` subclasses below. It never logs a token.

The SDK cannot send a PKCE `code_verifier` (its `OAuthToken.generate_access_token` posts a
fixed set of fields), so the portal redeems codes here and hands the tokens to the SDK
through the TokenStore (`zoho_identity.identify`). Each data center's client secret comes from
`datacenters.client_secret_for` (per-DC secrets of the API console's Multi-DC settings).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from core import metrics
from core.errors import AppError, ErrorCode
from zoho import datacenters
from zoho import transport as zoho_http

THROTTLE_ERROR = "Access Denied"
logger = logging.getLogger("zohoportal.accounts")


class ZohoOAuthError(AppError):
    """Base of every token-endpoint failure: an `AppError` whose code says what it means for
    a request (the services may answer with a code of their own, e.g. sign-in's); `message`
    is safe to show a user, `detail` is Zoho's answer, for logs (never a token)."""

    code = ErrorCode.ZOHO_ERROR
    message = "Zoho's sign-in service answered with an error."

    def __init__(self, detail: str = ""):
        self.detail = detail
        super().__init__(type(self).code, type(self).message)
        self.args = (detail or self.message,)


class InvalidGrant(ZohoOAuthError):
    code = ErrorCode.NEEDS_RECONSENT
    message = "Zoho no longer accepts this grant (it was revoked, expired or already used)."


class InvalidToken(InvalidGrant):
    """The revoke endpoint's HTTP 400: Zoho does not know the token (revoked already,
    expired or never valid), so there is nothing left to revoke."""

    message = "Zoho says the token is invalid: it is already dead."


class InvalidClient(ZohoOAuthError):
    code = ErrorCode.ZOHO_REFUSED
    message = "Zoho did not recognise this portal's client credentials for that data center."


class Throttled(ZohoOAuthError):
    code = ErrorCode.THROTTLED
    message = "Zoho is limiting sign-in requests right now. Please try again in a few minutes."


class ZohoUnreachable(ZohoOAuthError):
    message = "Zoho's sign-in service could not be reached or did not answer in time."


class ZohoTimedOut(ZohoUnreachable):
    code = ErrorCode.ZOHO_TIMEOUT
    message = "Zoho's sign-in service did not answer in time."


class UnexpectedAnswer(ZohoOAuthError):
    message = "Zoho's sign-in service gave an answer the portal does not understand."


@dataclass(frozen=True)
class TokenResponse:
    # Tokens stay out of repr(): error pages and error e-mails show frame variables.
    access_token: str = field(repr=False)
    expires_in: int
    api_domain: str
    refresh_token: str | None = field(default=None, repr=False)
    scope: str = ""


def error_for(code: str | None) -> ZohoOAuthError:
    """The exception for one of Zoho's token-endpoint `error` strings."""
    if code == "invalid_code":
        return InvalidGrant(code)
    if code in ("invalid_client", "invalid_client_secret", "invalid_redirect_uri"):
        return InvalidClient(code)
    if code == THROTTLE_ERROR:
        return Throttled(code)
    return UnexpectedAnswer(str(code)[:100])


@sensitive_variables("data")
def _send(url: str, data: dict[str, str]) -> requests.Response:
    try:
        response = zoho_http.request("POST", url, data=data, allow_redirects=False)
    except requests.Timeout as error:
        raise ZohoTimedOut(type(error).__name__) from None
    except requests.RequestException as error:
        raise ZohoUnreachable(type(error).__name__) from None
    if response.status_code >= 500:
        raise ZohoUnreachable(f"HTTP {response.status_code}")
    return response


@sensitive_variables("data")
def _post(url: str, data: dict[str, str]) -> dict:
    return _json_of(_send(url, data))


def _json_of(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        raise UnexpectedAnswer(f"HTTP {response.status_code}, not JSON") from None
    if not isinstance(body, dict):
        raise UnexpectedAnswer("not a JSON object")
    return body


def pkce_pair() -> tuple[str, str]:
    """A PKCE (RFC 7636) code verifier and its S256 challenge.

    The verifier is 86 characters of `secrets` (512 bits), within RFC 7636's 43 to 128
    unreserved characters; the challenge is BASE64URL(SHA256(verifier)) without padding.
    """
    verifier = secrets.token_urlsafe(64)
    return verifier, pkce_challenge(verifier)


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _token_request(data_center: str, fields: dict[str, str]) -> dict:
    """POST to the data center's token endpoint with this portal's client credentials."""
    return _post(
        datacenters.get(data_center).token_url,
        {
            **fields,
            "client_id": settings.ZOHO_CLIENT_ID,
            "client_secret": datacenters.client_secret_for(data_center),
        },
    )


def _token_response(body: dict) -> TokenResponse:
    if "error" in body or "access_token" not in body:
        raise error_for(body.get("error"))
    try:
        expires_in = int(body.get("expires_in", 3600))
    except (TypeError, ValueError):
        raise UnexpectedAnswer("expires_in is not a number") from None
    refresh_token = body.get("refresh_token")
    return TokenResponse(
        access_token=str(body["access_token"]),
        expires_in=expires_in,
        api_domain=str(body.get("api_domain", "")),
        refresh_token=str(refresh_token) if refresh_token else None,
        scope=str(body.get("scope", "")),
    )


@sensitive_variables("code", "code_verifier", "body")
def token_exchange(
    *,
    data_center: str,
    code: str,
    redirect_uri: str | None = None,
    code_verifier: str | None = None,
) -> TokenResponse:
    """Redeem an authorization code (with its PKCE verifier) at its own data center.

    A self-client code (the API console's, or `zoho_add_token`'s) has no redirect URI and
    no verifier.
    """
    fields = {"grant_type": "authorization_code", "code": code}
    if redirect_uri:
        fields["redirect_uri"] = redirect_uri
    if code_verifier:
        fields["code_verifier"] = code_verifier
    with metrics.zoho_call(data_center, "token_exchange"):
        return _token_response(_token_request(data_center, fields))


@sensitive_variables("refresh_token", "body")
def token_refresh(*, data_center: str, refresh_token: str) -> TokenResponse:
    """A new access token for `refresh_token` from its own data center's token endpoint.

    The answer carries no refresh token: Zoho's refresh tokens never change.
    """
    with metrics.zoho_call(data_center, "token_refresh"):
        answer = _token_response(
            _token_request(
                data_center, {"grant_type": "refresh_token", "refresh_token": refresh_token}
            )
        )
    return TokenResponse(
        access_token=answer.access_token,
        expires_in=answer.expires_in,
        api_domain=answer.api_domain,
        scope=answer.scope,
    )


# Errors that say something about this portal or the moment, not about the token: a 400
# carrying one of them is retried rather than taken for "invalid token".
NOT_ABOUT_THE_TOKEN = frozenset(
    {THROTTLE_ERROR, "invalid_client", "invalid_client_secret", "invalid_redirect_uri"}
)
# A refresh token nobody can hold: a token endpoint that accepts the portal's client answers
# it `invalid_code`; one that does not, `invalid_client`.
_CLIENT_CHECK_TOKEN = "1000.zohoportal-client-check"  # noqa: S105 - not a secret


def client_accepted(*, data_center: str) -> bool | None:
    """Whether `data_center`'s token endpoint accepts this portal's client id and secret;
    None when its answer does not tell (unreachable, throttled, anything unexpected).

    Zoho answers `invalid_client` both to a wrong client and to a code or token from
    another data center; this tells the two apart with one refresh call that cannot
    succeed."""
    try:
        token_refresh(data_center=data_center, refresh_token=_CLIENT_CHECK_TOKEN)
    except InvalidGrant:
        return True
    except InvalidClient:
        return False
    except ZohoOAuthError:
        return None
    return None


@sensitive_variables("refresh_token")
def token_revoke(*, data_center: str, refresh_token: str) -> None:
    """Revoke `refresh_token` (and every access token minted from it) at its data center.

    Zoho Accounts' "Revoking a Refresh token" page: "If the refresh token is invalid, the
    revoke token request will not be executed and you will receive an HTTP status code
    400" (no body documented): that answer raises `InvalidToken`, the token is dead."""
    url = datacenters.get(data_center).revoke_url
    with metrics.zoho_call(data_center, "token_revoke"):
        response = _send(url, {"token": refresh_token})
    if response.status_code == 400:
        try:
            code = response.json().get("error")
        except (ValueError, AttributeError):
            code = None
        if code in NOT_ABOUT_THE_TOKEN:
            raise error_for(code)
        raise InvalidToken(f"HTTP 400 {str(code or '')[:80]}".strip())
    body = _json_of(response)
    if body.get("status") != "success":
        raise error_for(body.get("error"))
