"""Numbers people read: dates and times in the Zoho user's own time zone and formats,
numbers with their separators, amounts with the currency's symbol (crm/numbers.py), read
from Zoho's Get Users and Get Org through the SDK (crm/user_formats.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from crm import metadata, numbers, presenters, user_formats
from crm.fields import Field, display
from crm.record_values import money
from zoho_emulator import seed

pytestmark = pytest.mark.django_db

PATRICIA = "patricia.boyle@zylker-traders.com"  # America/New_York, en_US, USD
SOFIA = "sofia.lindqvist@nordwind-logistik.de"  # Europe/Berlin, de_DE, EUR
DANA = "dana.ortiz@zylker-traders.com"  # a Los Angeles user in a New York org
NORDWIND = "20071245781"
NOON_UTC = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)

GERMAN = numbers.Formats.from_zoho(
    {
        "time_zone": "Europe/Berlin",
        "locale": "de_DE",
        "date_format": "dd.MM.yyyy",
        "time_format": "HH:mm",
        "decimal_separator": "Comma",
        "number_separator": "Period",
    },
    {"symbol": "€", "iso_code": "EUR", "locale": "de_DE"},
)


# --- what Zoho says about its users (emulator, per users.json) -----------------------------
def test_each_demo_user_has_locale_settings_of_their_own(connect):
    """Get Users answers each user's own time zone, locale, formats and separators (one user
    of the US org reads times in Los Angeles while the org keeps New York's)."""
    connection = connect(PATRICIA)
    users = {u["email"]: u for u in metadata.user_list(connection=connection)}
    patricia, dana = users[PATRICIA]["locale_settings"], users[DANA]["locale_settings"]
    assert patricia == {
        "time_zone": "America/New_York",
        "locale": "en_US",
        "date_format": "MM/dd/yyyy",
        "time_format": "hh:mm a",
        "decimal_separator": "Period",
        "number_separator": "Comma",
    }
    assert dana["time_zone"] == "America/Los_Angeles"
    zones = {u.time_zone for u in seed.USERS if u.time_zone} | {o.tz_name for o in seed.ORGS}
    assert len(zones) >= 6 and {"de_DE", "en_US", "en_GB"} <= {u.locale for u in seed.USERS}


def test_a_users_formats_come_from_zoho(connect):
    sofia = user_formats.formats_for(connection=connect(SOFIA, org=NORDWIND))
    assert sofia.zone == ZoneInfo("Europe/Berlin")
    assert (sofia.date_pattern, sofia.time_pattern) == ("dd.MM.yyyy", "HH:mm")
    assert (sofia.decimal, sofia.group) == (",", ".")
    assert (sofia.currency_symbol, sofia.currency_code, sofia.symbol_after) == ("€", "EUR", True)
    patricia = user_formats.formats_for(connection=connect(PATRICIA))
    assert patricia.zone == ZoneInfo("America/New_York") and patricia.currency_symbol == "$"
    assert not patricia.symbol_after


def test_formats_are_read_once_and_cached(connect, zoho):
    connection = connect(PATRICIA)

    def users_calls():
        return sum(
            n for path, n in zoho.client.stats()["api_calls_by_path"].items() if "users" in path
        )

    user_formats.formats_for(connection=connection)
    before = users_calls()
    metadata.forget_local()
    user_formats.formats_for(connection=connection)
    assert users_calls() == before


# --- time zones and formats ----------------------------------------------------------------
def test_a_datetime_is_shown_in_the_users_time_zone_and_format():
    new_york = numbers.Formats.from_zoho(
        {"time_zone": "America/New_York", "date_format": "MM/dd/yyyy", "time_format": "hh:mm a"},
        None,
    )
    with numbers.using(new_york):
        assert display("2026-12-06T12:00:00+00:00", "datetime") == "12/06/2026 07:00 AM"
        assert display("2026-12-06T14:00:00+02:00", "datetime") == "12/06/2026 07:00 AM"
        assert display("2026-12-06", "date") == "12/06/2026"
    with numbers.using(GERMAN):
        assert display("2026-12-06T12:00:00+00:00", "datetime") == "06.12.2026 13:00"
    chicago = numbers.Formats.from_zoho(
        {"time_zone": "America/Chicago", "date_format": "MMM d, yyyy", "time_format": "HH:mm"},
        None,
    )
    assert chicago.date_time(NOON_UTC) == "Dec 6, 2026 06:00"


def test_outside_a_page_dates_keep_zohos_iso_form():
    assert display("2024-08-20T14:02:00+02:00", "datetime") == "2024-08-20 14:02 +02:00"
    assert display("2026-12-06", "date") == "2026-12-06"


def test_settings_zoho_may_send_that_cannot_be_read_fall_back_to_defaults():
    odd = numbers.Formats.from_zoho(
        {"time_zone": "Mars/Olympus", "locale": "xx_YY", "decimal_separator": "Comma"}, {}
    )
    assert odd.zone == UTC and odd.locale == "en_US"
    assert (odd.decimal, odd.group) == (".", ",")  # one separator alone is not a format
    assert odd.date_time(NOON_UTC) == "2026-12-06 12:00 UTC"


# --- numbers and money -----------------------------------------------------------------------
def test_numbers_use_the_users_separators():
    assert GERMAN.number(1234567.5) == "1.234.567,5"
    assert GERMAN.number(2600) == "2.600"
    spaced = numbers.Formats.from_zoho(
        {"decimal_separator": "Comma", "number_separator": "Space"}, None
    )
    assert spaced.number(1234.5, 2) == "1\u00a0234,50"
    with numbers.using(GERMAN):
        assert presenters.range_text(1001, 20, 2600) == "1.001–1.020 of 2.600"


def test_money_has_the_currency_symbol_where_the_orgs_locale_puts_it():
    amount = Field(api_name="Amount", label="Amount", data_type="currency")
    with numbers.using(GERMAN):
        assert money(amount, 1234.5, "€") == "1.234,50\u00a0€"
        assert money(amount, -3, "€") == "-3,00\u00a0€"
        assert money(amount, 10, "€", "USD") == "10,00\u00a0$"  # a record in dollars
    assert money(amount, 1234.5, "$") == "$1,234.50"  # outside a page: the org's symbol


def test_money_keeps_the_fields_own_precision():
    deposit = Field(api_name="Deposit", label="Deposit", data_type="currency", precision=0)
    three = Field(api_name="Rate", label="Rate", data_type="currency", decimal_place=3)
    with numbers.using(GERMAN):
        assert money(deposit, 1500.4, "€") == "1.500\u00a0€"
        assert money(three, 2.5, "€") == "2,500\u00a0€"


# --- pages -------------------------------------------------------------------------------
def test_list_and_record_pages_show_the_users_times_and_money(client, connect):
    connect(PATRICIA)
    deal = client.get("/crm/api/Deals/", {"per_page": 1}).json()["data"][0]
    deal = client.get(f"/crm/api/Deals/{deal['id']}/").json()["data"]
    moment = datetime.fromisoformat(deal["Modified_Time"]).astimezone(ZoneInfo("America/New_York"))
    detail = client.get(f"/crm/Deals/{deal['id']}/").text
    assert moment.strftime("%m/%d/%Y %I:%M %p") in detail
    assert f"${deal['Amount']:,.2f}" in detail
    listing = client.get("/crm/Deals/", {"per_page": 200}).text
    assert f"${deal['Amount']:,.2f}" in listing
    assert deal["Modified_Time"] in client.get(f"/crm/api/Deals/{deal['id']}/").text  # API: ISO


def test_a_page_stays_up_when_zoho_cannot_say_the_orgs_currency(client, connect, zoho):
    """Get Org failing (here: every call) does not fail the page: an amount takes the symbol
    of its record's own Currency (USD)."""
    connect(PATRICIA)
    deal = client.get("/crm/api/Deals/", {"per_page": 1}).json()["data"][0]
    deal = client.get(f"/crm/api/Deals/{deal['id']}/").json()["data"]
    metadata.forget_local()
    from django.core.cache import cache

    cache.clear()
    zoho.client.add_fault("/api/us/crm/v8/org", match="prefix", count=None, status=500)
    try:
        page = client.get(f"/crm/Deals/{deal['id']}/")
    finally:
        zoho.client.clear_faults()
    assert page.status_code == 200
    stored = zoho.app.state.orgs["720019234"].records["Deals"][deal["id"]]
    assert stored["Currency"] == "USD" and f"${deal['Amount']:,.2f}" in page.text
    moment = datetime.fromisoformat(deal["Modified_Time"]).astimezone(ZoneInfo("America/New_York"))
    assert moment.strftime("%m/%d/%Y %I:%M %p") in page.text  # her own settings all the same


def test_counts_on_lists_and_dashboard_use_the_users_separators(client, connect, monkeypatch):
    """The UK org's 2,600 leads, for a reader whose Zoho settings write 2.600: the list's
    count and range and the dashboard's tile say it the same way."""
    harriet = next(u for u in seed.USERS if u.email.startswith("harriet."))
    monkeypatch.setattr(harriet, "decimal_separator", "Comma")
    monkeypatch.setattr(harriet, "number_separator", "Period")
    connect(harriet.email)
    page = client.get("/crm/Leads/", {"per_page": 20}).text
    assert "1–20 of 2.600" in page and ">2.600<" in page
    assert 'aria-label="2.600 leads">2.600<' in client.get("/?full=1").text
