"""Zoho's custom views of a module through the SDK (`settings/custom_views`)."""

from __future__ import annotations

from zohocrmsdk.src.com.zoho.crm.api.custom_views import (
    CustomViewsOperations,
    GetCustomViewsParam,
)
from zohocrmsdk.src.com.zoho.crm.api.custom_views import ResponseWrapper as ViewsWrapper
from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap

from accounts.models import ZohoConnection
from crm.zoho.errors import checked, zoho_failed
from crm.zoho.runner import run

MAX_VIEWS = 200  # one page of Zoho's views is enough for a picker


def get_custom_views(connection: ZohoConnection, module: str) -> list[dict]:
    """The module's views as {"id", "name", "default", "system"}, in Zoho's order."""

    def call():
        params = ParameterMap()
        params.add(GetCustomViewsParam.module, module)
        params.add(GetCustomViewsParam.per_page, MAX_VIEWS)
        body = checked(CustomViewsOperations().get_custom_views(params))
        if body is None:  # 204: a module without views
            return []
        if not isinstance(body, ViewsWrapper):
            raise zoho_failed()
        return [
            {
                "id": str(v.get_id()),
                "name": v.get_display_value() or v.get_name() or str(v.get_id()),
                "default": bool(v.get_default()),
                "system": bool(v.get_system_defined()),
            }
            for v in body.get_custom_views() or []
            if v.get_id() is not None
        ]

    return run(connection, call, operation="custom_views")
