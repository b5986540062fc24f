"""crm.record_forms: Django forms built from the field metadata the emulator serves."""

from __future__ import annotations

from datetime import date

import pytest
from django import forms

from crm import metadata, modules, selectors, validation
from crm.fields import Field
from crm.record_forms import ZohoFormField, form_values, initial_from_record, record_form_class

pytestmark = [pytest.mark.django_db, pytest.mark.signed_in_as("in")]


@pytest.fixture
def leads(connection):
    return metadata.module_get(connection=connection, module="Leads")


@pytest.fixture
def deals(connection):
    return metadata.module_get(connection=connection, module="Deals")


def test_one_form_field_per_editable_zoho_field(leads, connection):
    users = metadata.user_list(connection=connection)
    form = record_form_class(leads, users=users)()
    assert set(form.fields) == {f.api_name for f in leads.editable_fields}
    assert "Owner" in form.fields
    # Read-only and computed fields are not editable here.
    for name in ("Full_Name", "Created_Time", "Modified_By", "Created_By"):
        assert name not in form.fields
    assert form.fields["Last_Name"].label == "Last Name"
    assert "Owner" not in record_form_class(leads)().fields  # no users, no owner choice


def test_lookups_and_owner_as_ids(deals, connection):
    users = metadata.user_list(connection=connection)
    form_class = record_form_class(deals, editing=True, users=users)
    record = {
        "Owner": {"id": users[0]["id"], "name": users[0]["name"], "email": users[0]["email"]},
        "Account_Name": {"id": "2873459000000300001", "name": "Somewhere Ltd"},
        "Contact_Name": None,
    }
    initial = initial_from_record(deals, record)
    assert initial["Owner"] == users[0]["id"]
    assert initial["Account_Name"] == "2873459000000300001" and initial["Contact_Name"] is None
    fields = form_class().fields
    assert fields["Owner"].required  # an owner cannot be cleared
    assert not fields["Account_Name"].required
    assert "maxlength" not in fields["Account_Name"].widget.attrs  # Zoho's length is the name's
    bound = form_class({"Owner": users[0]["id"], "Account_Name": "12 34"})
    assert "Account_Name" in bound.errors and "Owner" not in bound.errors


def test_mandatory_length_and_type_come_from_metadata(leads):
    fields = record_form_class(leads)().fields
    assert fields["Last_Name"].required and not fields["First_Name"].required
    assert fields["Last_Name"].widget.attrs["maxlength"] == "80"
    # Every field validates through the one field model (crm.fields.Field.clean).
    assert all(isinstance(f, ZohoFormField) for f in fields.values())
    assert fields["Email"].widget.input_type == "email"
    assert fields["No_of_Employees"].widget.input_type == "number"
    assert fields["No_of_Employees"].widget.attrs["max"] == "999999999"  # 9 digits
    assert fields["Annual_Revenue"].widget.attrs["step"] == "0.01"
    assert isinstance(fields["Email_Opt_Out"].widget, forms.CheckboxInput)
    assert not fields["Email_Opt_Out"].required  # unchecked is a valid answer
    assert fields["Phone"].widget.input_type == "tel"


def test_picklists_offer_exactly_zohos_values(leads, connection):
    status_values = leads.field("Lead_Status").picklist
    choices = [value for value, _ in record_form_class(leads)().fields["Lead_Status"].choices]
    assert choices == ["", *status_values]  # one empty choice: Zoho's "-None-" is not a value
    assert "Contacted" in status_values and "-None-" not in status_values


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"Company": "No surname"}, "Last_Name"),
        ({"Last_Name": "X" * 81}, "Last_Name"),
        ({"Last_Name": "X", "Email": "not-an-email"}, "Email"),
        ({"Last_Name": "X", "Lead_Status": "Bogus"}, "Lead_Status"),
        ({"Last_Name": "X", "No_of_Employees": "many"}, "No_of_Employees"),
        ({"Last_Name": "X", "No_of_Employees": "1234567890"}, "No_of_Employees"),  # 9 digits max
        ({"Last_Name": "X", "Annual_Revenue": "lots"}, "Annual_Revenue"),
    ],
)
def test_invalid_input_is_caught_by_the_form(leads, data, field):
    form = record_form_class(leads)(data)
    assert not form.is_valid()
    assert field in form.errors


def test_deal_form_dates_and_mandatory_picklist(deals):
    form = record_form_class(deals)(
        {"Deal_Name": "Pilot", "Stage": "", "Closing_Date": "2025-02-30"}
    )
    assert not form.is_valid()
    assert {"Stage", "Closing_Date"} <= set(form.errors)
    form = record_form_class(deals)(
        {
            "Deal_Name": "Pilot",
            "Stage": "Qualification",
            "Closing_Date": "2025-03-31",
            "Amount": "1200.50",
            "Probability": "10",
        }
    )
    assert form.is_valid(), form.errors
    values = form_values(form, creating=True)
    assert values == {
        "Deal_Name": "Pilot",
        "Stage": "Qualification",
        "Closing_Date": "2025-03-31",
        "Amount": 1200.5,
        "Probability": 10,
    }
    # The values the form produces pass the API's own validation unchanged.
    assert validation.clean_values(deals, values, creating=True)["Closing_Date"] == date(
        2025, 3, 31
    )


def test_edit_values_clear_emptied_fields(leads):
    form = record_form_class(leads)({"Last_Name": "Kept", "City": ""})
    assert form.is_valid(), form.errors
    values = form_values(form, creating=False)
    assert values["Last_Name"] == "Kept"
    assert values["City"] is None  # sent as null: Zoho clears it
    assert values["Email_Opt_Out"] is False


def test_initial_values_show_a_record_as_the_form_expects(leads, connection):
    lead = selectors.record_page(connection=connection, module=leads, per_page=10).records[0]
    record = selectors.record_detail(connection=connection, module=leads, record_id=int(lead["id"]))
    initial = initial_from_record(leads, record)
    assert initial["Last_Name"] == record["Last_Name"]
    assert "Created_Time" not in initial  # read-only
    bound = record_form_class(leads)({k: v for k, v in initial.items() if v is not None})
    assert bound.is_valid(), bound.errors  # a record's own values are accepted back


def test_datetime_values_round_trip_in_utc():
    """A date-time shown for editing is in UTC, the zone the form sends it in."""
    module = modules.Module(
        "Events",
        "Events",
        "Event",
        (Field("Start", "Start", "datetime", required=True, length=120),),
    )
    initial = initial_from_record(module, {"Start": "2024-08-21T12:42:05-05:00"})
    form = record_form_class(module)(initial=initial)
    assert 'value="2024-08-21T17:42:05"' in str(form["Start"])  # seconds kept
    assert 'step="1"' in str(form["Start"])  # so the browser shows and sends them
    bound = record_form_class(module)({"Start": "2024-08-21T17:42:05"})
    assert bound.is_valid(), bound.errors
    assert form_values(bound, creating=False) == {"Start": "2024-08-21T17:42:05+00:00"}
    minutes_only = record_form_class(module)({"Start": "2024-08-21T17:42"})  # older browsers
    assert minutes_only.is_valid(), minutes_only.errors

    from crm.record_forms import edit_values

    editing = record_form_class(module, editing=True)(initial=initial)
    rendered = str(editing["Start"])
    assert 'name="initial-Start" value="2024-08-21 17:42:05+00:00"' in rendered
    untouched = {"Start": "2024-08-21T17:42:05", "initial-Start": "2024-08-21 17:42:05+00:00"}
    assert edit_values(record_form_class(module, editing=True)(untouched)) == {}


def test_a_stored_picklist_value_no_longer_offered_stays_selected(leads):
    from crm.record_forms import edit_form, edit_values

    form_class = record_form_class(leads, editing=True)
    form = edit_form(form_class, {"Last_Name": "Old", "Lead_Status": "Retired status"})
    rendered = str(form["Lead_Status"])
    assert '<option value="Retired status" selected>' in rendered
    data = {f"initial-{name}": "" for name in form.fields}  # every other field empty
    data |= {"initial-Last_Name": "Old", "Last_Name": "New"}
    data |= {"initial-Lead_Status": "Retired status", "Lead_Status": "Retired status"}
    posted = form_class(data)
    assert edit_values(posted) == {"Last_Name": "New"}  # the stored value is not touched
