"""Celery: the locker controllers' periodic work (beat, every 5 s)."""

from celery import shared_task

from lockers.controllers import controllers_maintain as _controllers_maintain


@shared_task
def controllers_maintain() -> None:
    """Resend unacknowledged commands, expire old ones, chase missing events."""
    _controllers_maintain()
