"""Property 8: hostile input on the OAuth callback, with Hypothesis.

Over `code`, `state`, `location`, `accounts-server` and `error` (each either a meaningful
value, such as the session's real state or the emulator's real code, or arbitrary text):
the answer is a redirect or a 4xx, never a 500; nothing is written and no token request
leaves unless the state and the data center are valid.
"""

from __future__ import annotations

from urllib.parse import quote_from_bytes, urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, event, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import ZohoConnection, ZohoOrg
from tests.helpers import query_of, rows_written

pytestmark = pytest.mark.django_db

FUZZ = hypothesis_settings(
    max_examples=100,
    deadline=None,
    database=None,  # no example database in the work tree; failures print their example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ANY_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),  # anything a URL can carry
    max_size=600,
)
MISSING = "<missing>"
PARAMETERS = ("state", "code", "location", "accounts-server", "error")


def _or_any_text(*near_misses: str) -> st.SearchStrategy[str]:
    """A near miss two times out of three, else arbitrary text."""
    return st.one_of(st.sampled_from(near_misses), st.sampled_from(near_misses), ANY_TEXT)


# For each parameter: what replaces the valid value when the example "breaks" it.
BROKEN = st.fixed_dictionaries(
    {
        "state": _or_any_text(MISSING, "", "<valid> ", "<valid>x"),
        "code": _or_any_text(MISSING, "", "1000.0.0", "<real>x"),
        "location": _or_any_text("us", "in", "xx", MISSING, "", "EU", "eu "),
        "accounts-server": _or_any_text(
            "<other-dc>",
            "<trailing-slash>",
            "<userinfo>",
            "https://accounts.zoho.eu",
            "https://evil.example",
            MISSING,
            "",
        ),
        "error": _or_any_text("access_denied", "invalid_request", "x"),
    }
)
# Which parameters an example breaks: mostly none or one (so that a single broken check
# is what decides), sometimes up to all five.
WHICH = st.one_of(
    st.sets(st.sampled_from(PARAMETERS), max_size=1),
    st.sets(st.sampled_from(PARAMETERS), max_size=1),
    st.sets(st.sampled_from(PARAMETERS), max_size=len(PARAMETERS)),
)
VALID = {
    "state": "<valid>",
    "code": "<real>",
    "location": "eu",
    "accounts-server": "<valid>",
    "error": MISSING,
}


def _ok(status: int) -> bool:
    return status in (301, 302) or 400 <= status < 500


def _clean_up() -> None:
    from django.contrib.auth import get_user_model

    ZohoConnection.objects.all().delete()
    ZohoOrg.objects.all().delete()
    get_user_model().objects.all().delete()


@pytest.fixture
def fuzz_env(zoho, demo_users, settings):
    settings.LOGIN_RATE_LIMIT = (100_000, 60)
    # A code exchange that is merely slow on a loaded machine must not read as a 504 here:
    # this property is about hostile input, not about Zoho's speed.
    settings.ZOHO_HTTP_TIMEOUT = 15.0
    return zoho, demo_users["by_dc"]["eu"][0]["email"]


def _one_broken(name: str, value: str) -> dict:
    """An explicit example: only `name` broken, to `value`."""
    return {"which": {name}, "broken": {**VALID, name: value}}


@pytest.mark.security(8)
@FUZZ
@given(which=WHICH, broken=BROKEN)
@example(**_one_broken("accounts-server", "<trailing-slash>"))
@example(**_one_broken("accounts-server", "<userinfo>"))
@example(**_one_broken("accounts-server", "<other-dc>"))
@example(**_one_broken("location", "us"))
@example(**_one_broken("state", "<valid>x"))
@example(**_one_broken("error", "access_denied"))
def test_p08_fuzzed_callback_is_a_redirect_or_4xx_and_writes_only_when_valid(
    fuzz_env, outbound, which, broken
):
    zoho, email = fuzz_env
    chosen = {name: broken[name] if name in which else VALID[name] for name in PARAMETERS}
    client = Client()
    start = client.get("/accounts/login/")
    authorize = query_of(start["Location"])
    real = {"code": "1000.never-issued"}
    if "<real>" in chosen["code"]:
        real = query_of(zoho.client.authorize(authorize, email=email))
        assert real["location"] == "eu"
    location = chosen["location"]
    values = {
        "state": chosen["state"].replace("<valid>", authorize["state"]),
        "code": chosen["code"].replace("<real>", real["code"]),
        "location": location,
        "accounts-server": {
            "<valid>": zoho.accounts_server("eu"),
            "<other-dc>": zoho.accounts_server("us"),
            "<trailing-slash>": zoho.accounts_server("eu") + "/",
            "<userinfo>": zoho.accounts_server("eu") + "@evil.example",
        }.get(chosen["accounts-server"], chosen["accounts-server"]),
        "error": chosen["error"],
    }
    params = {key: value for key, value in values.items() if value != MISSING}
    before = rows_written()
    outbound.calls.clear()

    response = client.get("/accounts/callback/?" + urlencode(params))

    assert _ok(response.status_code), (response.status_code, params)
    state_valid = chosen["state"] == "<valid>"
    dc_valid = location in ("eu", "us", "in") and params.get("accounts-server") == (
        zoho.accounts_server(location)
    )
    if not (state_valid and dc_valid and not params.get("error")):
        assert rows_written() == before, params
        assert not any("/oauth/v2/token" in url for url in outbound.urls), params
    event(f"HTTP {response.status_code}")
    if response.status_code == 302 and rows_written() != before:
        assert ZohoConnection.objects.get().email == email
        event("signed in")
    _clean_up()


@pytest.mark.security(8)
@FUZZ
@given(raw=st.binary(max_size=400))
def test_p08_fuzzed_raw_query_string_is_never_a_500(fuzz_env, outbound, raw):
    client = Client()
    client.get("/accounts/login/")
    before = rows_written()
    response = client.get("/accounts/callback/?" + quote_from_bytes(raw, safe="=&"))
    assert _ok(response.status_code)
    assert rows_written() == before
    assert len(outbound) == 0
