"""Error tracking with Sentry when SENTRY_DSN is set: exceptions, never a secret.

What the admins' error e-mail blanks (`core/error_reports.py`) is blanked here too:
the sign-in callback's `code` and `state` and any token in a query string, in the request
and in breadcrumbs' URLs. Frames are sent without their local variables (a token may sit in
any of them), no personal data is sent (`send_default_pii=False`: no cookies, no user
address), and the scrubber's deny-list also names the portal's own secrets.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from core.error_reports import HIDDEN_QUERY_PARAMETERS

FILTERED = "[Filtered]"
EXTRA_DENYLIST = [
    "code",
    "state",
    "refresh_token",
    "access_token",
    "grant_token",
    "client_secret",
    "token_encryption_keys",
    "secret_key",
]


def scrub_query(query: str) -> str:
    """A query string with every hidden parameter's value replaced."""
    if not query:
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode(
        [
            (name, FILTERED if name.lower() in HIDDEN_QUERY_PARAMETERS else value)
            for name, value in pairs
        ],
        safe="[]",
    )


def scrub_url(url: str) -> str:
    if not isinstance(url, str) or "?" not in url:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=scrub_query(parts.query)))


def before_send(event: dict, hint: dict | None = None) -> dict:
    request = event.get("request")
    if isinstance(request, dict):
        if isinstance(request.get("query_string"), str):
            request["query_string"] = scrub_query(request["query_string"])
        if "url" in request:
            request["url"] = scrub_url(request["url"])
    before_breadcrumb_all(event.get("breadcrumbs"))
    return event


def before_breadcrumb(crumb: dict, hint: dict | None = None) -> dict:
    data = crumb.get("data")
    if isinstance(data, dict):
        if "url" in data:
            data["url"] = scrub_url(data["url"])
        if isinstance(data.get("http.query"), str):
            data["http.query"] = scrub_query(data["http.query"])
    return crumb


def before_breadcrumb_all(breadcrumbs) -> None:
    values = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
    for crumb in values or []:
        if isinstance(crumb, dict):
            before_breadcrumb(crumb)


def init(*, dsn: str, environment: str, release: str = "", traces_sample_rate: float = 0.0):
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        event_scrubber=EventScrubber(denylist=DEFAULT_DENYLIST + EXTRA_DENYLIST, recursive=True),
        before_send=before_send,
        before_breadcrumb=before_breadcrumb,
        traces_sample_rate=traces_sample_rate,
    )
