"""crm.fields.Field: the one place a value is checked, described and shown."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from core.errors import AppError, status_for
from crm.fields import Field, display
from crm.validation import clean_value


def _field(data_type: str, **kw) -> Field:
    return Field("X_Field", "X Field", data_type, **kw)


@pytest.mark.parametrize(
    ("field", "value", "cleaned"),
    [
        (_field("text", length=5), "  abc ", "abc"),
        (_field("text"), "   ", None),  # empty, as an emptied form field
        (_field("email"), "a@example.org", "a@example.org"),
        (_field("website"), "www.example.org/x", "www.example.org/x"),
        (_field("website"), "https://example.org", "https://example.org"),
        (_field("picklist", picklist=("A", "B")), "B", "B"),
        (_field("multiselectpicklist", picklist=("A", "B")), ["B", "A", "B"], ["B", "A"]),
        (_field("integer", length=3), "-120", -120),
        (_field("integer"), 7, 7),
        (_field("bigint"), "123456789012345678", 123456789012345678),
        (_field("currency", length=16, decimal_place=2), "1234.5", 1234.5),
        (_field("percent", decimal_place=2), 12.25, 12.25),
        (_field("boolean"), "on", True),
        (_field("boolean"), False, False),
        (_field("date"), "2024-02-29", date(2024, 2, 29)),
        (
            _field("datetime"),
            "2024-08-20T14:02:00+02:00",
            datetime.fromisoformat("2024-08-20T14:02:00+02:00"),
        ),
        (_field("lookup", lookup_module="Accounts"), {"id": "0042", "name": "x"}, "42"),
        (_field("ownerlookup"), 4150868000000186017, "4150868000000186017"),
    ],
)
def test_clean_accepts_what_zoho_accepts(field, value, cleaned):
    assert clean_value(field, value) == cleaned


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        (_field("text", length=5), "abcdef", "longer than 5"),
        (_field("text"), 12, "must be text"),
        (_field("text"), "x\ud800", "cannot be encoded"),
        (_field("email"), "not-an-email", "valid email"),
        (_field("website"), "javascript:alert(1)", "http or https"),
        (_field("website"), "no spaces allowed.com x", "valid web address"),
        (_field("picklist", picklist=("A", "B")), "C", "one of: A, B"),
        (_field("multiselectpicklist", picklist=("A",)), ["A", "Z"], "chosen from"),
        (_field("integer", length=3), "1234", "more than 3 digits"),
        (_field("integer"), "1.5", "whole number"),
        (_field("integer"), True, "whole number"),
        (_field("integer", length=12), str(2**31), "out of range"),
        (_field("bigint"), "1" * 19, "more than 18 digits"),
        (_field("currency", decimal_place=2), "1.234", "more than 2 decimal places"),
        (_field("currency", length=3, decimal_place=2), "1234", "3 digits before the point"),
        (_field("double"), "NaN", "finite"),
        (_field("boolean"), "maybe", "true or false"),
        (_field("date"), "2024-13-45", "a date"),
        (_field("datetime"), "2024-08-20T14:02:00", "UTC offset"),
        (_field("lookup", lookup_module="Accounts"), "12ab", "id of a record in Accounts"),
        (_field("lookup"), str(2**63), "id of a record"),
        (_field("text", read_only=True), "x", "cannot be set"),
        (_field("subform"), [{"a": 1}], "cannot be set"),
    ],
)
def test_clean_refuses_with_a_message_naming_the_field(field, value, reason):
    with pytest.raises(AppError) as refused:
        clean_value(field, value)
    assert status_for(refused.value) == 400
    assert refused.value.field == "X_Field"
    assert reason in refused.value.message and refused.value.message.startswith("X Field")


def test_describe_tells_the_browser_the_same_rules():
    described = _field("integer", length=3, required=True).describe()
    assert described["editable"] and described["required"]
    assert described["input"] == {
        "type": "number",
        "min": -999,
        "max": 999,
        "step": 1,
        "inputmode": "numeric",
    }
    assert _field("currency", decimal_place=2).describe()["input"]["step"] == "0.01"
    assert _field("text", length=40).describe()["input"] == {"type": "text", "maxlength": 40}
    assert _field("website").describe()["input"]["type"] == "url"
    assert _field("formula", read_only=True).describe()["input"] is None  # shown, never sent


def test_zohos_none_is_not_a_picklist_choice():
    field = Field.from_metadata(
        {"api_name": "Rating", "data_type": "picklist", "picklist": ["-None-", "Hot", "Cold"]}
    )
    assert field.picklist == ("Hot", "Cold")
    assert field.display("-None-") == ""


@pytest.mark.parametrize(
    ("data_type", "value", "link"),
    [
        ("email", "a@example.org", "mailto:a@example.org"),
        ("phone", "+1 (512) 555-0100", "tel:+15125550100"),
        ("website", "www.example.org", "https://www.example.org"),
        ("website", "http://example.org/a", "http://example.org/a"),
        ("website", "javascript:alert(1)", None),  # stored elsewhere: never a link
        ("website", "data:text/html,x", None),
        ("email", "javascript:alert(1)@x", None),
        ("text", "https://example.org", None),
    ],
)
def test_links_use_safe_schemes_only(data_type, value, link):
    assert _field(data_type).link(value) == link


def test_display_reads_as_people_read():
    assert display({"id": "1", "name": "Acme"}) == "Acme"
    assert display([{"name": "a"}, {"name": "b"}]) == "a, b"
    assert display(True) == "Yes"
    assert display("2024-08-20T14:02:00+02:00", "datetime") == "2024-08-20 14:02 +02:00"
    assert display("2024-08-20T14:02:00+00:00", "datetime") == "2024-08-20 14:02 UTC"
    assert display(1234.5, "currency") == "1,234.50"
    assert display(12.5, "percent") == "12.5%"
    assert display("x\ud800") == "x?"  # a stored lone surrogate never breaks a page
    assert display(datetime(2024, 1, 1, tzinfo=UTC).isoformat(), "datetime").endswith("UTC")
