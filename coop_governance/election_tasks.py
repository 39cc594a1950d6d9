"""Celery: secret-ballot elections open and close on time (beat, every minute)."""

from celery import shared_task

from coop_governance.elections import elections_sweep


@shared_task
def elections_open_close() -> dict[str, int]:
    """Open the ready elections whose opening time came and close those whose closing time
    passed (closing takes the count's input). Idempotent: a late or repeated run, or two at
    once, opens and closes each election once."""
    opened, closed = elections_sweep()
    return {"opened": opened, "closed": closed}
