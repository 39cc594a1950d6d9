"""Who may manage a store's webhooks, and the reads of its delivery log."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet

from marketplace.models import (
    Store,
    StoreRole,
    StoreStaff,
    StoreStatus,
    WebhookAttempt,
    WebhookDelivery,
)


def access_store_webhooks_manage(*, acting_user: Any, store: Store) -> None:
    """Raise PermissionDenied unless `acting_user` may set up `store`'s webhooks, see
    their log and replay them: an active owner of that approved store (not its staff,
    not the coop's admins: the log shows the store's orders and the URL its systems
    listen on)."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.is_active:
        raise PermissionDenied
    if store.status != StoreStatus.APPROVED:
        raise PermissionDenied
    if not StoreStaff.objects.filter(store=store, user=acting_user, role=StoreRole.OWNER).exists():
        raise PermissionDenied


def webhook_log(store: Store) -> QuerySet[WebhookDelivery]:
    """The deliveries to `store`'s endpoint, newest first, with their attempts."""
    return WebhookDelivery.objects.filter(endpoint__store=store).prefetch_related(
        Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number"))
    )
