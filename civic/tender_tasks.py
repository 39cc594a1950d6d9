"""Celery: calls for tenders close at their deadline (beat, every minute)."""

from celery import shared_task

from civic.tenders import tender_calls_sweep


@shared_task
def tender_calls_close() -> dict[str, int]:
    """Close the open calls whose deadline passed and timestamp each board's final head.
    Idempotent: a late or repeated run, or two at once, closes each call once."""
    return {"closed": tender_calls_sweep()}
