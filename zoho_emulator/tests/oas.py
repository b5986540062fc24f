"""Validate emulator answers against Zoho's own OpenAPI specs for CRM v8 (``zoho/crm-oas``).

The specs are not part of this repository (they are Zoho's; nothing fetched from a public
repository is committed here): point ``ZOHO_CRM_OAS`` at a checkout of
https://github.com/zoho/crm-oas (the folder that holds ``v8.0/``).

The spec files refer to each other with full URLs into GitHub
(``https://raw.githubusercontent.com/Zohocorp-Pvt-Ltd/crm-oas/refs/heads/main/v8.0/users.json#/...``).
:class:`ZohoSpecs` serves those URLs from the checkout (any owner or branch, one ``v8.0/*.json``
file each) and refuses every other remote reference, so validation never touches the network.

Where a spec is itself wrong, :data:`~oas_defects.ALLOWANCES` patches that
one place in memory before validation (each with its evidence; zoho_emulator/README.md lists
them under "Spec defects"); everything else is validated as Zoho wrote it.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from jsonschema_path import SchemaPath
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_spec_validator.shortcuts import get_validator_cls

SPEC_ENV = "ZOHO_CRM_OAS"
VERSION_DIR = "v8.0"
HOW_TO_RUN = (
    f"set {SPEC_ENV} to a checkout of Zoho's CRM OpenAPI specs "
    f"(git clone https://github.com/zoho/crm-oas; {SPEC_ENV}=/path/to/crm-oas, "
    f"the folder holding {VERSION_DIR}/)"
)
# What the specs' cross-file $refs look like (raw.githubusercontent.com or github.com, any
# owner and branch); group 1 is the file name inside v8.0/.
SPEC_URL = re.compile(
    r"^https?://(?:raw\.githubusercontent\.com|github\.com)/[^/]+/crm-oas/"
    r"(?:.*/)?v8\.0/([A-Za-z0-9_]+\.json)$"
)
# The one URL each spec file is known by (its own id; the files' own $refs use this form).
CANONICAL = "https://raw.githubusercontent.com/Zohocorp-Pvt-Ltd/crm-oas/refs/heads/main/v8.0/{}"
SERVER = "https://zohoapis.com"


class ConformanceError(AssertionError):
    """An answer the spec does not allow (the message says where and why)."""


def spec_root() -> Path | None:
    """The checkout named by ``ZOHO_CRM_OAS`` if it holds ``v8.0/``, else ``None``."""
    value = os.environ.get(SPEC_ENV, "").strip()
    if not value:
        return None
    root = Path(value).expanduser()
    return root if (root / VERSION_DIR).is_dir() else None


def pointer_parts(pointer: str) -> list[str]:
    """A JSON pointer (RFC 6901) as its unescaped parts."""
    if pointer in ("", "/"):
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]


def resolve_pointer(doc, pointer: str):
    node = doc
    for part in pointer_parts(pointer):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


@dataclass(frozen=True)
class Allowance:
    """One documented defect of a spec file, corrected in memory before validation.

    ``targets`` are JSON pointers into ``file``; ``fix(node)`` returns the corrected node
    (it receives a copy). :meth:`ZohoSpecs.document` fails if a target is gone or the fix
    changes nothing there, so an allowance disappears the day Zoho fixes the spec.
    """

    name: str
    file: str
    targets: tuple[str, ...]
    fix: Callable
    why: str  # what is wrong and the evidence (file, pointer, the example that contradicts it)


@dataclass(frozen=True)
class Operation:
    """One operation of one spec file, by its ``operationId``."""

    file: str
    operation_id: str

    def __str__(self) -> str:
        return f"{self.file}#{self.operation_id}"


class ZohoSpecs:
    """Zoho's v8.0 spec files from a local checkout, with the allowances applied."""

    def __init__(self, root: Path, allowances: Iterable[Allowance] = ()):
        self.root = root
        self.allowances = tuple(allowances)
        self._docs: dict[str, dict] = {}
        self._apis: dict[Operation, tuple[OpenAPI, str, str]] = {}

    # ------------------------------------------------------------------ documents
    def raw(self, name: str) -> dict:
        """A spec file as Zoho wrote it."""
        with open(self.root / VERSION_DIR / name, encoding="utf-8") as fh:
            return json.load(fh)

    def document(self, name: str) -> dict:
        """A spec file with its allowances applied (cached)."""
        if name not in self._docs:
            doc = self.raw(name)
            for allowance in self.allowances:
                if allowance.file == name:
                    apply_allowance(doc, allowance)
            self._docs[name] = doc
        return self._docs[name]

    def handler(self, uri: str) -> dict:
        """jsonschema-path's retriever for remote $refs: the checkout's copy, never the net."""
        match = SPEC_URL.match(uri.split("#", 1)[0])
        if match is None:
            raise ConformanceError(f"a $ref outside zoho/crm-oas {VERSION_DIR}: {uri}")
        return copy.deepcopy(self.document(match[1]))

    @cached_property
    def handlers(self) -> dict:
        return {"http": self.handler, "https": self.handler, "<all_urls>": self.handler}

    # ------------------------------------------------------------------ operations
    def find(self, op: Operation) -> tuple[str, str, dict]:
        """(path template, method, operation object) of ``op`` in its (patched) file."""
        found = [
            (path, method, obj)
            for path, item in self.document(op.file)["paths"].items()
            for method, obj in item.items()
            if isinstance(obj, dict) and obj.get("operationId") == op.operation_id
        ]
        if len(found) != 1:
            raise ConformanceError(f"{op}: {len(found)} operations have this operationId")
        return found[0]

    def api(self, op: Operation) -> tuple[OpenAPI, str, str]:
        """An openapi-core app for the spec trimmed to this one operation (so paths that
        share a template, e.g. ``/{module}/{id}`` and ``/{module}/{external_field_value}``,
        cannot be confused), its path template and method."""
        if op not in self._apis:
            path, method, _ = self.find(op)
            doc = copy.deepcopy(self.document(op.file))
            item = doc["paths"][path]
            # the one method, and what the path item shares (its parameters list)
            doc["paths"] = {
                path: {k: v for k, v in item.items() if k == method or not isinstance(v, dict)}
            }
            spec = SchemaPath.from_dict(
                doc, base_uri=CANONICAL.format(op.file), handlers=self.handlers
            )
            # openapi-core's own spec check would fetch the $refs from GitHub: run it here,
            # on this SchemaPath (whose handlers read the checkout), and switch that one off.
            get_validator_cls(doc)(spec).validate()
            self._apis[op] = (OpenAPI(spec, config=Config(spec_validator_cls=None)), path, method)
        return self._apis[op]

    def validate(
        self,
        op: Operation,
        *,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: dict | None = None,
        server: str = SERVER,
    ) -> None:
        """Raise :class:`ConformanceError` unless the spec allows this answer to ``op``
        (status, media type, declared headers, body schema). ``server``: the operation's own
        host where the spec names one (Bulk Write's Upload File: content.zohoapis.com)."""
        app, path, method = self.api(op)
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        request = MockRequest(server, method, concrete, path_pattern=path)
        response = MockResponse(
            body,
            status_code=status,
            headers=headers or {},
            content_type=(content_type or "").split(";")[0].strip(),
        )
        try:
            app.validate_response(request, response)
        except Exception as exc:  # openapi-core's errors carry the schema errors as causes
            raise ConformanceError(f"{op} {status}: {explain(exc)}") from exc


def apply_allowance(doc: dict, allowance: Allowance) -> None:
    for target in allowance.targets:
        *parents, last = pointer_parts(target)
        try:
            parent = doc
            for part in parents:
                parent = parent[int(part)] if isinstance(parent, list) else parent[part]
            key = int(last) if isinstance(parent, list) else last
            before = parent[key]
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise ConformanceError(
                f"allowance {allowance.name}: {allowance.file}#{target} is gone "
                "(has Zoho fixed the spec? drop the allowance)"
            ) from exc
        after = allowance.fix(copy.deepcopy(before))
        if after == before:
            raise ConformanceError(
                f"allowance {allowance.name}: {allowance.file}#{target} needs no fix any more "
                "(has Zoho fixed the spec? drop the allowance)"
            )
        parent[key] = after


def explain(exc: BaseException) -> str:
    """openapi-core's error and the schema errors underneath it, one per line (values cut)."""
    lines = [f"{type(exc).__name__}: {_cut(str(exc))}"]
    seen = {id(exc)}
    stack = [exc]
    while stack:
        err = stack.pop()
        for inner in [getattr(err, "__cause__", None), *getattr(err, "schema_errors", ())]:
            if inner is None or id(inner) in seen:
                continue
            seen.add(id(inner))
            stack.append(inner)
            lines.extend(_schema_error_lines(inner))
    return "\n  ".join(lines)


def _cut(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _schema_error_lines(err) -> list[str]:
    """A jsonschema error as ``at /pointer: message``, with each failed oneOf branch's own
    errors (the leaves) beneath it."""
    path = getattr(err, "absolute_path", None)
    if path is None:
        return [f"{type(err).__name__}: {_cut(str(err))}"]
    lines = [f"at /{'/'.join(str(p) for p in path)}: {_cut(err.message)}"]
    for sub in getattr(err, "context", None) or ():
        branch = list(sub.relative_schema_path)[:1]
        where = "/".join(str(p) for p in sub.absolute_path)
        lines.append(f"    branch {branch} at /{where}: {_cut(sub.message)}")
    return lines
