"""Background work (Celery): the `CELERY_*` settings, part of base.py.

The Celery app is `zohoportal` (zohoportal/celery_app.py): `celery -A zohoportal worker` and
`celery -A zohoportal beat`. CELERY_BROKER_URL is the broker: Redis in production
(redis://127.0.0.1:6379/1, a database of its own), `filesystem://` under `make run` (kombu's
file transport in CELERY_FILESYSTEM_DIR, no server; zohoportal/celery_app.py creates its
folders). Without it, tasks run eagerly inside the process that queues them (as before
Celery: a disconnect waits for Zoho) and `/readyz` has no broker check. Results live in the
database (jobs.Job), not in a result backend.
"""

from pathlib import Path

from .environment import BASE_DIR, env

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="zohoportal")
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged once it has finished: a worker killed mid-task leaves it queued, and
# the broker hands it out again after the visibility timeout (Redis) or at the next start.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queuing from a request waits at most about a second on a dead or hanging broker; what was
# not queued is left to the periodic work (a queued revocation stays in the database).
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_TIMEOUT", default=0.5)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Longer than any task runs: an unacknowledged task is handed out again after this.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        socket_timeout=CELERY_BROKER_CONNECTION_TIMEOUT,
        socket_connect_timeout=CELERY_BROKER_CONNECTION_TIMEOUT,
        # kombu looks for unacknowledged tasks past the visibility timeout every 10 s but
        # scans Redis only every 10th time (about every 100 s): scan each time, at most every
        # visibility timeout, so a killed worker's task is handed out again soon after it.
        unacked_restore_throttle=1,
        unacked_restore_interval=max(
            1, min(10, CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])
        ),
    )
    if env.str("CELERY_KEY_PREFIX", default=""):  # several portals on one Redis database
        CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = env.str("CELERY_KEY_PREFIX")
elif CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's own writes a message in place, where a worker can read it half written.
    CELERY_BROKER_TRANSPORT = "core.kombu_filesystem:Transport"
    _celery_dir = Path(env.str("CELERY_FILESYSTEM_DIR", default=str(BASE_DIR / "var" / "celery")))
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        data_folder_in=str(_celery_dir / "queue"),
        data_folder_out=str(_celery_dir / "queue"),
        processed_folder=str(_celery_dir / "processed"),
        control_folder=str(_celery_dir / "control"),
        store_processed=False,
    )
# Celery beat: the periodic work the cron/systemd timers in deploy/ also do (run one or the
# other). Every 5 minutes each, as the timers.
CELERY_BEAT_SCHEDULE = {
    "zoho-refresh-tokens": {
        "task": "accounts.tasks.tokens_refresh_due",
        "schedule": env.float("CELERY_REFRESH_EVERY", default=300.0),
    },
    "zoho-housekeeping": {
        "task": "accounts.tasks.housekeeping_run",
        "schedule": env.float("CELERY_HOUSEKEEPING_EVERY", default=300.0),
    },
    # Export and import files past JOB_FILES_RETENTION_DAYS (jobs/files.py).
    "job-files-clean": {
        "task": "jobs.tasks.job_files_clean",
        "schedule": env.float("CELERY_HOUSEKEEPING_EVERY", default=300.0),
    },
    # Jobs still queued after JOB_REQUEUE_AFTER_SECONDS: the broker was down when they were.
    "jobs-requeue": {
        "task": "jobs.tasks.jobs_requeue",
        "schedule": env.float("CELERY_HOUSEKEEPING_EVERY", default=300.0),
    },
}
