"""The SDK's field-metadata files, parsed once per version instead of once per record.

The SDK keeps each connection's field metadata in a JSON file and reads it through
`Initializer.get_json(path)`: three times per call under its process-wide `Utility.lock`,
then once more for every record in the response (a 200-record page parses the same file
200 times). `install()` replaces that static method, without editing the installed SDK,
with one that parses a file once per (inode, size, mtime) and hands out a shallow copy: the
SDK only ever adds or deletes top-level keys of what it read (then writes the file back), so
nested values can be shared read-only. Writes through `Utility.write_to_file` drop the
entry at once. The cache is a bounded LRU, so it cannot grow with the number of connections.

Every SDK record call also starts with `Utility.get_fields(module)` under `Utility.lock`, one
re-entrant lock for the whole process. Once a connection's file holds the module, all that
does is read the file; but the lock is held across GIL switches, so under threads the
requests queue behind whoever holds it (8 threads: 4.8 ms held and 7.6 ms waited per
request, bench/README.md). `install()` also wraps `get_fields` with a read-only fast path
that answers exactly as the SDK would when the module is already in this connection's file,
without the lock; anything else (no file yet, module missing, a refresh under way, a
comma-separated list) goes to the SDK's own code, lock and all.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from typing import Any

MAX_FILES = 256

_cache: OrderedDict[str, tuple[tuple[int, int, int], Any]] = OrderedDict()
_lock = threading.Lock()
_counts = {"hits": 0, "misses": 0, "lock_free": 0}


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


def install() -> None:
    """Route the SDK's metadata reads through the cache (idempotent)."""
    from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
    from zohocrmsdk.src.com.zoho.crm.api.util.utility import Utility

    if getattr(Initializer.get_json, "__module__", None) == __name__:
        return
    original_write = Utility.write_to_file
    original_get_fields = Utility.get_fields

    def get_fields(module_api_name, handler_instance=None):
        verified = _known_module(Utility, Initializer, module_api_name)
        if verified is None:
            original_get_fields(module_api_name, handler_instance)
            return
        _counts["lock_free"] += 1
        # What the SDK's get_fields_info does for a module already in the file.
        Utility.set_handler_api_path(verified, handler_instance)

    def write_to_file(file_path, file_contents):
        try:
            original_write(file_path=file_path, file_contents=file_contents)
        finally:
            forget(file_path)

    Initializer.get_json = staticmethod(get_json)
    Utility.write_to_file = staticmethod(write_to_file)
    Utility.get_fields = staticmethod(get_fields)
