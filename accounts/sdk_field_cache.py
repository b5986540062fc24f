"""The SDK's field-metadata files, parsed once per version instead of once per record.

The SDK keeps each connection's field metadata in a JSON file and reads it through
`Initializer.get_json(path)`: three times per call under its process-wide `Utility.lock`,
then once more for every record in the response (a 200-record page parses the same file
200 times). `install()` replaces that static method, without editing the installed SDK,
with one that parses a file once per (inode, size, mtime) and hands out a shallow copy: the
SDK only ever adds or deletes top-level keys of what it read (then writes the file back), so
nested values can be shared read-only. Writes through `Utility.write_to_file` drop the
entry at once. The cache is a bounded LRU, so it cannot grow with the number of connections.
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
_counts = {"hits": 0, "misses": 0}


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
    """Hits, misses and cached files (for tests and benchmarks)."""
    with _lock:
        return {**_counts, "files": len(_cache)}


def install() -> None:
    """Route the SDK's metadata reads through the cache (idempotent)."""
    from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
    from zohocrmsdk.src.com.zoho.crm.api.util.utility import Utility

    if getattr(Initializer.get_json, "__module__", None) == __name__:
        return
    original_write = Utility.write_to_file

    def write_to_file(file_path, file_contents):
        try:
            original_write(file_path=file_path, file_contents=file_contents)
        finally:
            forget(file_path)

    Initializer.get_json = staticmethod(get_json)
    Utility.write_to_file = staticmethod(write_to_file)
