"""A real Celery worker for the tests: the `zohoportal` app on kombu's filesystem transport
(in a temporary folder of the test's own), consumed by Celery's own test worker in a thread
of this process (so it shares the test database). Not `task_always_eager`: a task goes
through the broker and a worker picks it up."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest

from core import kombu_filesystem


class Transport(kombu_filesystem.Transport):
    """The portal's filesystem transport, waiting at most 0.1 s for a message per call.
    Celery's worker loop asks for messages with a 2 s timeout and checks whether it should
    stop only between two calls, and once more after it has been told to: each test worker
    took 4 s to stop."""

    def drain_events(self, connection, timeout=None):
        return super().drain_events(connection, timeout=min(timeout or 0.1, 0.1))


def filesystem_broker_conf(folder) -> dict:
    for name in ("queue", "processed", "control"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "broker_url": "filesystem://",
        "broker_transport": "tests.background.conftest:Transport",
        "broker_transport_options": {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
            # kombu looks for new messages every second by default: a test would wait up
            # to that long for each task (a retry, a job) and for its worker to stop.
            "polling_interval": 0.05,
        },
        "task_always_eager": False,
        "task_default_queue": f"zp-test-{uuid.uuid4().hex[:8]}",
    }


def reset_connections(app) -> None:
    """Drop the app's broker connections and producers: the next task uses the new broker."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_unreachable(app):
    """While in the block, `app`'s broker is a Redis port nothing listens on: queuing a task
    fails (after the broker timeout), as when the production broker is down."""
    saved = {
        key: app.conf[key] for key in ("broker_url", "broker_transport", "broker_transport_options")
    }
    app.conf.update(
        broker_url="redis://127.0.0.1:1/0",
        broker_transport=None,  # the URL's own
        broker_transport_options={"socket_connect_timeout": 0.5},
    )
    reset_connections(app)
    try:
        yield
    finally:
        app.conf.update(saved)
        reset_connections(app)


@pytest.fixture
def celery_broker(tmp_path):
    """Celery configured with a broker (the filesystem transport), no worker yet: tasks
    queued now wait in the folder."""
    from zohoportal.celery_app import app

    changed = filesystem_broker_conf(tmp_path / "broker")
    saved = {key: app.conf[key] for key in changed}
    app.conf.update(changed)
    reset_connections(app)
    try:
        yield app
    finally:
        app.conf.update(saved)
        reset_connections(app)


@contextmanager
def running_worker(app):
    """A worker consuming `app`'s broker, in a thread (solo pool), while in the block."""
    from celery.contrib.testing.worker import start_worker
    from django.db import connections

    with start_worker(
        app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        queues=[app.conf.task_default_queue],
    ) as worker:
        yield worker
    connections.close_all()


@pytest.fixture
def celery_worker(celery_broker):
    """A worker consuming the test's broker, in a thread (solo pool)."""
    with running_worker(celery_broker) as worker:
        yield worker
