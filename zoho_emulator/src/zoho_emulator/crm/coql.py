"""``POST /crm/v8/coql``: COQL SELECT queries (zoho/crm-oas v8.0 ``coql.json``, operation
executeCOQLQuery; Zoho's "Query API" overview and limitations pages).

What is served: ``SELECT col[, col…] FROM Module [WHERE criteria] [ORDER BY col [ASC|DESC]
[, …]] [LIMIT n | LIMIT offset, n | LIMIT n OFFSET offset]``. Criteria: ``=``, ``!=``, ``<``,
``<=``, ``>``, ``>=``, ``[not] like``, ``[not] in (…)``, ``between … and …``, ``is [not]
null``, joined with ``and``/``or`` and parentheses. Not served (answered INVALID_QUERY or
SYNTAX_ERROR): joins (``Account_Name.Account_Name``), aggregates, GROUP BY, sub-queries.

Limits as the v8 limitations page gives them: at most 50 columns, 10 ORDER BY columns,
LIMIT 2,000 a call, offset + LIMIT within 100,000 records. A column whose field metadata is
not ``sortable`` cannot be in ORDER BY; image upload fields cannot be selected at all.
Lookups (and Owner) come back as ``{"id"}`` only, as COQL answers them.
"""

from __future__ import annotations

import json
import re

from .. import schema
from ..web import Response, json_response, no_content
from .context import Ctx, module_scope_ok
from .errors import crm_error, scope_mismatch

MAX_COLUMNS = 50
MAX_ORDER_BY = 10
MAX_LIMIT = 2000
DEFAULT_LIMIT = 200
MAX_REACH = 100_000  # offset + limit
UNSELECTABLE = ("imageupload",)
KEYWORDS = {
    "select",
    "from",
    "where",
    "order",
    "by",
    "asc",
    "desc",
    "limit",
    "offset",
    "and",
    "or",
    "not",
    "is",
    "null",
    "like",
    "in",
    "between",
}

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>'(?:[^']|'')*'|"(?:[^"]|"")*")
      | (?P<num>-?\d+(?:\.\d+)?)
      | (?P<op><=|>=|!=|<>|=|<|>)
      | (?P<punct>[(),*])
      | (?P<word>[A-Za-z_$][A-Za-z0-9_$.]*)
    )""",
    re.VERBOSE,
)


class QueryError(Exception):
    def __init__(self, response: Response):
        super().__init__(response.crm_code)
        self.response = response


def syntax_error(near: str, line: int = 1, column: int = 1) -> QueryError:
    """Where parsing stopped: ``line``, ``column`` (1-based) and the text ``near`` it, the
    Parse_Error_Details shape of coql.json (the example response-400-syntaxerrornear shows
    ``near`` alone; the spec requires all three)."""
    return QueryError(
        crm_error(
            "SYNTAX_ERROR",
            "error occured while parsing the query",
            400,
            {"line": line, "column": column, "near": near[:1000]},
        )
    )


def invalid_column(name: str, clause: str | None = None) -> QueryError:
    details = {"column_name": name}
    if clause:
        details["clause"] = clause
    return QueryError(crm_error("INVALID_QUERY", "column given seems to be invalid", 400, details))


def limit_exceeded(message: str, details: dict) -> QueryError:
    return QueryError(crm_error("LIMIT_EXCEEDED", message, 400, details))


def _where(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of ``pos`` in ``text``."""
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def tokenize(text: str) -> tuple[list[tuple[str, str]], list[tuple[int, int]]]:
    """The query's tokens ``(kind, value)`` and where each starts ``(line, column)``."""
    tokens, pos = [], 0
    text = text.rstrip().rstrip(";")
    positions = []
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            start = pos + len(text[pos:]) - len(text[pos:].lstrip())
            raise syntax_error(text[start : start + 40], *_where(text, start))
        kind = match.lastgroup
        value = match.group(kind)
        positions.append(_where(text, match.start(kind)))
        if kind == "word" and value.lower() in KEYWORDS:
            kind, value = "kw", value.lower()
        tokens.append((kind, value))
        pos = match.end()
    return tokens, positions


class Parser:
    def __init__(self, tokens, positions):
        self.tokens = tokens
        self.positions = positions
        self.i = 0

    def error(self, near: str) -> QueryError:
        """A SYNTAX_ERROR at the token being read (the last one past the end)."""
        if not self.positions:
            return syntax_error(near)
        at = min(self.i, len(self.positions) - 1)
        if at > 0 and self.tokens[at - 1][1] == near and self.tokens[at][1] != near:
            at -= 1  # the token just taken is the wrong one
        return syntax_error(near, *self.positions[at])

    def peek(self, offset: int = 0):
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else ("end", "")

    def take(self):
        token = self.peek()
        self.i += 1
        return token

    def near(self) -> str:
        return self.peek()[1] or (self.tokens[-1][1] if self.tokens else "")

    def keyword(self, word: str) -> bool:
        if self.peek() == ("kw", word):
            self.i += 1
            return True
        return False

    def expect_kw(self, word: str):
        if not self.keyword(word):
            raise self.error(self.near() or word)

    def name(self) -> str:
        kind, value = self.take()
        if kind == "word":
            return value
        if kind == "str":  # reserved words as column names go in quotes
            return value[1:-1]
        raise self.error(value or "end of query")

    def number(self) -> int:
        kind, value = self.take()
        if kind != "num" or "." in value or value.startswith("-"):
            raise QueryError(
                crm_error("INVALID_QUERY", "limit given seems to be invalid", 400, {"limit": value})
            )
        return int(value)

    def parse(self) -> dict:
        self.expect_kw("select")
        columns = [self.name()]
        while self.peek() == ("punct", ","):
            self.take()
            columns.append(self.name())
        self.expect_kw("from")
        module = self.name()
        where = None
        if self.keyword("where"):
            where = self.expr()
        order = []
        if self.keyword("order"):
            self.expect_kw("by")
            while True:
                column = self.name()
                direction = "asc"
                if self.keyword("desc"):
                    direction = "desc"
                else:
                    self.keyword("asc")
                order.append((column, direction))
                if self.peek() != ("punct", ","):
                    break
                self.take()
        offset, limit = 0, DEFAULT_LIMIT
        if self.keyword("limit"):
            first = self.number()
            if self.peek() == ("punct", ","):
                self.take()
                offset, limit = first, self.number()
            else:
                limit = first
                if self.keyword("offset"):
                    offset = self.number()
        elif self.keyword("offset"):
            offset = self.number()
        if self.peek()[0] != "end":
            raise self.error(self.near())
        return {
            "columns": columns,
            "module": module,
            "where": where,
            "order": order,
            "offset": offset,
            "limit": limit,
        }

    def expr(self):
        node = self.term()
        while self.peek() in (("kw", "and"), ("kw", "or")):
            op = self.take()[1]
            node = (op, node, self.term())
        return node

    def term(self):
        if self.peek() == ("punct", "("):
            self.take()
            node = self.expr()
            if self.take() != ("punct", ")"):
                raise self.error(self.near() or ")")
            return node
        column = self.name()
        kind, value = self.take()
        if kind == "op":
            return ("cmp", column, "!=" if value == "<>" else value, self.value())
        if (kind, value) == ("kw", "is"):
            negate = self.keyword("not")
            self.expect_kw("null")
            return ("notnull" if negate else "null", column)
        negate = False
        if (kind, value) == ("kw", "not"):
            negate = True
            kind, value = self.take()
        if (kind, value) == ("kw", "like"):
            return ("like", column, self.value(), negate)
        if (kind, value) == ("kw", "in"):
            if self.take() != ("punct", "("):
                raise self.error(self.near())
            values = [self.value()]
            while self.peek() == ("punct", ","):
                self.take()
                values.append(self.value())
            if self.take() != ("punct", ")"):
                raise self.error(self.near())
            return ("in", column, values, negate)
        if (kind, value) == ("kw", "between") and not negate:
            low = self.value()
            self.expect_kw("and")
            return ("between", column, low, self.value())
        raise self.error(value or "end of query")

    def value(self):
        kind, value = self.take()
        if kind == "str":
            quote = value[0]
            return value[1:-1].replace(quote * 2, quote)
        if kind == "num":
            return float(value) if "." in value else int(value)
        if (kind, value) == ("kw", "null"):
            return None
        if kind == "word" and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise self.error(value or "end of query")


# ------------------------------------------------------------------------------ evaluation
def _plain(value):
    """A record's value as COQL compares it: a lookup by its id."""
    if isinstance(value, dict):
        return value.get("id")
    return value


def _compare(a, b):
    if isinstance(a, str) and isinstance(b, str):
        return a.lower(), b.lower()
    if isinstance(a, str) and isinstance(b, int | float) and not isinstance(b, bool):
        try:
            return float(a), b
        except ValueError:
            return a, str(b)
    return a, b


def matches(node, rec: dict) -> bool:  # noqa: C901 - one branch per operator
    op = node[0]
    if op in ("and", "or"):
        left, right = matches(node[1], rec), matches(node[2], rec)
        return (left and right) if op == "and" else (left or right)
    value = _plain(rec.get(node[1])) if node[1] != "id" else rec["id"]
    if op == "null":
        return value in (None, "", [])
    if op == "notnull":
        return value not in (None, "", [])
    if op == "like":
        pattern = "^" + re.escape(str(node[2])).replace("%", ".*") + "$"
        hit = value is not None and re.match(pattern, str(value), re.IGNORECASE) is not None
        return hit != node[3]
    if op == "in":
        hit = any(_eq(value, v) for v in node[2])
        return hit != node[3]
    if value is None:
        return node[0] == "cmp" and node[2] == "!=" and node[3] is not None
    try:
        if op == "between":
            a, low = _compare(value, node[2])
            a, high = _compare(value, node[3])
            return low <= a <= high
        a, b = _compare(value, node[3])
        return {
            "=": lambda: a == b,
            "!=": lambda: a != b,
            "<": lambda: a < b,
            "<=": lambda: a <= b,
            ">": lambda: a > b,
            ">=": lambda: a >= b,
        }[node[2]]()
    except TypeError:
        return False


def _eq(value, other) -> bool:
    a, b = _compare(value, other)
    return a == b


def _columns_of(node) -> list[str]:
    if node is None:
        return []
    if node[0] in ("and", "or"):
        return _columns_of(node[1]) + _columns_of(node[2])
    return [node[1]]


def _key(fdefs, column: str):
    fd = fdefs.get(column)

    def key(rec):
        if column == "id":
            return (0, int(rec["id"]))
        value = rec.get(column)
        if value in (None, "", []):
            return (1, 0, "")
        if fd is not None and fd.data_type == "datetime":
            parsed = schema.parse_datetime(value)
            return (0, 0, parsed.timestamp() if parsed else 0)
        if isinstance(value, dict):  # a lookup orders by the id it stores
            return (0, 0, int(value.get("id") or 0))
        if isinstance(value, bool):
            return (0, 0, int(value))
        if isinstance(value, int | float):
            return (0, 0, value)
        return (0, 1, str(value).lower())

    return key


def _shown(value):
    if isinstance(value, dict):
        return {"id": value.get("id")}
    return json.loads(json.dumps(value)) if isinstance(value, list) else value


# ------------------------------------------------------------------------------ handler
def run_query(ctx: Ctx) -> Response:
    try:
        payload = json.loads(ctx.req.body.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        payload = None
    if not isinstance(payload, dict):
        return crm_error("INVALID_DATA", "body", 400, {"expected_data_type": "jsonobject"})
    text = payload.get("select_query")
    if not isinstance(text, str) or not text.strip():
        return crm_error(
            "MANDATORY_NOT_FOUND", "required field not found", 400, {"api_name": "select_query"}
        )
    try:
        return _answer(ctx, Parser(*tokenize(text)).parse())
    except QueryError as error:
        return error.response


def _answer(ctx: Ctx, query: dict) -> Response:
    mod = ctx.schema.module(query["module"])
    if mod is None or not mod.api_supported:
        return crm_error("INVALID_MODULE", "the given module is not supported in api", 400, {})
    module = mod.api_name
    if not module_scope_ok(ctx.at.scopes, module.lower(), "READ"):
        return scope_mismatch()
    denied = ctx.denied(module, "READ")
    if denied is not None:
        return denied
    fdefs = ctx.schema.fields(module)
    columns = query["columns"]
    if len(columns) > MAX_COLUMNS:
        raise limit_exceeded(
            "select column limit exceeded", {"limit": MAX_COLUMNS, "clause": "select"}
        )
    seen = set()
    for name in columns:
        if name != "id" and name not in fdefs:
            raise invalid_column(name)
        if name in seen:
            raise QueryError(
                crm_error("DUPLICATE_DATA", "duplicate data", 400, {"column_name": name})
            )
        seen.add(name)
        if name != "id" and fdefs[name].data_type in UNSELECTABLE:
            raise QueryError(
                crm_error("INVALID_QUERY", "unsupported column", 400, {"column_name": name})
            )
    for name in _columns_of(query["where"]):
        if name != "id" and name not in fdefs:
            raise invalid_column(name, "where")
    order = query["order"]
    if len(order) > MAX_ORDER_BY:
        raise limit_exceeded(
            "order by column limit exceeded", {"limit": MAX_ORDER_BY, "clause": "order by"}
        )
    ordered = set()
    for name, _direction in order:
        if name != "id" and name not in fdefs:
            raise invalid_column(name, "order by")
        if name != "id" and not fdefs[name].sortable:
            raise QueryError(
                crm_error(
                    "INVALID_QUERY",
                    "unsupported column",
                    400,
                    {"column_name": name, "clause": "order by"},
                )
            )
        if name in ordered:
            raise QueryError(
                crm_error("DUPLICATE_DATA", "duplicate data", 400, {"column_name": name})
            )
        ordered.add(name)
    offset, limit = query["offset"], query["limit"]
    if limit < 1:
        raise QueryError(
            crm_error(
                "INVALID_QUERY", "limit given seems to be invalid", 400, {"limit": str(limit)}
            )
        )
    if limit > MAX_LIMIT:
        raise limit_exceeded("limit exceeded", {"limit": MAX_LIMIT})
    if offset + limit > MAX_REACH:
        raise QueryError(
            crm_error(
                "INVALID_QUERY", "offset given seems to be invalid", 400, {"offset": str(offset)}
            )
        )
    where = query["where"]
    with ctx.emu.state.lock:
        records = [
            r for r in ctx.org_data.records[module].values() if where is None or matches(where, r)
        ]
    # Zoho sorts by id, ascending, when the query names no order; ties fall back to the id.
    records.sort(key=lambda r: int(r["id"]))
    for name, direction in reversed(order):
        records.sort(key=_key(fdefs, name), reverse=direction == "desc")
    chunk = records[offset : offset + limit]
    if not chunk:
        return no_content()
    data = []
    for rec in chunk:
        row = {name: _shown(rec.get(name)) for name in columns if name != "id"}
        row["id"] = rec["id"]
        data.append(row)
    more = len(records) > offset + limit and offset + limit < MAX_REACH
    return json_response({"data": data, "info": {"count": len(data), "more_records": more}})
