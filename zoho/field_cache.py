"""The SDK's field-metadata files, parsed once per version instead of once per record.

The SDK keeps each connection's field metadata in a JSON file and reads it through
`Initializer.get_json(path)`: three times per call under its process-wide `Utility.lock`,
then once more for every record in the response (a 200-record page parses the same file
200 times). `zoho.sdk_patches` replaces that static method, without editing the installed SDK,
with one that parses a file once per (inode, size, mtime) and hands out a shallow copy: the
SDK adds or deletes top-level keys of what it read (then writes the file back), and the one
change it makes below them is idempotent: turning a record response into a `Record`
(`JSONConverter.is_record_response`) adds the `Record` class's own members (`id`, `tag`,
`created_by`, …) to the module's entry, always the same keys with the same values. So
nested values are shared, and whatever serialises them does it in one step that no other
thread can interleave with (`json.dumps`, `pickle`). Writes through `Utility.write_to_file`
drop the entry at once. The cache is a bounded LRU, so it cannot grow with the number of
connections.

Every SDK record call also starts with `Utility.get_fields(module)` under `Utility.lock`, one
re-entrant lock for the whole process. Once a connection's file holds the module, all that
does is read the file; but the lock is held across GIL switches, so under threads the
requests queue behind whoever holds it (8 threads: 4.8 ms held and 7.6 ms waited per
request, bench/README.md). `zoho.sdk_patches` also wraps `get_fields` with a read-only fast path
that answers exactly as the SDK would when the module is already in this connection's file,
without the lock; anything else (no file yet, module missing, a refresh under way, a
comma-separated list) goes to the SDK's own code, lock and all.

`prefetch` fetches a connection's missing modules outside `Utility.lock`; several
prefetches of one connection at once (the home page's tiles) share each module's fetch
(`_Flight`) instead of asking Zoho for it again.

The files are per host (ZOHO_SDK_RESOURCE_DIR); their contents are also shared through
Django's cache (Redis in production), so a connection's field metadata is fetched from
Zoho once for every worker on every host: before the SDK fetches a module missing from
this host's file, the patched `get_fields` copies it from the shared entry, and one worker
at a time (a cache lock, `core.cache.run_once`) fetches what nobody has yet and
publishes it. The entry is named by the connection's directory and dropped with it.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings

from core.cache import MISSING, cache_delete, cache_get, cache_set, run_once

MAX_FILES = 256
# How long the shared copy of a connection's file lives; a host that has the file keeps it.
SHARED_TTL = 3600

_cache: OrderedDict[str, tuple[tuple[int, int, int], Any]] = OrderedDict()
_lock = threading.Lock()
_counts = {
    "hits": 0,
    "misses": 0,
    "lock_free": 0,
    "seeded": 0,
    "published": 0,
    "prefetched": 0,
    "shared_fetches": 0,
}


def get_json(file_path) -> Any:
    """`Initializer.get_json`, served from memory while the file is unchanged."""
    path = os.fspath(file_path)
    status = os.stat(path)  # FileNotFoundError, as open() would raise
    version = (status.st_ino, status.st_size, status.st_mtime_ns)
    with _lock:
        cached = _cache.get(path)
        if cached is not None and cached[0] == version:
            _cache.move_to_end(path)
            _counts["hits"] += 1
            return _shallow_copy(cached[1])
    with open(path) as handle:
        contents = json.load(handle)
    with _lock:
        _counts["misses"] += 1
        if isinstance(contents, dict):
            _cache[path] = (version, contents)
            _cache.move_to_end(path)
            while len(_cache) > MAX_FILES:
                _cache.popitem(last=False)
    return _shallow_copy(contents)


def _shallow_copy(contents: Any) -> Any:
    return dict(contents) if isinstance(contents, dict) else contents


def write_atomically(file_path, contents: Any) -> None:
    """What the SDK's `Utility.write_to_file` does, without a torn file in between.

    The SDK truncates the file and writes it in place: a worker process on the same host
    (the SDK's lock is per process) reading at that moment got half a file and failed the
    request. A temporary file renamed over the old one is read whole or not at all.
    """
    path = os.fspath(file_path)
    temporary = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    # `json.dumps`, not `json.dump`: the C encoder turns the whole object into text without
    # letting another thread run, while `dump` writes chunk by chunk and another thread's SDK
    # call could add keys to a module's entry meanwhile ("dictionary changed size during
    # iteration", see the module docstring).
    text = json.dumps(contents)
    try:
        with open(temporary, "w") as handle:
            handle.write(text)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def forget(file_path) -> None:
    with _lock:
        _cache.pop(os.fspath(file_path), None)


def stats() -> dict[str, int]:
    """Hits, misses, lock-free `get_fields` and cached files (for tests and benchmarks)."""
    with _lock:
        return {**_counts, "files": len(_cache)}


def _known_module(utility, initializer_class, module_api_name) -> str | None:
    """The module's API name when this thread's connection file already holds it and the
    SDK's `get_fields` would only read; else None (then the SDK's own code runs)."""
    if not isinstance(module_api_name, str) or not module_api_name or "," in module_api_name:
        return None
    if utility.force_refresh or utility.get_modified_modules or utility.new_file:
        return None
    initializer = initializer_class.get_initializer()
    if initializer is None or initializer.sdk_config.get_auto_refresh_fields():
        return None
    try:
        verified = utility.verify_module_api_name(module_api_name)
        contents = get_json(utility.get_file_name())
    except (OSError, ValueError):  # no file yet, or one being written right now
        return None
    # An empty entry is the SDK's placeholder while another thread fetches the fields (it
    # writes `{module: {}}` first, under the lock): wait for that thread, through the lock.
    if not isinstance(contents, dict) or not contents.get(verified.lower()):
        return None
    return verified


# --- shared by every worker on every host -----------------------------------------------------
def shared_key(connection_dir: str) -> str:
    """The cache key of a connection directory's shared file (`connection-<id>`)."""
    return f"sdk-fields:{connection_dir}"


def forget_shared(connection_id: int | str) -> None:
    """Drop a connection's shared field file (the connection is gone)."""
    cache_delete(shared_key(f"connection-{connection_id}"))


def _location(utility, initializer_class) -> tuple[str, str] | None:
    """(connection directory name, this thread's field file) inside an activation, else None."""
    initializer = initializer_class.get_initializer()
    resource_path = getattr(initializer, "resource_path", None)
    if not resource_path:
        return None
    directory = os.path.basename(os.path.normpath(resource_path))
    if not directory.startswith("connection-"):
        return None
    return directory, utility.get_file_name()


def _usable(contents: Any, module: str) -> bool:
    return isinstance(contents, dict) and bool(contents.get(module))


def _seed_from_shared(utility, key: str, file_path: str, module: str) -> bool:
    """Copy the shared file's entries into this host's file when it has `module`."""
    shared = cache_get(key)
    if not isinstance(shared, dict) or shared.get("file") != os.path.basename(file_path):
        return False
    contents = shared.get("contents")
    if not _usable(contents, module):
        return False
    with host_lock(file_path), utility.lock:
        try:
            local = get_json(file_path)
        except (OSError, ValueError):
            local = {}
        if not isinstance(local, dict):
            local = {}
        merged = {**local, **{k: v for k, v in contents.items() if not local.get(k)}}
        utility.write_to_file(file_path=file_path, file_contents=merged)
    _counts["seeded"] += 1
    return True


def _publish(key: str, file_path: str) -> None:
    """Merge this host's file into the shared entry (what it has that the entry lacks)."""
    try:
        local = get_json(file_path)
    except (OSError, ValueError):
        return
    if not isinstance(local, dict):
        return
    name = os.path.basename(file_path)
    shared = cache_get(key)
    contents = shared.get("contents") if isinstance(shared, dict) else None
    if not isinstance(contents, dict) or shared.get("file") != name:
        contents = {}
    merged = {**contents, **{k: v for k, v in local.items() if v}}
    cache_set(key, {"file": name, "contents": merged}, SHARED_TTL)
    _counts["published"] += 1


@contextmanager
def host_lock(file_path: str) -> Iterator[None]:
    """One writer at a time of a field file among this host's processes (`flock`).

    The SDK's own lock is per process. While it fetches a module it leaves a `{module: {}}`
    placeholder in the file, which another worker process took for the module's fields and
    then failed to read a record (502). Every SDK call that may write the file, and every
    copy from the shared cache, holds this lock; reads of a module already there need none.
    """
    os.makedirs(os.path.dirname(file_path), exist_ok=True)
    with open(f"{file_path}.lock", "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _fetch_once(utility, initializer_class, module_api_name, fetch) -> None:
    """`fetch()` (the SDK's own get_fields) after seeding from the shared file; when the
    module is in nobody's file yet, one worker of the fleet fetches and publishes it."""
    location = _location(utility, initializer_class)
    if location is None:
        fetch()
        return
    directory, file_path = location

    def fetch_locked():
        with host_lock(file_path):
            fetch()

    busy = utility.force_refresh or utility.get_modified_modules or utility.new_file
    if busy or not isinstance(module_api_name, str) or "," in module_api_name:
        fetch_locked()
        return
    key = shared_key(directory)
    try:
        module = utility.verify_module_api_name(module_api_name).lower()
    except (OSError, ValueError):
        fetch_locked()
        return

    def seeded():
        return True if _seed_from_shared(utility, key, file_path, module) else MISSING

    def fetch_and_publish():
        if not prefetch(utility, initializer_class, module_api_name):
            fetch_locked()  # the SDK's own way: its errors, under its lock
        _publish(key, file_path)
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
    location = _location(utility, initializer_class)
    if location is None:
        return False
    _, file_path = location
    with utility.lock:
        utility.fill_data_type()  # the SDK's type tables: filled once per process
    try:
        known = get_json(file_path)
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
            with host_lock(file_path), utility.lock:
                try:
                    current = get_json(file_path)
                except (OSError, ValueError):
                    current = {}
                current = current if isinstance(current, dict) else {}
                merged = {**current, **{k: v for k, v in fetched.items() if not current.get(k)}}
                utility.write_to_file(file_path=file_path, file_contents=merged)
    finally:
        _land(mine)
    _counts["prefetched"] += 1
    return True


def _in_file(file_path: str, name: str) -> bool:
    try:
        return _usable(get_json(file_path), name.lower())
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
            _counts["shared_fetches"] += 1
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
    verified = _known_module(utility, initializer_class, module_api_name)
    if verified is None:
        _fetch_once(
            utility,
            initializer_class,
            module_api_name,
            lambda: sdk_get_fields(module_api_name, handler_instance),
        )
        verified = _known_module(utility, initializer_class, module_api_name)
        if verified is None:
            return  # the SDK's own get_fields ran
    else:
        _counts["lock_free"] += 1
    # What the SDK's get_fields_info does for a module already in the file.
    utility.set_handler_api_path(verified, handler_instance)


def get_fields_info(sdk_get_fields_info, module_api_name, handler_instance):
    """What `Utility.get_fields_info` becomes: noted, not run, inside `prefetch`."""
    if _note_related(module_api_name):
        return None
    return sdk_get_fields_info(module_api_name, handler_instance)


def write_to_file(file_path, file_contents) -> None:
    """What `Utility.write_to_file` becomes: atomic, and the cached parse dropped."""
    try:
        write_atomically(file_path, file_contents)
    finally:
        forget(file_path)
