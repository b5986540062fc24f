"""A separate process for property 16: `THREADS` threads activate one expired connection.

Run as `python -m tests.security.refresh_worker CONNECTION_ID THREADS START_AT` with
DJANGO_SETTINGS_MODULE, TEST_POSTGRES_URL (the test database) and ZOHO_EMULATOR_URL set;
every thread waits for the wall-clock time START_AT, then prints nothing; the process prints
a JSON list of the access tokens its threads got (or the errors).
"""

from __future__ import annotations

import json
import sys
import threading
import time


def main(connection_id: int, threads: int, start_at: float) -> None:
    import django

    django.setup()
    from django.db import connection as db_connection

    from accounts import activation
    from accounts.models import ZohoConnection

    results: list[str] = []

    def worker() -> None:
        try:
            stale = ZohoConnection.objects.get(pk=connection_id)
            time.sleep(max(0.0, start_at - time.time()))
            with activation.activated(stale) as active:
                results.append(active.access_token)
        except Exception as error:  # noqa: BLE001 - reported to the test
            results.append(f"error: {type(error).__name__}: {error}")
        finally:
            db_connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(60)
    print(json.dumps(results))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]))
