"""The one way our code enqueues a Celery task: after its transaction commits.

It needs only the task's own `apply_async`, not the Celery app (config.celery), so the
apps import it from here and `config` stays on top of them.
"""

from collections.abc import Callable
from typing import Any

from django.db import transaction


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Send `task` with these arguments once the current transaction commits.

    A task enqueued inside a transaction that later rolls back must never run, and a
    worker must never look for rows that are not committed yet. Outside a transaction
    the task is sent at once. With no broker configured the task runs eagerly.
    """
    send: Callable[[], Any] = lambda: task.apply_async(args=args, kwargs=kwargs)  # noqa: E731
    transaction.on_commit(send)
