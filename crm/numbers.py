"""Numbers people read: dates and times in the Zoho user's own time zone and date/time
formats, numbers with their separators, amounts with the currency symbol where the org's
locale puts it.

Zoho keeps these per user (Get Users: `time_zone`, `locale`, `date_format`, `time_format`,
`decimal_separator`, `number_separator`) and per org (Get Org: `currency_symbol`,
`iso_code`, `currency_locale`). `Formats.from_zoho()` reads them; `using(formats)` makes
them the ones `active()` answers while a page is drawn (like Django's
`timezone.activate()`), so every place that shows a value (`crm.fields.display`) writes it
the same way on the dashboard, the lists and the record page. Outside `using()` (the JSON
API, commands) the defaults keep Zoho's ISO dates and plain `1,234.50` numbers.

Zoho's date and time patterns are Unicode LDML patterns (`MM/dd/yyyy`, `hh:mm a`), the ones
Babel formats; no Zoho call is made here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import get_currency_symbol

logger = logging.getLogger("zohoportal.crm")

# Zoho's names for the separators (Get Users `decimal_separator`, `number_separator`).
SEPARATORS = {"Comma": ",", "Period": ".", "Space": "\u00a0", "Apostrophe": "'"}


@dataclass(frozen=True)
class Formats:
    """How one Zoho user reads dates, times, numbers and amounts."""

    zone: tzinfo = UTC
    locale: str = "en_US"
    date_pattern: str = ""  # LDML, e.g. "MM/dd/yyyy"; "" keeps ISO (2026-12-06)
    time_pattern: str = ""  # e.g. "hh:mm a"; "" keeps 24 h with the offset
    decimal: str = "."
    group: str = ","
    currency_symbol: str = ""  # the org's
    currency_code: str = ""  # the org's ISO code (a record in another currency differs)
    symbol_after: bool = False  # 1.234,56 € (the org's currency locale puts it after)

    @classmethod
    def from_zoho(cls, user: dict | None, org: dict | None) -> Formats:
        """From the user's locale settings (Get Users) and the org's currency (Get Org);
        anything missing or not understood keeps the default."""
        user, org = user or {}, org or {}
        locale = _locale(user.get("locale")) or "en_US"
        org_locale = _locale(org.get("locale")) or locale
        decimal = SEPARATORS.get(user.get("decimal_separator") or "")
        group = SEPARATORS.get(user.get("number_separator") or "")
        if decimal is None or group is None or decimal == group:
            symbols = Locale.parse(org_locale).number_symbols.get("latn", {})
            decimal, group = symbols.get("decimal", "."), symbols.get("group", ",")
        pattern = Locale.parse(org_locale).currency_formats["standard"].pattern
        return cls(
            zone=_zone(user.get("time_zone")),
            locale=locale,
            date_pattern=user.get("date_format") or "",
            time_pattern=user.get("time_format") or "",
            decimal=decimal,
            group=group,
            currency_symbol=org.get("symbol") or "",
            currency_code=org.get("iso_code") or "",
            symbol_after=pattern.split(";")[0].rstrip().endswith("¤"),
        )

    # --- numbers -------------------------------------------------------------------------
    def number(self, value: int | float, places: int | None = None) -> str:
        """1234.5 as 1,234.5 (or 1.234,5): the user's separators; `places` fixed when given."""
        text = f"{value:,.{places}f}" if places is not None else f"{value:,}"
        return text.replace(",", "\0").replace(".", self.decimal).replace("\0", self.group)

    def money(self, value: int | float, places: int, code: str | None = None) -> str:
        """An amount with its currency's symbol: the org's, or the record's own `Currency`
        when it is another one (multi-currency orgs)."""
        text = self.number(abs(value), places)
        symbol = self.currency_symbol
        if code and code != self.currency_code:
            symbol = _symbol_of(code, self.locale)
        sign = "-" if value < 0 else ""
        if not symbol:
            return f"{sign}{text}"
        return f"{sign}{text}\u00a0{symbol}" if self.symbol_after else f"{sign}{symbol}{text}"

    # --- dates and times -----------------------------------------------------------------
    def date_time(self, moment: datetime) -> str:
        """A Zoho date-time in the user's time zone, in their date and time formats."""
        if not self.date_pattern and not self.time_pattern:
            return _iso_minute(moment)
        local = moment.astimezone(self.zone) if moment.tzinfo else moment
        pattern = f"{self.date_pattern or 'yyyy-MM-dd'} {self.time_pattern or 'HH:mm'}"
        try:
            return format_datetime(local, pattern, tzinfo=local.tzinfo, locale=self.locale)
        except (ValueError, KeyError, UnknownLocaleError):  # a pattern Babel cannot read
            return _iso_minute(local)

    def date(self, day: date) -> str:
        if not self.date_pattern:
            return day.isoformat()
        try:
            return format_date(day, self.date_pattern, locale=self.locale)
        except (ValueError, KeyError, UnknownLocaleError):
            return day.isoformat()


DEFAULT = Formats()


class Lazy:
    """Formats read on first use (a page that shows no date or number asks nobody)."""

    def __init__(self, load: Callable[[], Formats]):
        self._load = load
        self._value: Formats | None = None
        self._lock = threading.Lock()  # the dashboard draws tiles on several threads

    def get(self) -> Formats:
        with self._lock:
            if self._value is None:
                self._value = self._load()
            return self._value


_active: ContextVar[Formats | Lazy] = ContextVar("crm_formats", default=DEFAULT)


def active() -> Formats:
    """The formats of the page being drawn (the defaults outside `using()`)."""
    found = _active.get()
    return found.get() if isinstance(found, Lazy) else found


@contextmanager
def using(formats: Formats | Lazy) -> Iterator[None]:
    """Draw values with `formats` inside the block (a page's view and its template)."""
    token = _active.set(formats)
    try:
        yield
    finally:
        _active.reset(token)


def _iso_minute(moment: datetime) -> str:
    """2024-08-20 14:02 +02:00 (UTC when the offset is zero): Zoho's own time, unconverted."""
    offset = moment.utcoffset()
    zone = "" if offset is None else " UTC" if not offset else f" {moment:%z}"
    if zone.startswith((" +", " -")):
        zone = f"{zone[:4]}:{zone[4:]}"  # +0200 -> +02:00, as Zoho writes it
    return f"{moment:%Y-%m-%d %H:%M}{zone}"


def _zone(name) -> tzinfo:
    if not isinstance(name, str) or not name or len(name) > 64:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        logger.info("unknown time zone from Zoho: %r; showing UTC", name)
        return UTC


def _locale(name) -> str | None:
    if not isinstance(name, str) or not name or len(name) > 32:
        return None
    try:
        Locale.parse(name)
    except (ValueError, UnknownLocaleError):
        return None
    return name


def _symbol_of(code: str, locale: str) -> str:
    try:
        return get_currency_symbol(code, locale=locale)
    except (ValueError, UnknownLocaleError):
        return code
