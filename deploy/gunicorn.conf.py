"""gunicorn settings for zohoportal: `gunicorn -c deploy/gunicorn.conf.py zohoportal.wsgi`.

Every value can be overridden on the command line (`--bind`, `--workers`, ...) or through
the GUNICORN_* variables below; the portal's own settings come from the environment
(`.env` or systemd's EnvironmentFile=, see `.env.example`).
"""

import os

# Behind a reverse proxy on the same host; the proxy terminates TLS.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# 2 processes x 8 threads per core pair: the SDK's per-thread state is cleared around every
# request, and each thread keeps its own pooled connection to Zoho.
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
worker_class = "gthread"
# Longer than ZOHO_HTTP_TIMEOUT plus a refresh: a request waiting on Zoho is not killed.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (bounded memory), not all at once.
max_requests = 2000
max_requests_jitter = 200
# Each worker loads the app itself (no preload): then `systemctl reload zohoportal` (HUP)
# starts new workers with the code now on disk and retires the old ones gracefully. With
# preload_app the master would hand the new workers the code it loaded at start, so a
# reload would change nothing. A broken configuration still stops the service at once:
# the first worker fails to boot with the message naming the setting, and gunicorn exits.
preload_app = False
# gunicorn's control socket (`gunicornc`, gunicorn 25.1 and later) is off unless
# GUNICORN_CONTROL_SOCKET names a path for this instance alone (e.g.
# /run/zohoportal/gunicorn.ctl: the unit's RuntimeDirectory). Its default,
# $XDG_RUNTIME_DIR or $HOME/.gunicorn/gunicorn.ctl, is not writable under the unit
# (ProtectHome=) and would be shared by every instance one user runs.
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
if _control_socket:
    control_socket = _control_socket
else:
    control_socket_disable = True
# Which addresses may set X-Forwarded-* for gunicorn itself (the proxy on this host).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# The access log: no query strings (the sign-in callback's carries a one-time code and
# state), and the request id the portal answers with, to match the portal's own log lines.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = (
    '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms pid=%(p)s rid=%({x-request-id}o)s'
)
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn's own lines in the portal's format (LOG_FORMAT: text, or one JSON object per line),
# with the request id, and scrubbed of secrets like every other line
# (core/gunicorn_logging.py).
logger_class = "core.gunicorn_logging.Logger"

# Prometheus metrics from every worker (README "Metrics"): with PROMETHEUS_MULTIPROC_DIR set
# (in the environment, e.g. the unit's EnvironmentFile), each worker writes its counts to
# files there and /metrics adds them all up. The directory is emptied when gunicorn starts
# (one directory per instance: never share it between two instances), and a worker that
# exits is marked dead; its counts stay in the sums, as a counter's should.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def on_starting(server):
    if _metrics_dir:
        os.makedirs(_metrics_dir, exist_ok=True)
        for name in os.listdir(_metrics_dir):
            if name.endswith(".db"):
                os.remove(os.path.join(_metrics_dir, name))


def child_exit(server, worker):
    if _metrics_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid, _metrics_dir)


# A worker serving the portal imports the views, initialises the Zoho SDK and compiles the
# templates before its first request (zohoportal.wsgi.warm), instead of during it: about
# 100 ms off the first page a new or recycled worker serves. What fails here is only logged:
# the first request that needs it meets the error itself, as it would without this.
def post_worker_init(worker):
    import sys

    portal = sys.modules.get("zohoportal.wsgi")
    if portal is None or getattr(worker, "wsgi", None) is not portal.application:
        return  # another application served with this configuration
    try:
        portal.warm()
    except Exception:  # noqa: BLE001 - never keep a worker from serving
        worker.log.warning("zohoportal.wsgi.warm failed", exc_info=True)
