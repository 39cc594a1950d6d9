"""Tasks that belong to no app: the probe a worker answers to show it is alive."""

import socket
from typing import Any

from celery import shared_task
from django.db import connection


@shared_task(name="config.tasks.worker_echo")
def worker_echo(payload: Any) -> dict[str, Any]:
    """Return the payload with the host and database that ran it (proves a round trip)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {
        "payload": payload,
        "hostname": socket.gethostname(),
        "database": str(connection.settings_dict["NAME"]),
    }
