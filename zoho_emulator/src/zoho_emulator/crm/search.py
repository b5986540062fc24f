"""``GET {Module}/search``: criteria, email, phone and word searches."""

from __future__ import annotations

import re

from .. import field_rules, schema
from ..web import Response, json_response
from . import custom_views
from .context import MAX_PER_PAGE, Ctx, int_param
from .errors import crm_error, invalid_param, param_missing
from .records import converted_predicate, paginate, parse_fields


class CriteriaError(Exception):
    def __init__(self, reason: str, api_name: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.api_name = api_name


OPERATORS = {
    "equals",
    "not_equal",
    "starts_with",
    "in",
    "not_in",
    "greater_than",
    "greater_equal",
    "less_than",
    "less_equal",
    "between",
    "not_between",
}


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts, buf, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            buf.append(text[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


class CriteriaParser:
    """Parses Zoho search criteria: ``((Last_Name:equals:Burns\\,B)and(City:starts_with:Aus))``."""

    def __init__(self, text: str):
        self.text = text.strip()
        self.pos = 0

    def parse(self):
        if not self.text:
            raise CriteriaError("empty criteria")
        if not self.text.startswith("("):
            self.text = f"({self.text})"
        node = self._expr()
        if self.pos != len(self.text):
            raise CriteriaError("unexpected trailing characters")
        return node

    def _ws(self):
        """Spaces between groups and around ``and``/``or`` are allowed, as Zoho does."""
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _expr(self):
        node = self._term()
        while True:
            self._ws()
            rest = self.text[self.pos :]
            low = rest[:3].lower()
            if low == "and":
                self.pos += 3
                self._ws()
                node = ("and", node, self._term())
            elif low[:2] == "or":
                self.pos += 2
                self._ws()
                node = ("or", node, self._term())
            else:
                break
        return node

    def _term(self):
        self._ws()
        if self.pos >= len(self.text) or self.text[self.pos] != "(":
            raise CriteriaError("expected '('")
        self.pos += 1
        self._ws()
        if self.pos < len(self.text) and self.text[self.pos] == "(":
            node = self._expr()
            self._ws()
            if self.pos >= len(self.text) or self.text[self.pos] != ")":
                raise CriteriaError("missing ')'")
            self.pos += 1
            return node
        start = self.pos
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == "\\":
                self.pos += 2
                continue
            if ch == ")":
                break
            if ch == "(":
                raise CriteriaError("unescaped '(' in value")
            self.pos += 1
        if self.pos >= len(self.text):
            raise CriteriaError("missing ')'")
        body = self.text[start : self.pos]
        self.pos += 1
        pieces = body.split(":", 2)
        if len(pieces) != 3:
            raise CriteriaError("condition must be field:operator:value")
        field, op, value = pieces[0].strip(), pieces[1].strip().lower(), pieces[2]
        if op not in OPERATORS:
            raise CriteriaError(f"unsupported operator {op}", field)
        return ("cond", field, op, value)


def _coerce(fd: schema.FieldDef, raw: str):
    value = _unescape(raw).strip()
    t = fd.value_type
    if t == "bigint":
        t = "integer"
    if t == "integer":
        try:
            return int(value)
        except ValueError as exc:
            raise CriteriaError("invalid value for integer field", fd.api_name) from exc
    if t in ("double", "currency", "percent"):
        try:
            return float(value)
        except ValueError as exc:
            raise CriteriaError("invalid value for number field", fd.api_name) from exc
    if t == "boolean":
        if value.lower() not in ("true", "false"):
            raise CriteriaError("invalid value for boolean field", fd.api_name)
        return value.lower() == "true"
    if t == "datetime":
        parsed = schema.parse_datetime(value)
        if parsed is None:
            raise CriteriaError("invalid value for datetime field", fd.api_name)
        return parsed.timestamp()
    if t == "date":
        if not schema.is_valid_date(value):
            raise CriteriaError("invalid value for date field", fd.api_name)
        return value
    return value.lower()


def _record_value(fd: schema.FieldDef, rec: dict):
    value = rec.get(fd.api_name)
    if value is None:
        return None
    t = fd.value_type
    if t == "bigint" and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    if t == "datetime":
        parsed = schema.parse_datetime(value)
        return parsed.timestamp() if parsed else None
    if t in ("lookup", "ownerlookup"):
        return value
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, list):
        return [v.lower() if isinstance(v, str) else v for v in value]
    return value


# Field kinds criteria cannot name (Zoho: "invalid query formed" for them too).
NOT_SEARCHABLE = (
    "subform",
    "participants",
    "pricing_details",
    "comments",
    "territories",
    "multireminder",
    "ALARM",
    "RRULE",
    "consent_lookup",
    "profileimage",
    "multiuserlookup",
    "event_reminder",
)


def _compile(fdefs: dict, node):
    kind = node[0]
    if kind in ("and", "or"):
        left, right = _compile(fdefs, node[1]), _compile(fdefs, node[2])
        if kind == "and":
            return lambda rec: left(rec) and right(rec)
        return lambda rec: left(rec) or right(rec)
    _, field, op, raw = node
    fd = fdefs.get(field)
    if field == "id":
        fd = schema.FieldDef("id", "Record Id", "bigint")
    if fd is None:
        raise CriteriaError("invalid field api name", field)
    raw_values = (
        _split_unescaped(raw, ",") if op in ("in", "not_in", "between", "not_between") else [raw]
    )
    if op in ("between", "not_between") and len(raw_values) != 2:
        raise CriteriaError("between needs two values", field)
    if fd.data_type in NOT_SEARCHABLE or fd.value_type in NOT_SEARCHABLE:
        raise CriteriaError("the field cannot be used in criteria", field)
    if fd.data_type in ("lookup", "ownerlookup", "layout"):
        values = [_unescape(v).strip().lower() for v in raw_values]
        if op not in ("equals", "not_equal", "in", "not_in"):
            raise CriteriaError("operator not supported for lookup fields", field)

        def lookup_match(rec):
            ref = rec.get(fd.api_name) or {}
            hit = any(
                v in (str(ref.get("id", "")).lower(), str(ref.get("name", "")).lower())
                for v in values
            )
            return hit if op in ("equals", "in") else not hit

        return lookup_match
    if fd.api_name == "id":
        values = [_unescape(v).strip() for v in raw_values]
        if op not in ("equals", "not_equal", "in", "not_in"):
            raise CriteriaError("operator not supported for id", field)
        return (
            (lambda rec: rec["id"] in values)
            if op in ("equals", "in")
            else (lambda rec: rec["id"] not in values)
        )
    values = [_coerce(fd, v) for v in raw_values]
    textual = fd.data_type in (
        "text",
        "textarea",
        "email",
        "phone",
        "website",
        "picklist",
        "autonumber",
        "multiselectpicklist",
    )
    if op == "starts_with" and not textual:
        raise CriteriaError("starts_with is supported only for text fields", field)
    if (
        op in ("greater_than", "greater_equal", "less_than", "less_equal", "between", "not_between")
        and textual
    ):
        raise CriteriaError("operator not supported for text fields", field)
    target = values[0]

    def match(rec):
        value = _record_value(fd, rec)
        if isinstance(value, list):  # multi-select picklists: any selected value
            hit = any(v in values for v in value)
            if op in ("equals", "in"):
                return hit
            if op in ("not_equal", "not_in"):
                return not hit
            return any(isinstance(v, str) and v.startswith(target) for v in value)
        if op == "equals":
            return value == target
        if op == "not_equal":
            return value != target
        if op == "in":
            return value in values
        if op == "not_in":
            return value not in values
        if op == "starts_with":
            return isinstance(value, str) and value.startswith(target)
        if value is None:
            return False
        if op == "greater_than":
            return value > target
        if op == "greater_equal":
            return value >= target
        if op == "less_than":
            return value < target
        if op == "less_equal":
            return value <= target
        inside = values[0] <= value <= values[1]
        return inside if op == "between" else not inside

    return match


def _digits(text) -> str:
    return "".join(ch for ch in str(text or "") if ch.isdigit())


SEARCH_PARAMS = ("criteria", "email", "phone", "word")


def search_records(ctx: Ctx, module: str) -> Response:
    req = ctx.req
    fields, err = parse_fields(ctx, module, req.arg("fields"))
    if err:
        return err
    page, err = int_param(req, "page", 1)
    if err:
        return err
    per_page, err = int_param(req, "per_page", MAX_PER_PAGE, MAX_PER_PAGE)
    if err:
        return err
    predicate, err = build_predicate(ctx, module)
    if err:
        return err
    view, err = custom_views.cvid_predicate(ctx, module)
    if err:
        return err
    in_view = view[1] if view else (lambda rec: True)
    listed, err = converted_predicate(ctx, module)
    if err:
        return err
    with ctx.emu.state.lock:
        records = [
            r
            for r in ctx.org_data.records[module].values()
            if predicate(r) and in_view(r) and listed(r)
        ]
    records.sort(key=lambda r: int(r["id"]))
    # v8 search pages through at most 2,000 records and issues no page_token (stricter
    # reading of "Search Records": page/per_page only)
    return paginate(
        ctx, module, records, fields, page, per_page, None, "asc", tokens=False, keyed_by="id"
    )


def count_records(ctx: Ctx, module: str) -> Response:
    """``GET {Module}/actions/count``: all records, or those a search parameter matches."""
    if any(ctx.req.arg(name) is not None for name in SEARCH_PARAMS):
        predicate, err = build_predicate(ctx, module)
        if err:
            return err
    else:

        def predicate(rec):
            return True

    view, err = custom_views.cvid_predicate(ctx, module)
    if err:
        return err
    in_view = view[1] if view else (lambda rec: True)
    # Record Count counts what Get Records lists: a converted lead is not among them.
    listed, _ = converted_predicate(ctx, module)
    listed = listed or (lambda rec: True)
    with ctx.emu.state.lock:
        count = sum(
            1
            for r in ctx.org_data.records[module].values()
            if predicate(r) and in_view(r) and listed(r)
        )
    return json_response({"count": count})


def build_predicate(ctx: Ctx, module: str):
    """(predicate, None) for the request's criteria/email/phone/word, or (None, error)."""
    req = ctx.req
    # a field the user's profile hides is searched as if the module had none by that name
    hidden = field_rules.hidden_fields(ctx.user.profile, module)
    fdefs = {k: fd for k, fd in ctx.schema.fields(module).items() if k not in hidden}
    criteria, email, phone, word = (
        req.arg("criteria"),
        req.arg("email"),
        req.arg("phone"),
        req.arg("word"),
    )
    if criteria:
        try:
            predicate = _compile(fdefs, CriteriaParser(criteria).parse())
        except CriteriaError as exc:
            details = {"reason": exc.reason}
            if exc.api_name:
                details["api_name"] = exc.api_name
            return None, crm_error("INVALID_QUERY", "invalid query formed", 400, details)
    elif email:
        wanted = email.strip().lower()
        email_fields = [f.api_name for f in fdefs.values() if f.data_type == "email"]

        def predicate(rec):
            return any((rec.get(f) or "").lower() == wanted for f in email_fields)
    elif phone:
        wanted = _digits(phone)
        if not wanted:
            return None, invalid_param("phone")
        phone_fields = [f.api_name for f in fdefs.values() if f.data_type == "phone"]

        def predicate(rec):
            return any(wanted in _digits(rec.get(f)) for f in phone_fields if rec.get(f))
    elif word:
        wanted = word.strip().lower()
        if len(wanted) < 2:
            return None, crm_error(
                "INVALID_QUERY",
                "invalid query formed",
                400,
                {"reason": "the word should contain at least 2 characters", "param_name": "word"},
            )
        text_fields = [
            f.api_name
            for f in fdefs.values()
            if f.search
            and f.data_type in ("text", "textarea", "email", "phone", "website", "picklist")
        ]

        def predicate(rec):
            return any(
                wanted in (rec.get(f) or "").lower()
                for f in text_fields
                if isinstance(rec.get(f), str)
            )
    else:
        return None, param_missing("criteria")
    return predicate, None


# ------------------------------------------------------------------------------ write
