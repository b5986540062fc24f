"""Bulk Read's ``query.cvid`` and ``query.criteria`` (``bulk_read.json`` ``Query`` and
``Criteria``): which records a read job exports.

A criteria is a condition ``{"field": {"api_name"}, "comparator", "value"}`` or a group
``{"group_operator": "and"|"or", "group": [criteria, ...]}`` (Kaizen #195: at most 25
conditions). A condition is matched as Search Records matches the same condition
(``search._compile``), so an export of a list's filters holds the records the list shows;
``contains``, ``not_contains`` and ``ends_with`` (Bulk Read only) match text fields.
A view (``cvid``) is matched as Get Records matches it (``custom_views.view_predicate``).
"""

from __future__ import annotations

from collections.abc import Callable

from .. import field_rules
from ..web import Response
from . import custom_views, search
from .context import Ctx
from .errors import crm_error

MAX_CONDITIONS = 25
COMPARATORS = {
    "equal": "equals",
    "not_equal": "not_equal",
    "in": "in",
    "not_in": "not_in",
    "greater_than": "greater_than",
    "greater_equal": "greater_equal",
    "less_than": "less_than",
    "less_equal": "less_equal",
    "between": "between",
    "not_between": "not_between",
    "starts_with": "starts_with",
}
TEXT_ONLY = ("contains", "not_contains", "ends_with")
LISTED = ("in", "not_in", "between", "not_between")
TEXTUAL = ("text", "textarea", "email", "phone", "website", "picklist", "autonumber")


class BadCriteria(Exception):
    def __init__(self, code: str, message: str, details: dict):
        super().__init__(message)
        self.code, self.message, self.details = code, message, details


def view_of(ctx: Ctx, module: str, raw) -> tuple[custom_views.View | None, Response | None]:
    """The view ``raw`` names (None for none). The SDK sends the id as a number, the spec
    as text: both are read. An id of no view of the module: ``INVALID_REQUEST`` naming
    ``cvid`` (the stricter reading; Zoho's page lists no code for it)."""
    if raw is None:
        return None, None
    text = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    view = custom_views.find_view(ctx, module, text) if text.isdigit() else None
    if view is None:
        return None, crm_error(
            "INVALID_REQUEST", "the given cvid is invalid", 400, {"api_name": "cvid"}
        )
    return view, None


def _escaped(value) -> str:
    text = value if isinstance(value, str) else str(value)
    return "".join("\\" + ch if ch in "\\()," else ch for ch in text)


def compile_criteria(ctx: Ctx, module: str, node) -> Callable[[dict], bool]:
    """A record predicate for a Bulk Read criteria; BadCriteria when Zoho would refuse it."""
    hidden = field_rules.hidden_fields(ctx.user.profile, module)
    fdefs = {k: fd for k, fd in ctx.schema.fields(module).items() if k not in hidden}
    count = [0]

    def bad(code: str, message: str, **details) -> BadCriteria:
        return BadCriteria(code, message, details)

    def build(node) -> Callable[[dict], bool]:
        if not isinstance(node, dict):
            raise bad("INVALID_CRITERIA", "the criteria is not valid", api_name="criteria")
        if "group" in node and node.get("group") is not None:
            operator = node.get("group_operator")
            if not isinstance(operator, str) or operator.lower() not in ("and", "or"):
                raise bad(
                    "GROUP_OPERATOR_NOT_SUPPORTED",
                    "the group operator is not supported",
                    api_name="group_operator",
                )
            group = node["group"]
            if not isinstance(group, list) or len(group) < 2:
                raise bad(
                    "AMBIGUOUS_GROUP_IN_CRITERIA",
                    "a group needs two or more criteria",
                    api_name="group",
                )
            parts = [build(n) for n in group]
            if operator.lower() == "or":
                return lambda rec: any(p(rec) for p in parts)
            return lambda rec: all(p(rec) for p in parts)
        return leaf(node)

    def leaf(node: dict) -> Callable[[dict], bool]:
        count[0] += 1
        if count[0] > MAX_CONDITIONS:
            raise bad(
                "CRITERIA_LIMIT_EXCEEDED",
                f"at most {MAX_CONDITIONS} criteria are allowed",
                limit=MAX_CONDITIONS,
            )
        field = node.get("field")
        name = field.get("api_name") if isinstance(field, dict) else None
        comparator = node.get("comparator")
        if not isinstance(name, str) or not isinstance(comparator, str) or "value" not in node:
            raise bad("INVALID_CRITERIA", "the criteria is not valid", api_name="criteria")
        fd = fdefs.get(name)
        if fd is None:
            raise bad(
                "FIELD_IN_CRITERIA_NOT_AVAILABLE", "the field is not available", api_name=name
            )
        if fd.data_type in search.NOT_SEARCHABLE or fd.value_type in search.NOT_SEARCHABLE:
            raise bad(
                "FIELD_IN_CRITERIA_NOT_SUPPORTED", "the field is not supported", api_name=name
            )
        value = node["value"]
        incompatible_value = bad(
            "FIELD_AND_VALUE_IN_CRITERIA_NOT_COMPATIBLE",
            "the value does not suit the field",
            api_name=name,
        )
        if comparator in TEXT_ONLY:
            if fd.data_type not in TEXTUAL:
                raise bad(
                    "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE",
                    "the comparator does not suit the field",
                    api_name=name,
                    comparator=comparator,
                )
            if not isinstance(value, str) or not value:
                raise incompatible_value
            return _text_match(name, comparator, value.lower())
        op = COMPARATORS.get(comparator)
        if op is None:
            raise bad(
                "INVALID_CRITERIA",
                "the comparator is not valid",
                api_name=name,
                comparator=comparator,
            )
        values = value if isinstance(value, list) else [value]
        if (op in LISTED) != isinstance(value, list) and op not in ("in", "not_in"):
            raise incompatible_value
        if not values or any(
            v is None
            or isinstance(v, dict | list)
            or isinstance(v, bool)
            and fd.data_type != "boolean"
            for v in values
        ):
            raise incompatible_value
        raw = ",".join(_escaped(str(v).lower() if isinstance(v, bool) else v) for v in values)
        try:
            return search._compile(fdefs, ("cond", name, op, raw))
        except search.CriteriaError as exc:
            if "operator" in exc.reason or "supported only" in exc.reason:
                raise bad(
                    "FIELD_AND_COMPARATOR_IN_CRITERIA_NOT_COMPATIBLE",
                    "the comparator does not suit the field",
                    api_name=name,
                    comparator=comparator,
                ) from exc
            raise incompatible_value from exc

    return build(node)


def _text_match(name: str, comparator: str, wanted: str) -> Callable[[dict], bool]:
    def text(rec) -> str:
        value = rec.get(name)
        return value.lower() if isinstance(value, str) else ""

    if comparator == "contains":
        return lambda rec: wanted in text(rec)
    if comparator == "not_contains":
        return lambda rec: wanted not in text(rec)
    return lambda rec: text(rec).endswith(wanted)


def predicate(ctx: Ctx, job: dict) -> Callable[[dict], bool]:
    """Whether a record is exported by ``job`` (its view and criteria, checked when the job
    was made), for the user asking now."""
    module = job["module"]["api_name"]
    parts = []
    if job.get("cvid"):
        view = custom_views.find_view(ctx, module, job["cvid"])
        if view is not None:
            parts.append(custom_views.view_predicate(ctx, module, view))
    if job.get("criteria") is not None:
        parts.append(compile_criteria(ctx, module, job["criteria"]))
    return lambda rec: all(p(rec) for p in parts)


def check(ctx: Ctx, module: str, query: dict) -> tuple[str | None, Response | None]:
    """The query's view id (None for none) once its cvid and criteria are ones Zoho takes;
    else Zoho's error."""
    view, err = view_of(ctx, module, query.get("cvid"))
    if err is not None:
        return None, err
    if query.get("criteria") is not None:
        try:
            compile_criteria(ctx, module, query["criteria"])
        except BadCriteria as exc:
            return None, crm_error(exc.code, exc.message, 400, exc.details)
    return (view.id if view else None), None
