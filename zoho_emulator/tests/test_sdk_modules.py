"""Every module through the real, unpatched SDK: metadata parses, every field reads, typical
fields write, search and delete work (Zylker Traders, incl. its custom module)."""

from __future__ import annotations

import datetime as dt

import pytest
from emulator_support import PATRICIA, ZYLKER_TRADERS, sdk_login
from zohocrmsdk.src.com.zoho.crm.api import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.fields import FieldsOperations, GetFieldsParam
from zohocrmsdk.src.com.zoho.crm.api.fields import ResponseWrapper as FieldsWrapper
from zohocrmsdk.src.com.zoho.crm.api.modules import ModulesOperations
from zohocrmsdk.src.com.zoho.crm.api.modules import ResponseWrapper as ModulesWrapper
from zohocrmsdk.src.com.zoho.crm.api.record import (
    BodyWrapper,
    DeleteRecordsParam,
    GetRecordParam,
    GetRecordsParam,
    Record,
    RecordOperations,
    ResponseWrapper,
    SearchRecordsParam,
    SuccessResponse,
)
from zohocrmsdk.src.com.zoho.crm.api.users import MinifiedUser
from zohocrmsdk.src.com.zoho.crm.api.util import Choice

from zoho_emulator import field_rules, schema

SCOPE = (
    "ZohoCRM.modules.ALL,ZohoCRM.users.READ,ZohoCRM.org.READ,ZohoCRM.settings.ALL,"
    "ZohoSearch.securesearch.READ"
)
ORG = schema.org_schema(ZYLKER_TRADERS, "USD")
MODULES = [m.api_name for m in ORG.record_modules()]


def test_every_sdk_module_is_served():
    assert len(MODULES) >= 24 and "Shipments" in MODULES


def chunks(names, size=50):
    return [names[i : i + size] for i in range(0, len(names), size)]


def se_target(module: str) -> str:
    """The module a What_Id / Parent_Id / Appointment_For of ``module`` points at here."""
    return "Contacts" if module in ("Appointments__s", "Data_Subject_Requests") else "Accounts"


def write_value(emulator, module: str, fd: schema.FieldDef, salt: str):
    """A valid SDK value for a writable field of Zylker Traders."""
    org = emulator.app.state.orgs[ZYLKER_TRADERS]
    t = fd.data_type
    if t in ("text", "textarea"):
        return f"SDK {salt}"[: fd.length]
    if t == "email":
        return f"sdk.{salt}@example.com"
    if t == "phone":
        return "+1 512 555 0100"
    if t == "website":
        return "https://sdk.example.com"
    if t == "picklist":
        values = [v for v in fd.picklist if v != "-None-"]
        return Choice(values[-1])
    if t == "multiselectpicklist":
        return [Choice(fd.picklist[-1])]
    if t in ("integer", "bigint"):
        return 7
    if t in ("double", "currency", "percent"):
        return 12.5
    if t == "boolean":
        return True
    if t == "date":
        return dt.date(2025, 6, 1)
    if t == "datetime":
        return dt.datetime(2025, 6, 1, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    if t == "ownerlookup":
        user = MinifiedUser()
        user.set_id(4150868000000186017)  # Patricia Boyle in Zylker Traders
        return user
    if t == "lookup":
        target = se_target(module) if fd.lookup_module == schema.SE_MODULE else fd.lookup_module
        rid = next(iter(org.records[target]))
        ref = Record()
        ref.set_id(int(rid))
        return ref
    return None


def payload(emulator, module: str, salt: str) -> Record:
    mod = ORG.modules[module]
    record = Record()
    for fd in mod.fields.values():
        required = fd.mandatory or fd.api_name in field_rules.DEFAULT_LAYOUT_REQUIRED.get(
            module, ()
        )
        if fd.read_only or not (required or fd.is_name or fd.custom):
            continue
        value = write_value(emulator, module, fd, salt)
        if value is None:
            continue
        record.add_key_value(fd.api_name, value)
        if fd.lookup_module == schema.SE_MODULE:
            record.add_key_value("$se_module", se_target(module))
    return record


@pytest.mark.parametrize("module", MODULES)
def test_sdk_reads_and_writes_every_module(emulator, tmp_path, module):
    sdk_login(emulator, tmp_path, PATRICIA, "us", scope=SCOPE)
    mod = ORG.modules[module]

    pm = ParameterMap()
    pm.add(GetFieldsParam.module, module)
    fields = FieldsOperations().get_fields(pm)
    assert fields.get_status_code() == 200
    wrapper = fields.get_object()
    assert isinstance(wrapper, FieldsWrapper)
    names = [f.get_api_name() for f in wrapper.get_fields()]
    assert set(names) == set(mod.fields)

    seen = 0
    first_id = None
    for chunk in chunks(names):
        pm = ParameterMap()
        pm.add(GetRecordsParam.fields, ",".join(chunk))
        response = RecordOperations(module).get_records(pm)
        assert response.get_status_code() in (200, 204), (module, chunk)
        if response.get_status_code() == 204:
            continue
        body = response.get_object()
        assert isinstance(body, ResponseWrapper), body
        for rec in body.get_data():
            assert isinstance(rec.get_id(), int)
            first_id = first_id or rec.get_id()
            for fd in mod.fields.values():
                value = rec.get_key_value(fd.api_name)
                if value is None:
                    continue
                if fd.data_type == "ownerlookup":
                    assert isinstance(value, MinifiedUser), (module, fd.api_name, value)
                elif fd.data_type == "lookup" and fd.api_name != "Layout":
                    assert isinstance(value, Record), (module, fd.api_name, value)
                elif fd.data_type == "subform":
                    assert isinstance(value, list), (module, fd.api_name)
                elif fd.data_type == "picklist":
                    assert isinstance(value, Choice), (module, fd.api_name, value)
                seen += 1
    assert seen > 0, module

    if first_id is not None:
        response = RecordOperations(module).get_record(first_id)
        assert response.get_status_code() == 200
        assert response.get_object().get_data()[0].get_id() == first_id

    if not mod.creatable:
        return
    body = BodyWrapper()
    body.set_data([payload(emulator, module, "one")])
    response = RecordOperations(module).create_records(body)
    result = response.get_object().get_data()[0]
    assert isinstance(result, SuccessResponse), (module, result.get_details())
    new_id = int(result.get_details()["id"])

    name = mod.name_field
    update = Record()
    text = next((f for f in mod.fields.values() if f.data_type == "text" and not f.read_only), None)
    if text is not None:
        update.add_key_value(text.api_name, "Changed by SDK")
        body = BodyWrapper()
        body.set_data([update])
        response = RecordOperations(module).update_record(new_id, body)
        assert response.get_status_code() == 200, module
        pm = ParameterMap()
        pm.add(GetRecordParam.fields, text.api_name)
        got = RecordOperations(module).get_record(new_id, pm).get_object().get_data()[0]
        assert got.get_key_value(text.api_name) == "Changed by SDK"

    pm = ParameterMap()
    pm.add(SearchRecordsParam.criteria, f"(id:equals:{new_id})")
    response = RecordOperations(module).search_records(pm)
    assert response.get_status_code() == 200, module
    assert [r.get_id() for r in response.get_object().get_data()] == [new_id]
    del name

    pm = ParameterMap()
    pm.add(DeleteRecordsParam.ids, str(new_id))
    response = RecordOperations(module).delete_records(pm)
    assert response.get_object().get_data()[0].get_status().get_value() == "success"


def test_sdk_parses_module_metadata(emulator, tmp_path):
    sdk_login(emulator, tmp_path, PATRICIA, "us", scope=SCOPE)
    response = ModulesOperations().get_modules()
    assert response.get_status_code() == 200
    modules = {m.get_api_name(): m for m in response.get_object().get_modules()}
    assert isinstance(response.get_object(), ModulesWrapper)
    assert modules["Shipments"].get_generated_type().get_value() == "custom"
    assert modules["Home"].get_api_supported() is False
    assert modules["Events"].get_singular_label() == "Meeting"
