"""Zoho CRM v8 REST API: users, org, metadata, records (list/get/create/update/delete/search)."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime

from . import schema, seed
from .schema import FieldError
from .web import Request, Response, json_response, no_content

API_PREFIX = "/crm/v8/"
MAX_WRITE = 100
MAX_PER_PAGE = 200
MAX_FIELDS = 50

MODULE_OPS = {"GET": "READ", "POST": "CREATE", "PUT": "UPDATE", "DELETE": "DELETE"}


def crm_error(code: str, message: str, status: int, details: dict | None = None) -> Response:
    resp = json_response(
        {"code": code, "details": details or {}, "message": message, "status": "error"}, status
    )
    resp.crm_code = code
    return resp


def invalid_token() -> Response:
    return crm_error("INVALID_TOKEN", "invalid oauth token", 401)


def scope_mismatch() -> Response:
    return crm_error("OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL", 401)


def invalid_url() -> Response:
    return crm_error(
        "INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one", 404
    )


def invalid_method() -> Response:
    return crm_error(
        "INVALID_REQUEST_METHOD", "The http request method type is not a valid one", 400
    )


def invalid_module(details=None) -> Response:
    return crm_error(
        "INVALID_MODULE",
        "the module name given seems to be invalid",
        400,
        details if details is not None else {"resource_path_index": 0},
    )


def param_missing(name: str) -> Response:
    return crm_error(
        "REQUIRED_PARAM_MISSING",
        "One of the expected parameter is missing",
        400,
        {"param_name": name},
    )


def invalid_param(name: str, **extra) -> Response:
    details = {"param_name": name}
    details.update(extra)
    return crm_error("INVALID_DATA", "invalid data", 400, details)


# ------------------------------------------------------------------------------ scopes


def _scope_set(scopes) -> set[str]:
    return {s.lower() for s in scopes}


def has_scope(scopes, *wanted: str) -> bool:
    have = _scope_set(scopes)
    return any(w.lower() in have for w in wanted)


def module_scope_ok(scopes, module_lower: str, op: str) -> bool:
    candidates = [
        "ZohoCRM.modules.ALL",
        f"ZohoCRM.modules.{op}",
        f"ZohoCRM.modules.{module_lower}.ALL",
        f"ZohoCRM.modules.{module_lower}.{op}",
    ]
    if op in ("CREATE", "UPDATE"):
        candidates += ["ZohoCRM.modules.WRITE", f"ZohoCRM.modules.{module_lower}.WRITE"]
    return has_scope(scopes, *candidates)


# ------------------------------------------------------------------------------ helpers


class Ctx:
    """Per-request context: the emulator, the token and the org's data."""

    def __init__(self, emu, at, req: Request):
        self.emu = emu
        self.at = at
        self.req = req
        self.org_data = emu.state.orgs[at.zgid]
        self.org = self.org_data.org
        self.user = next(u for u in seed.USERS if u.email == at.email)

    @property
    def user_ref(self) -> dict:
        return {
            "name": self.user.full_name,
            "id": self.user.crm_ids[self.org.zgid],
            "email": self.user.email,
        }

    def now(self) -> str:
        return seed.format_time(datetime.now(UTC), self.org.tz_offset)


def _int_param(req: Request, name: str, default: int, maximum: int | None = None):
    raw = req.arg(name)
    if raw is None or raw == "":
        return default, None
    try:
        value = int(raw)
    except ValueError:
        return None, invalid_param(name)
    if value < 1:
        return None, invalid_param(name)
    if maximum is not None and value > maximum:
        return None, invalid_param(name, maximum_length=maximum)
    return value, None


def _present(module: str, rec: dict, fields: list[str] | None) -> dict:
    out = {}
    names = fields if fields is not None else list(schema.FIELDS[module].keys())
    for name in names:
        value = rec.get(name)
        out[name] = json.loads(json.dumps(value)) if isinstance(value, (dict, list)) else value
    out["id"] = rec["id"]
    return out


def _parse_fields(module: str, raw: str | None):
    if raw is None:
        return None, None
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if not names:
        return None, param_missing("fields")
    if len(names) > MAX_FIELDS:
        return None, crm_error(
            "LIMIT_EXCEEDED",
            "maximum number of fields exceeded",
            400,
            {"param_name": "fields", "limit": MAX_FIELDS},
        )
    known = schema.FIELDS[module]
    out = []
    for name in names:
        if name == "id":
            continue
        if name not in known:
            return None, crm_error(
                "INVALID_DATA", "invalid data", 400, {"param_name": "fields", "api_name": name}
            )
        if name not in out:
            out.append(name)
    return out, None


def _sort_key(module: str, sort_by: str):
    fd = schema.FIELDS[module].get(sort_by)

    def key(rec):
        if sort_by == "id":
            return (0, int(rec["id"]))
        value = rec.get(sort_by)
        if value is None:
            return (1, "")
        if fd is not None and fd.data_type == "datetime":
            parsed = schema.parse_datetime(value)
            return (0, parsed.timestamp() if parsed else 0)
        if isinstance(value, str):
            return (0, value.lower())
        return (0, value)

    return key


def _paginate(
    module: str, records: list[dict], fields, page: int, per_page: int, sort_by, sort_order
):
    start = (page - 1) * per_page
    chunk = records[start : start + per_page]
    if not chunk:
        return no_content()
    info = {
        "per_page": per_page,
        "next_page_token": None,
        "count": len(chunk),
        "page": page,
        "previous_page_token": None,
        "page_token_expiry": None,
        "more_records": len(records) > start + per_page,
    }
    if sort_by is not None:
        info["sort_by"] = sort_by
        info["sort_order"] = sort_order
    return json_response({"data": [_present(module, r, fields) for r in chunk], "info": info})


# ------------------------------------------------------------------------------ entry point


def handle(emu, dc: str, subpath: str, req: Request) -> Response:
    st = emu.state
    auth = req.header("Authorization") or ""
    token_value = (
        auth[len("Zoho-oauthtoken ") :].strip() if auth.startswith("Zoho-oauthtoken ") else None
    )
    now = time.time()
    with st.lock:
        at = st.access_tokens.get(token_value) if token_value else None
        if at is None or not at.alive(now) or at.dc != dc:
            return invalid_token()
        ctx = Ctx(emu, at, req)
    if not subpath.startswith(API_PREFIX):
        return invalid_url()
    parts = [p for p in subpath[len(API_PREFIX) :].split("/") if p != ""]
    if not parts:
        return invalid_url()
    head = parts[0]
    method = req.method
    if head == "users" and len(parts) == 1:
        if not has_scope(at.scopes, "ZohoCRM.users.READ", "ZohoCRM.users.ALL"):
            return scope_mismatch()
        if method != "GET":
            return invalid_method()
        return _users(ctx)
    if head == "org" and len(parts) == 1:
        if not has_scope(at.scopes, "ZohoCRM.org.READ", "ZohoCRM.org.ALL"):
            return scope_mismatch()
        if method != "GET":
            return invalid_method()
        return _org(ctx)
    if head == "settings":
        if len(parts) == 2 and parts[1] == "modules":
            if not has_scope(
                at.scopes,
                "ZohoCRM.settings.ALL",
                "ZohoCRM.settings.modules.READ",
                "ZohoCRM.settings.modules.ALL",
            ):
                return scope_mismatch()
            if method != "GET":
                return invalid_method()
            return json_response({"modules": schema.module_metadata()})
        if len(parts) == 2 and parts[1] == "fields":
            if not has_scope(
                at.scopes,
                "ZohoCRM.settings.ALL",
                "ZohoCRM.settings.fields.READ",
                "ZohoCRM.settings.fields.ALL",
            ):
                return scope_mismatch()
            if method != "GET":
                return invalid_method()
            raw = req.arg("module")
            if not raw:
                return param_missing("module")
            module = schema.canonical_module(raw)
            if module is None:
                return invalid_module({"param_name": "module"})
            return json_response({"fields": schema.field_metadata(module)})
        return invalid_url()

    # record APIs
    op = "READ" if (len(parts) == 2 and parts[1] == "search") else MODULE_OPS.get(method)
    if op is None:
        return invalid_method()
    if not module_scope_ok(at.scopes, head.lower(), op):
        return scope_mismatch()
    module = schema.canonical_module(head)
    if module is None:
        return invalid_module()
    if len(parts) == 1:
        if method == "GET":
            return _list(ctx, module)
        if method == "POST":
            return _create(ctx, module)
        if method == "PUT":
            return _update_many(ctx, module, None)
        if method == "DELETE":
            return _delete_many(ctx, module, None)
        return invalid_method()
    if len(parts) == 2 and parts[1] == "search":
        if method != "GET":
            return invalid_method()
        return _search(ctx, module)
    if len(parts) == 2:
        record_id = parts[1]
        if not record_id.isdigit():
            return invalid_url()
        if method == "GET":
            return _get_one(ctx, module, record_id)
        if method == "PUT":
            return _update_many(ctx, module, record_id)
        if method == "DELETE":
            return _delete_many(ctx, module, record_id)
        return invalid_method()
    return invalid_url()


# ------------------------------------------------------------------------------ users / org


def _user_json(user: seed.User, org: seed.Org) -> dict:
    return {
        "id": user.crm_ids[org.zgid],
        "zuid": user.zuid,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "full_name": user.full_name,
        "status": "active",
        "confirm": True,
        "role": {"name": user.role, "id": str(int(user.crm_ids[org.zgid]) - 12000)},
        "profile": {"name": user.profile, "id": str(int(user.crm_ids[org.zgid]) - 24000)},
        "time_zone": org.tz_name,
        "locale": "en_US",
        "country_locale": "en_US",
        "language": "en_US",
        "country": org.country_code,
        "city": org.city,
        "date_format": "MM-dd-yyyy",
        "time_format": "hh:mm a",
        "decimal_separator": "Period",
        "number_separator": "Comma",
        "Isonline": False,
        "Created_Time": seed.format_time(seed.BASE_TIME.replace(year=2023), org.tz_offset),
        "Modified_Time": seed.format_time(seed.BASE_TIME, org.tz_offset),
    }


def _users(ctx: Ctx) -> Response:
    kind = ctx.req.arg("type") or "AllUsers"
    if kind == "CurrentUser":
        users = [ctx.user]
    elif kind in (
        "AllUsers",
        "ActiveUsers",
        "ConfirmedUsers",
        "ActiveConfirmedUsers",
        "AdminUsers",
        "ActiveConfirmedAdmins",
        "NotConfirmedUsers",
        "DeactiveUsers",
        "DeletedUsers",
    ):
        users = seed.org_users(ctx.org.zgid)
        if kind in ("AdminUsers", "ActiveConfirmedAdmins"):
            users = [u for u in users if u.profile == "Administrator"]
        if kind in ("NotConfirmedUsers", "DeactiveUsers", "DeletedUsers"):
            users = []
    else:
        return invalid_param("type")
    if not users:
        return no_content()
    return json_response(
        {
            "users": [_user_json(u, ctx.org) for u in users],
            "info": {"per_page": 200, "count": len(users), "page": 1, "more_records": False},
        }
    )


def _org(ctx: Ctx) -> Response:
    org = ctx.org
    owner = seed.org_users(org.zgid)[0]
    return json_response(
        {
            "org": [
                {
                    "id": org.org_id,
                    "zgid": org.zgid,
                    "company_name": org.name,
                    "domain_name": f"org{org.zgid}",
                    "alias": None,
                    "primary_email": owner.email,
                    "primary_zuid": owner.zuid,
                    "time_zone": org.tz_name,
                    "country": org.country,
                    "country_code": org.country_code,
                    "city": org.city,
                    "street": None,
                    "state": None,
                    "zip": None,
                    "phone": None,
                    "mobile": None,
                    "fax": None,
                    "website": f"https://www.{org.domain}",
                    "currency": org.currency,
                    "iso_code": org.currency,
                    "currency_symbol": org.currency_symbol,
                    "currency_locale": "en_US",
                    "employee_count": "50",
                    "description": None,
                    "type": "Production",
                    "mc_status": False,
                    "gapps_enabled": False,
                    "translation_enabled": False,
                    "privacy_settings": False,
                    "hipaa_compliance_enabled": False,
                    "lite_users_enabled": False,
                    "max_per_page": MAX_PER_PAGE,
                    "photo_id": None,
                    "zia_portal_id": None,
                }
            ]
        }
    )


# ------------------------------------------------------------------------------ read


def _list(ctx: Ctx, module: str) -> Response:
    req = ctx.req
    raw_fields = req.arg("fields")
    if raw_fields is None or raw_fields.strip() == "":
        return param_missing("fields")
    fields, err = _parse_fields(module, raw_fields)
    if err:
        return err
    page, err = _int_param(req, "page", 1)
    if err:
        return err
    per_page, err = _int_param(req, "per_page", MAX_PER_PAGE, MAX_PER_PAGE)
    if err:
        return err
    sort_by = req.arg("sort_by") or "id"
    if sort_by not in ("id", "Created_Time", "Modified_Time"):
        fd = schema.FIELDS[module].get(sort_by)
        if fd is None or not fd.sortable:
            return invalid_param("sort_by")
    sort_order = (req.arg("sort_order") or "desc").lower()
    if sort_order not in ("asc", "desc"):
        return invalid_param("sort_order")
    ids_param = req.arg("ids")
    with ctx.emu.state.lock:
        records = list(ctx.org_data.records[module].values())
    if ids_param:
        wanted = {i.strip() for i in ids_param.split(",") if i.strip()}
        if len(wanted) > MAX_WRITE:
            return crm_error(
                "LIMIT_EXCEEDED",
                "the number of ids exceeds the limit",
                400,
                {"param_name": "ids", "limit": MAX_WRITE},
            )
        records = [r for r in records if r["id"] in wanted]
    records.sort(key=_sort_key(module, sort_by), reverse=(sort_order == "desc"))
    return _paginate(module, records, fields, page, per_page, sort_by, sort_order)


def _get_one(ctx: Ctx, module: str, record_id: str) -> Response:
    fields, err = _parse_fields(module, ctx.req.arg("fields"))
    if err:
        return err
    with ctx.emu.state.lock:
        rec = ctx.org_data.records[module].get(record_id)
        if rec is None:
            return no_content()
        return json_response({"data": [_present(module, rec, fields)]})


# ------------------------------------------------------------------------------ search


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

    def _expr(self):
        node = self._term()
        while self.pos < len(self.text):
            rest = self.text[self.pos :]
            low = rest[:3].lower()
            if low == "and":
                self.pos += 3
                node = ("and", node, self._term())
            elif low[:2] == "or":
                self.pos += 2
                node = ("or", node, self._term())
            else:
                break
        return node

    def _term(self):
        if self.pos >= len(self.text) or self.text[self.pos] != "(":
            raise CriteriaError("expected '('")
        self.pos += 1
        if self.pos < len(self.text) and self.text[self.pos] == "(":
            node = self._expr()
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
    t = fd.data_type
    if t == "integer":
        try:
            return int(value)
        except ValueError as exc:
            raise CriteriaError("invalid value for integer field", fd.api_name) from exc
    if t in ("double", "currency"):
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
    t = fd.data_type
    if t == "datetime":
        parsed = schema.parse_datetime(value)
        return parsed.timestamp() if parsed else None
    if t in ("lookup", "ownerlookup"):
        return value
    if isinstance(value, str):
        return value.lower()
    return value


def _compile(module: str, node):
    kind = node[0]
    if kind in ("and", "or"):
        left, right = _compile(module, node[1]), _compile(module, node[2])
        if kind == "and":
            return lambda rec: left(rec) and right(rec)
        return lambda rec: left(rec) or right(rec)
    _, field, op, raw = node
    fd = schema.FIELDS[module].get(field)
    if field == "id":
        fd = schema.FieldDef("id", "Record Id", "bigint")
    if fd is None:
        raise CriteriaError("invalid field api name", field)
    raw_values = (
        _split_unescaped(raw, ",") if op in ("in", "not_in", "between", "not_between") else [raw]
    )
    if op in ("between", "not_between") and len(raw_values) != 2:
        raise CriteriaError("between needs two values", field)
    if fd.data_type in ("lookup", "ownerlookup"):
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
    textual = fd.data_type in ("text", "textarea", "email", "phone", "website", "picklist")
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


def _search(ctx: Ctx, module: str) -> Response:
    req = ctx.req
    fields, err = _parse_fields(module, req.arg("fields"))
    if err:
        return err
    page, err = _int_param(req, "page", 1)
    if err:
        return err
    per_page, err = _int_param(req, "per_page", MAX_PER_PAGE, MAX_PER_PAGE)
    if err:
        return err
    fdefs = schema.FIELDS[module]
    criteria, email, phone, word = (
        req.arg("criteria"),
        req.arg("email"),
        req.arg("phone"),
        req.arg("word"),
    )
    if criteria:
        try:
            predicate = _compile(module, CriteriaParser(criteria).parse())
        except CriteriaError as exc:
            details = {"reason": exc.reason}
            if exc.api_name:
                details["api_name"] = exc.api_name
            return crm_error("INVALID_QUERY", "invalid query formed", 400, details)
    elif email:
        wanted = email.strip().lower()
        email_fields = [f.api_name for f in fdefs.values() if f.data_type == "email"]

        def predicate(rec):
            return any((rec.get(f) or "").lower() == wanted for f in email_fields)
    elif phone:
        wanted = _digits(phone)
        if not wanted:
            return invalid_param("phone")
        phone_fields = [f.api_name for f in fdefs.values() if f.data_type == "phone"]

        def predicate(rec):
            return any(wanted in _digits(rec.get(f)) for f in phone_fields if rec.get(f))
    elif word:
        wanted = word.strip().lower()
        if len(wanted) < 2:
            return crm_error(
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
        return param_missing("criteria")
    with ctx.emu.state.lock:
        records = [r for r in ctx.org_data.records[module].values() if predicate(r)]
    records.sort(key=lambda r: int(r["id"]))
    return _paginate(module, records, fields, page, per_page, None, None)


# ------------------------------------------------------------------------------ write


def _read_body(ctx: Ctx):
    """Return (items, error_response)."""
    raw = ctx.req.body
    if not raw.strip():
        return None, crm_error("INVALID_DATA", "body", 400, {"expected_data_type": "jsonobject"})
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, crm_error("INVALID_DATA", "body", 400, {"expected_data_type": "jsonobject"})
    if not isinstance(payload, dict):
        return None, crm_error("INVALID_DATA", "body", 400, {"expected_data_type": "jsonobject"})
    if "data" not in payload:
        return None, crm_error(
            "MANDATORY_NOT_FOUND",
            "required field not found",
            400,
            {"api_name": "data", "json_path": "$.data"},
        )
    items = payload["data"]
    if not isinstance(items, list) or not items:
        return None, crm_error(
            "INVALID_DATA",
            "invalid data",
            400,
            {"api_name": "data", "json_path": "$.data", "expected_data_type": "jsonarray"},
        )
    if len(items) > MAX_WRITE:
        return None, crm_error(
            "LIMIT_EXCEEDED",
            "the number of records exceeds the limit",
            400,
            {"api_name": "data", "json_path": "$.data", "limit": MAX_WRITE},
        )
    return items, None


def _resolvers(ctx: Ctx):
    data = ctx.org_data.records

    def resolve_lookup(module, ref_id):
        target = data[module].get(ref_id)
        if target is None:
            return None
        return {"name": target.get(schema.NAME_FIELD[module]), "id": target["id"]}

    def resolve_user(ref_id):
        for user in seed.org_users(ctx.org.zgid):
            if user.crm_ids[ctx.org.zgid] == ref_id:
                return {"name": user.full_name, "id": ref_id, "email": user.email}
        return None

    return resolve_lookup, resolve_user


def _apply(ctx: Ctx, module: str, item, index: int, existing: dict | None) -> dict:
    """Validate one input record; return the new stored record (not yet saved). Raise FieldError."""
    path = f"$.data[{index}]"
    if not isinstance(item, dict):
        raise FieldError(
            "INVALID_DATA", "invalid data", {"expected_data_type": "jsonobject", "json_path": path}
        )
    fdefs = schema.FIELDS[module]
    record = dict(existing) if existing else {}
    # mandatory first (Zoho reports a missing mandatory field before type problems)
    for fd in fdefs.values():
        if not fd.mandatory:
            continue
        present = fd.api_name in item
        value = item.get(fd.api_name)
        blank = value is None or (isinstance(value, str) and not value.strip())
        if (existing is None and (not present or blank)) or (
            existing is not None and present and blank
        ):
            raise FieldError(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                {"api_name": fd.api_name, "json_path": f"{path}.{fd.api_name}"},
            )
    resolve_lookup, resolve_user = _resolvers(ctx)
    for key, value in item.items():
        fd = fdefs.get(key)
        if fd is None or fd.read_only:
            continue  # Zoho ignores unknown and read-only keys
        record[key] = schema.validate_value(
            fd, value, f"{path}.{key}", resolve_lookup, resolve_user
        )
    # unique fields
    for fd in fdefs.values():
        if not fd.unique:
            continue
        value = record.get(fd.api_name)
        if not isinstance(value, str) or not value:
            continue
        for other in ctx.org_data.records[module].values():
            if existing is not None and other["id"] == existing["id"]:
                continue
            other_value = other.get(fd.api_name)
            if isinstance(other_value, str) and other_value.lower() == value.lower():
                raise FieldError(
                    "DUPLICATE_DATA",
                    "duplicate data",
                    {
                        "api_name": fd.api_name,
                        "json_path": f"{path}.{fd.api_name}",
                        "duplicate_record": {
                            "Owner": dict(other.get("Owner") or {}),
                            "module": {"api_name": module, "id": schema.MODULE_IDS[module]},
                            "id": other["id"],
                        },
                    },
                )
    if module in ("Leads", "Contacts"):
        first = record.get("First_Name") or ""
        record["Full_Name"] = f"{first} {record.get('Last_Name') or ''}".strip()
    return record


def _status_for(results: list[dict], success_status: int) -> int:
    ok = sum(1 for r in results if r.get("status") == "success")
    if ok == len(results):
        return success_status
    if ok == 0:
        return 400
    return 207


def _success(message: str, rec: dict) -> dict:
    return {
        "code": "SUCCESS",
        "details": {
            "Modified_Time": rec["Modified_Time"],
            "Modified_By": {"name": rec["Modified_By"]["name"], "id": rec["Modified_By"]["id"]},
            "Created_Time": rec["Created_Time"],
            "id": rec["id"],
            "Created_By": {"name": rec["Created_By"]["name"], "id": rec["Created_By"]["id"]},
            "$approval_state": "approved",
        },
        "message": message,
        "status": "success",
    }


def _create(ctx: Ctx, module: str) -> Response:
    items, err = _read_body(ctx)
    if err:
        return err
    results = []
    with ctx.emu.state.lock:
        for index, item in enumerate(items):
            try:
                record = _apply(ctx, module, item, index, None)
            except FieldError as exc:
                results.append(exc.as_json())
                continue
            now = ctx.now()
            record["id"] = ctx.org_data.ids.next()
            record.setdefault("Owner", dict(ctx.user_ref))
            if record.get("Owner") is None:
                record["Owner"] = dict(ctx.user_ref)
            record["Created_By"] = dict(ctx.user_ref)
            record["Modified_By"] = dict(ctx.user_ref)
            record["Created_Time"] = now
            record["Modified_Time"] = now
            ctx.org_data.records[module][record["id"]] = record
            results.append(_success("record added", record))
    return json_response({"data": results}, _status_for(results, 201))


def _update_many(ctx: Ctx, module: str, url_id: str | None) -> Response:
    items, err = _read_body(ctx)
    if err:
        return err
    if url_id is not None and len(items) > 1:
        return crm_error(
            "INVALID_DATA",
            "only one record can be updated through this URL",
            400,
            {"api_name": "data", "json_path": "$.data"},
        )
    results = []
    with ctx.emu.state.lock:
        store = ctx.org_data.records[module]
        for index, item in enumerate(items):
            record_id = url_id
            if record_id is None:
                raw_id = item.get("id") if isinstance(item, dict) else None
                if raw_id is None:
                    results.append(
                        FieldError(
                            "MANDATORY_NOT_FOUND",
                            "required field not found",
                            {"api_name": "id", "json_path": f"$.data[{index}].id"},
                        ).as_json()
                    )
                    continue
                record_id = str(raw_id)
            existing = store.get(record_id)
            if existing is None:
                details = (
                    {"id": record_id}
                    if url_id is not None
                    else {"api_name": "id", "json_path": f"$.data[{index}].id"}
                )
                results.append(
                    FieldError(
                        "INVALID_DATA", "the id given seems to be invalid", details
                    ).as_json()
                )
                continue
            try:
                record = _apply(ctx, module, item, index, existing)
            except FieldError as exc:
                results.append(exc.as_json())
                continue
            record["id"] = existing["id"]
            record["Modified_By"] = dict(ctx.user_ref)
            record["Modified_Time"] = ctx.now()
            store[record_id] = record
            results.append(_success("record updated", record))
    return json_response({"data": results}, _status_for(results, 200))


def _delete_many(ctx: Ctx, module: str, url_id: str | None) -> Response:
    if url_id is not None:
        ids = [url_id]
    else:
        raw = ctx.req.arg("ids")
        if not raw or not raw.strip():
            return param_missing("ids")
        ids = [i.strip() for i in raw.split(",") if i.strip()]
        if len(ids) > MAX_WRITE:
            return crm_error(
                "LIMIT_EXCEEDED",
                "the number of ids exceeds the limit",
                400,
                {"param_name": "ids", "limit": MAX_WRITE},
            )
    results = []
    with ctx.emu.state.lock:
        store = ctx.org_data.records[module]
        for record_id in ids:
            if record_id not in store:
                results.append(
                    {
                        "code": "INVALID_DATA",
                        "details": {"id": record_id},
                        "message": "the id given seems to be invalid",
                        "status": "error",
                    }
                )
                continue
            del store[record_id]
            _clear_references(ctx, module, record_id)
            results.append(
                {
                    "code": "SUCCESS",
                    "details": {"id": record_id},
                    "message": "record deleted",
                    "status": "success",
                }
            )
    return json_response({"data": results}, _status_for(results, 200))


def _clear_references(ctx: Ctx, module: str, record_id: str):
    for other_module, fdefs in schema.FIELDS.items():
        lookups = [f.api_name for f in fdefs.values() if f.lookup_module == module]
        if not lookups:
            continue
        for rec in ctx.org_data.records[other_module].values():
            for name in lookups:
                ref = rec.get(name)
                if isinstance(ref, dict) and ref.get("id") == record_id:
                    rec[name] = None
