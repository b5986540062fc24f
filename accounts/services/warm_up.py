"""After a sign-in, the metadata of the first page is fetched in the background.

The task is crm's (`crm.tasks.metadata_warm`, `crm.warm_up`), queued here by its name:
accounts never imports crm. With a broker (CELERY_BROKER_URL) and a cache every process shares
(Redis) a worker runs it; otherwise (no broker: Celery would run it inside the sign-in's
request; or a per-process cache, `make run`'s, which a worker's warm-up would not fill) it
runs in a daemon thread of this process. Either way the sign-in's redirect never waits for
it, and a failure only leaves the first page to fetch what it needs itself.
`ZOHO_WARM_UP_AFTER_SIGN_IN` turns it off.
"""

from __future__ import annotations

import logging
import threading

from celery import current_app
from django.conf import settings
from django.db import close_old_connections

from accounts.models import ZohoConnection
from accounts.services.revocations import runs_eagerly

logger = logging.getLogger("zohoportal.accounts")

WARM_UP_TASK = "crm.tasks.metadata_warm"


def warm_up_dispatch(connection: ZohoConnection) -> threading.Thread | None:
    """Start fetching the first page's metadata of a just signed-in connection, in the
    background; the thread when it runs in one (tests wait for it), else None."""
    if not settings.ZOHO_WARM_UP_AFTER_SIGN_IN:
        return None
    if not runs_eagerly() and cache_is_shared():
        try:
            current_app.signature(WARM_UP_TASK, args=(connection.pk,)).delay()
        except Exception as error:  # noqa: BLE001 - no broker now: the first page fetches it
            logger.warning("could not queue the warm-up after sign-in (%s)", type(error).__name__)
        return None
    thread = threading.Thread(
        target=_warm_here, args=(connection.pk,), name=f"warm-up-{connection.pk}", daemon=True
    )
    thread.start()
    return thread


def cache_is_shared() -> bool:
    """Whether other processes see this one's cache (Redis; not `locmemcache://`, the
    default of `make run`, which is per process): else a worker would warm its own cache,
    not the one the web process reads."""
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith((".LocMemCache", ".DummyCache"))


def _warm_here(connection_id: int) -> None:
    try:
        current_app.signature(WARM_UP_TASK, args=(connection_id,)).apply()
    except Exception:  # a thread's error would go nowhere: logged, the first page fetches it
        logger.exception("warm-up after sign-in failed")
    finally:
        close_old_connections()  # this thread's database connection
