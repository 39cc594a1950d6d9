"""gunicorn settings for production: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Each setting can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import gc
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Threads let a worker serve others while one request waits on PostgreSQL; processes
# give each core its own interpreter lock.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", str(os.cpu_count() or 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Load Django once in the master, before forking: workers share its memory pages.
preload_app = True
keepalive = 5
# One listening socket per worker (SO_REUSEPORT), so that the kernel spreads new
# connections across workers. With the single socket they share otherwise, whichever
# worker wakes first accepts a burst of connections: with wrk's 16, one worker held 15
# or all 16 in four runs of six, the other idling; with this, 6 to 10 each. The cost: a
# worker that exits drops the connections still queued on its own socket.
reuse_port = True


def when_ready(server) -> None:
    """Move everything loaded so far (Django, our modules) out of the collector's sight:
    full collections then scan only what requests create, and forking workers doesn't
    touch (and copy) the shared pages to update the collector's bookkeeping."""
    gc.collect()
    gc.freeze()
