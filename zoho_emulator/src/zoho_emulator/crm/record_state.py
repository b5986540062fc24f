"""Locked records and records awaiting approval: what a record says about them, what a write
on them answers, and the control plane that sets them.

A record carries ``Locked__s`` (a field, read-only to the API) and ``$approval_state``
(``approved``, ``approval_process_pending`` or ``approval_process_rejected``, the values
Zoho's Search Records page lists for its ``approval_state`` parameter). ``$editable`` is
derived: false while the record is locked or awaiting approval. An update or delete of a
locked record is refused with ``RECORD_LOCKED`` (``details.action: "record_locking"``), of a
record awaiting approval with ``NOT_APPROVED``, in the shapes of Zoho's v8 examples
(``deleteRecord``/``updateRecords`` ``response-400-recordlocked(error)``,
``response-400-notapproved(error)``)."""

from __future__ import annotations

from ..web import Response, json_response

APPROVED = "approved"
PENDING = "approval_process_pending"
REJECTED = "approval_process_rejected"
# The control plane's words for them.
STATES = {"approved": APPROVED, "pending": PENDING, "rejected": REJECTED}

LOCKED_UPDATE = "Sorry, you cannot perform this operation as the record is locked."
LOCKED_DELETE = "You cannot perform this operation as the record is locked."
NOT_APPROVED_UPDATE = "Cannot update record that is not approved yet"
NOT_APPROVED_DELETE = "cannot delete record that is not approved yet"


def approval_state(rec: dict) -> str:
    return rec.get("$approval_state") or APPROVED


def is_locked(rec: dict) -> bool:
    return rec.get("Locked__s") is True


def editable(rec: dict) -> bool:
    return not is_locked(rec) and approval_state(rec) != PENDING


def state_keys(rec: dict) -> dict:
    """The ``$`` keys a record read shows beside its fields."""
    return {"$approval_state": approval_state(rec), "$editable": editable(rec)}


def refusal(rec: dict, action: str, *, index: int | None, url_id: str | None):
    """``None`` when ``action`` (``update``/``delete``) may go ahead on ``rec``; else
    ``(code, message, details, top_level)``: ``top_level`` when Zoho answers the whole
    request with the error rather than a per-record entry in ``data``."""
    record_id = rec["id"]
    if is_locked(rec):
        if action == "delete":
            return (
                "RECORD_LOCKED",
                LOCKED_DELETE,
                {"action": "record_locking", "id": record_id},
                False,
            )
        if url_id is not None:
            # updateRecord (PUT /{module}/{id}) has no locked example; its NOT_APPROVED
            # example is a top-level error naming the path's id: the same shape here.
            details = {"resource_path_index": 1, "action": "record_locking"}
            return ("RECORD_LOCKED", LOCKED_UPDATE, details, True)
        details = {
            "api_name": "id",
            "json_path": f"$.data[{index}].id",
            "action": "record_locking",
        }
        return ("RECORD_LOCKED", LOCKED_UPDATE, details, False)
    if approval_state(rec) == PENDING:
        if action == "delete":
            # deleteRecord's example names the id; deleteRecords' gives empty details.
            details = {"id": record_id} if url_id is not None else {}
            return ("NOT_APPROVED", NOT_APPROVED_DELETE, details, False)
        if url_id is not None:
            return ("NOT_APPROVED", NOT_APPROVED_UPDATE, {"resource_path_index": 1}, True)
        return ("NOT_APPROVED", NOT_APPROVED_UPDATE, {"resource_path_index": 1}, False)
    return None


# ------------------------------------------------------------------------------ control plane


def _bad(message: str) -> Response:
    return json_response({"error": "invalid_request", "message": message}, 400)


def set_record_state(emu, params: dict) -> Response:
    """``POST /_emulator/record-state`` ``{"zgid", "module", "id", "locked": bool,
    "approval_state": "approved"|"pending"|"rejected"}`` (either of the last two may be left
    out, not both)."""
    from .. import seed  # noqa: PLC0415 (the control plane is rarely used)

    zgid = params.get("zgid")
    if not isinstance(zgid, str) or zgid not in seed.org_by_zgid():
        return _bad("zgid must name a demo org (GET /_emulator/users lists them)")
    module = params.get("module")
    if not isinstance(module, str) or not module:
        return _bad("module is required (a module API name such as Leads)")
    record_id = params.get("id")
    if isinstance(record_id, int) and not isinstance(record_id, bool):
        record_id = str(record_id)
    if not isinstance(record_id, str) or not record_id:
        return _bad("id is required (the record's id)")
    has_locked = "locked" in params
    has_state = "approval_state" in params
    if not has_locked and not has_state:
        return _bad("give locked (true/false), approval_state, or both")
    locked = params.get("locked")
    if has_locked and not isinstance(locked, bool):
        return _bad("locked must be true or false")
    state = params.get("approval_state")
    if has_state and state not in STATES:
        return _bad("approval_state must be one of: " + ", ".join(STATES))
    with emu.state.lock:
        org_data = emu.state.orgs[zgid]
        mod = org_data.schema.record_module(module)
        if mod is None:
            return _bad(f"the org has no module {module!r} with records")
        store = org_data.records[mod.api_name]
        rec = store.get(record_id)
        if rec is None:
            return _bad(f"{mod.api_name} has no record {record_id!r} in org {zgid}")
        if has_locked and "Locked__s" not in mod.fields:
            return _bad(f"{mod.api_name} records cannot be locked (no Locked__s field)")
        changed = dict(rec)  # stored records are never changed in place
        if has_locked:
            changed["Locked__s"] = locked
        if has_state:
            changed["$approval_state"] = STATES[state]
        store[record_id] = changed
        org_data.version += 1
        answer = {"Locked__s": changed.get("Locked__s"), **state_keys(changed)}
    return json_response(
        {"status": "success", "module": mod.api_name, "id": record_id, "record": answer}
    )
