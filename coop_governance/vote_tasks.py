"""Celery: online votes open and close on time (beat, every minute)."""

from celery import shared_task

from coop_governance.proposals import online_motions_sweep


@shared_task
def online_motions_close() -> dict[str, int]:
    """Open the online motions whose opening time came and count those whose closing time
    passed. Idempotent: a late or repeated run, or two at once, counts each motion once."""
    opened, closed = online_motions_sweep()
    return {"opened": opened, "closed": closed}
