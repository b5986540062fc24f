"""Fetching a connection's field metadata: once for the fleet, outside the SDK's lock.

What the patched `Utility.get_fields` / `get_fields_info` run (`zoho.sdk_patches`):
- a module already in this connection's field file is read without the SDK's lock
  (`field_cache.known_module`);
- else, the shared copy (Django's cache) seeds this host's file, or one worker of the fleet
  fetches the module and publishes it (`_fetch_once`, `core.cache.run_once`);
- the fetch itself is `prefetch`: the SDK's own `get_fields_details`, one module at a time,
  with no lock held; the related modules it reaches are noted and fetched next, and several
  prefetches of one connection share each module's fetch (`_Flight`).
The file cache, the shared entry and the host lock are `zoho.field_cache`'s.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings

from core.cache import MISSING, run_once
from zoho import field_cache


def _fetch_once(utility, initializer_class, module_api_name, fetch) -> None:
    """`fetch()` (the SDK's own get_fields) after seeding from the shared file; when the
    module is in nobody's file yet, one worker of the fleet fetches and publishes it."""
    location = field_cache.location(utility, initializer_class)
    if location is None:
        fetch()
        return
    key, file_path = location

    def fetch_locked():
        with field_cache.host_lock(file_path):
            fetch()

    busy = utility.force_refresh or utility.get_modified_modules or utility.new_file
    if busy or not isinstance(module_api_name, str) or "," in module_api_name:
        fetch_locked()
        return
    try:
        module = utility.verify_module_api_name(module_api_name).lower()
    except (OSError, ValueError):
        fetch_locked()
        return

    def seeded():
        return True if field_cache.seed_from_shared(utility, key, file_path, module) else MISSING

    def fetch_and_publish():
        if not prefetch(utility, initializer_class, module_api_name):
            fetch_locked()  # the SDK's own way: its errors, under its lock
        field_cache.publish(key, file_path)
        return False

    run_once(key + ":" + module, done=seeded, work=fetch_and_publish)


# --- the first request of a connection, outside the SDK's process-wide lock ----------------------
_prefetching = threading.local()  # .related: the modules set_data_type asked for meanwhile


def prefetch(utility, initializer_class, module_api_name) -> bool:
    """Add `module_api_name`, and every module its lookups and subforms reach, to this
    connection's field file, asking Zoho *outside* `Utility.lock`; True when the module is
    in the file afterwards.

    The SDK fetches a connection's field metadata under its process-wide lock, so every
    other request of the process, whatever its connection, waited for those round trips
    (several: Leads reaches six modules). Here the SDK's own `get_fields_details` does the
    fetching and converting, one module at a time, with no lock held; the modules its
    `set_data_type` would have fetched right then, under the lock, are noted instead
    (`_note_related`) and fetched next. Only writing the file holds the lock, briefly. A
    failure of the module itself (no permission, say) returns False and leaves the module to
    the SDK's own code, errors and all.
    """
    location = field_cache.location(utility, initializer_class)
    if location is None:
        return False
    _, file_path = location
    with utility.lock:
        utility.fill_data_type()  # the SDK's type tables: filled once per process
    try:
        known = field_cache.get_json(file_path)
    except (OSError, ValueError):
        known = {}
    known = known if isinstance(known, dict) else {}
    first = utility.verify_module_api_name(module_api_name)
    fetched: dict[str, Any] = {}
    pending = [first]
    mine: list = []  # the fetches this prefetch started, that others may wait for
    try:
        while pending:
            name = pending.pop()
            if not isinstance(name, str) or name.lower() in fetched or known.get(name.lower()):
                continue
            if _in_file(file_path, name):  # another prefetch wrote it meanwhile
                continue
            details, related = _fetch_details(utility, file_path, name, mine)
            if not details:
                if name == first:
                    return False
                continue  # a module a lookup reaches but this user may not see: as the SDK does
            fetched[name.lower()] = details
            pending.extend(related)
        if fetched:
            with field_cache.host_lock(file_path), utility.lock:
                try:
                    current = field_cache.get_json(file_path)
                except (OSError, ValueError):
                    current = {}
                current = current if isinstance(current, dict) else {}
                merged = {**current, **{k: v for k, v in fetched.items() if not current.get(k)}}
                utility.write_to_file(file_path=file_path, file_contents=merged)
    finally:
        _land(mine)
    field_cache.counts["prefetched"] += 1
    return True


def _in_file(file_path: str, name: str) -> bool:
    try:
        return field_cache.usable(field_cache.get_json(file_path), name.lower())
    except (OSError, ValueError):
        return False


class _Flight:
    """One fetch of one module's fields for one connection file, and who waits for it."""

    def __init__(self):
        self.done = threading.Event()
        self.details: Any = None
        self.related: list = []


# A module several prefetches of one connection reach at the same time (the home page asks
# for its tiles a few at once, and Leads, Contacts and Deals all reach Accounts) is fetched
# once: the others wait for that fetch and take its answer. A flight lasts until its
# prefetch has written the file, after which the file itself has the module: nothing is
# kept in memory past that (a forgotten file is fetched again).
_flights: dict[tuple[str, str], _Flight] = {}
_flights_lock = threading.Lock()


def _fetch_details(utility, file_path: str, name: str, mine: list) -> tuple[Any, list]:
    """The SDK's `get_fields_details(name)` for this connection's file and the related
    modules it reaches; a fetch of the same module already under way is waited for instead.
    The keys of the flights this call started are added to `mine` (ended by `prefetch`)."""
    key = (file_path, name.lower())
    with _flights_lock:
        flight = _flights.get(key)
        if flight is None:
            flight = _flights[key] = _Flight()
            mine.append(key)
            owner = True
        else:
            owner = False
    if not owner:
        if flight.done.wait(timeout=float(settings.ZOHO_HTTP_TIMEOUT) + 5):
            field_cache.counts["shared_fetches"] += 1
            return flight.details, list(flight.related)
        # That fetch is stuck: fetch it here too.
    _prefetching.related = []
    try:
        details = utility.get_fields_details(name)
    except Exception:  # noqa: BLE001 - the SDK's own path decides what the error means
        details = None
    finally:
        related, _prefetching.related = _prefetching.related, None
    if owner:
        flight.details, flight.related = details, list(related)
        flight.done.set()
    return details, related


def _land(keys: list) -> None:
    """The flights a prefetch started end: its file is written (or it gave up)."""
    with _flights_lock:
        for key in keys:
            flight = _flights.pop(key, None)
            if flight is not None:
                flight.done.set()  # a waiter never waits for a fetch that will not come


def _note_related(module_api_name) -> bool:
    """Inside `prefetch`, the SDK's `get_fields_info` for a related module is noted, not run
    (it would fetch under the lock); True when it was."""
    related = getattr(_prefetching, "related", None)
    if related is None:
        return False
    related.append(module_api_name)
    return True


def get_fields(utility, initializer_class, sdk_get_fields, module_api_name, handler_instance):
    """What `Utility.get_fields` becomes (`zoho.sdk_patches`): the lock-free read of a module
    already in this connection's file, else the shared copy or one fetch for the fleet, else
    the SDK's own `sdk_get_fields`."""
    verified = field_cache.known_module(utility, initializer_class, module_api_name)
    if verified is None:
        _fetch_once(
            utility,
            initializer_class,
            module_api_name,
            lambda: sdk_get_fields(module_api_name, handler_instance),
        )
        verified = field_cache.known_module(utility, initializer_class, module_api_name)
        if verified is None:
            return  # the SDK's own get_fields ran
    else:
        field_cache.counts["lock_free"] += 1
    # What the SDK's get_fields_info does for a module already in the file.
    utility.set_handler_api_path(verified, handler_instance)


def get_fields_info(sdk_get_fields_info, module_api_name, handler_instance):
    """What `Utility.get_fields_info` becomes: noted, not run, inside `prefetch`."""
    if _note_related(module_api_name):
        return None
    return sdk_get_fields_info(module_api_name, handler_instance)
