"""The Celery app, and the one way our code enqueues a task: after its transaction commits."""

import os
from collections.abc import Callable
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("uniqc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Send `task` with these arguments once the current transaction commits.

    A task enqueued inside a transaction that later rolls back must never run, and a
    worker must never look for rows that are not committed yet. Outside a transaction
    the task is sent at once. With no broker configured the task runs eagerly.
    """
    from django.db import transaction

    send: Callable[[], Any] = lambda: task.apply_async(args=args, kwargs=kwargs)  # noqa: E731
    transaction.on_commit(send)
