"""Celery tasks of the marketplace: they take ids, load rows, and mail."""

from celery import shared_task
from django.conf import settings
from django.urls import reverse

from identity.tasks import MAIL_RETRY, _mail_user
from marketplace.models import Store, StoreRole


@shared_task(**MAIL_RETRY)
def send_store_decision_email(store_id: int) -> None:
    """Tell each owner of the store the coop's decision on it, in their own language,
    with the reason of a refusal or a suspension. Sent after the decision commits; it
    reports the store's status when it runs, so a mail delayed past a second decision
    never contradicts the page."""
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        return
    owners = [
        membership.user
        for membership in store.staff.filter(
            role=StoreRole.OWNER, user__is_active=True
        ).select_related("user")
    ]
    link = f"{settings.SITE_URL}{reverse('marketplace:my_stores')}"
    for owner in owners:
        _mail_user(owner, "marketplace/email/store_decision", {"store": store, "link": link})


@shared_task
def payment_events_redispatch() -> int:
    """Every few minutes: run the handlers of payment events stored but left unprocessed
    (marketplace.payments.payment_events_redispatch)."""
    from marketplace.payments import payment_events_redispatch as redispatch

    return redispatch()
