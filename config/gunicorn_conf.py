"""gunicorn settings for production nodes: `gunicorn -c config/gunicorn_conf.py config.wsgi`."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# A request stuck on a dead dependency is cut off well before a proxy gives up on it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
accesslog = None
# PROMETHEUS_MULTIPROC_DIR is emptied by whoever deploys (before the first start), not here:
# counters of workers that died, even by SIGKILL, stay in it and keep being added up.


def child_exit(server, worker):
    """Let prometheus-client merge a dead worker's counters and drop its live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
