"""A separate process for property 16: `THREADS` threads activate one expired connection.

Run as `python -m tests.security.refresh_worker CONNECTION_ID THREADS` with
DJANGO_SETTINGS_MODULE, TEST_POSTGRES_URL (the test database) and ZOHO_EMULATOR_URL set;
once every thread has read the (expired) row it prints `ready` and waits for a line on its
standard input, then all threads activate the connection at once; the process prints a JSON
list of the access tokens its threads got (or the errors).
"""

from __future__ import annotations

import json
import sys
import threading


def main(connection_id: int, threads: int) -> None:
    import django

    django.setup()
    from django.db import connection as db_connection

    from accounts import activation
    from accounts.models import ZohoConnection

    results: list[str] = []
    loaded = threading.Barrier(threads + 1)
    go = threading.Event()

    def worker() -> None:
        try:
            stale = ZohoConnection.objects.get(pk=connection_id)
            loaded.wait(60)
            go.wait(60)
            with activation.activated(stale) as active:
                results.append(active.access_token)
        except Exception as error:  # noqa: BLE001 - reported to the test
            results.append(f"error: {type(error).__name__}: {error}")
        finally:
            db_connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    loaded.wait(60)
    print("ready", flush=True)
    sys.stdin.readline()
    go.set()
    for thread in pool:
        thread.join(60)
    print(json.dumps(results))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
