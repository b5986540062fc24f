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

`zoho.field_fetch` fetches a connection's missing modules outside `Utility.lock` (and is
what the patched `get_fields` runs); several prefetches of one connection at once (the home
page's tiles) share each module's fetch instead of asking Zoho for it again.

The files are per host (ZOHO_SDK_RESOURCE_DIR) and per connection; their contents are also
shared through Django's cache (Redis in production), so an org's field metadata is fetched
from Zoho once per Zoho profile for every connection, worker and host: before the SDK
fetches a module missing from this host's file, the patched `get_fields`
(`zoho.field_fetch`) copies it from the shared entry, and one worker at a time (a cache
lock, `core.cache.run_once`) fetches what nobody has yet and publishes it. The entry is
named by the activation's metadata scope (`zoho.metadata_scope`: SDK version, org, its
generation, profile) and lives `ZOHO_METADATA_TTL` seconds; a refreshed org has a new
generation, hence new entries and (`zoho.sdk.resource_dir_for`) new files.
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

from core.cache import cache_get, cache_set

MAX_FILES = 256

_cache: OrderedDict[str, tuple[tuple[int, int, int], Any]] = OrderedDict()
_lock = threading.Lock()
counts = {
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
            counts["hits"] += 1
            return _shallow_copy(cached[1])
    with open(path) as handle:
        contents = json.load(handle)
    with _lock:
        counts["misses"] += 1
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
        return {**counts, "files": len(_cache)}


def known_module(utility, initializer_class, module_api_name) -> str | None:
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
def shared_key(scope: str) -> str:
    """The cache key of the shared field file of a metadata scope (`zoho.metadata_scope`:
    SDK version, data center, org, the org's generation and the Zoho profile)."""
    return f"sdk-fields:{scope}"


def location(utility, initializer_class) -> tuple[str, str] | None:
    """(shared key, this thread's field file) inside an activation, else None.

    The key is the activation's metadata scope (`zoho.sdk.switched(metadata_scope=…)`): one
    shared file per org and profile, whichever connection of them fills it. A block without
    a scope shares nothing.
    """
    initializer = initializer_class.get_initializer()
    scope = getattr(initializer, "metadata_scope", None)
    if not scope or not getattr(initializer, "resource_path", None):
        return None
    return shared_key(scope), utility.get_file_name()


def usable(contents: Any, module: str) -> bool:
    return isinstance(contents, dict) and bool(contents.get(module))


def seed_from_shared(utility, key: str, file_path: str, module: str) -> bool:
    """Copy the shared file's entries into this host's file when it has `module`."""
    shared = cache_get(key)
    if not isinstance(shared, dict):
        return False
    contents = shared.get("contents")
    if not usable(contents, module):
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
    counts["seeded"] += 1
    return True


def publish(key: str, file_path: str) -> None:
    """Merge this host's file into the shared entry (what it has that the entry lacks)."""
    try:
        local = get_json(file_path)
    except (OSError, ValueError):
        return
    if not isinstance(local, dict):
        return
    shared = cache_get(key)
    contents = shared.get("contents") if isinstance(shared, dict) else None
    if not isinstance(contents, dict):
        contents = {}
    merged = {**contents, **{k: v for k, v in local.items() if v}}
    cache_set(key, {"contents": merged}, settings.ZOHO_METADATA_TTL)
    counts["published"] += 1


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


def write_to_file(file_path, file_contents) -> None:
    """What `Utility.write_to_file` becomes: atomic, and the cached parse dropped."""
    try:
        write_atomically(file_path, file_contents)
    finally:
        forget(file_path)
