"""Celery tasks of the marketplace: they take ids, load rows, and mail."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from identity.tasks import MAIL_RETRY, mail_user
from marketplace.errors import PaymentGatewayError
from marketplace.models import Order, Store, StoreRole, Variant


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
        mail_user(owner, "marketplace/email/store_decision", {"store": store, "link": link})


@shared_task
def payment_events_redispatch() -> int:
    """Every few minutes: run the handlers of payment events stored but left unprocessed
    (marketplace.payments.payment_events_redispatch)."""
    from marketplace.payments import payment_events_redispatch as redispatch

    return redispatch()


# --- Orders -----------------------------------------------------------------------------

GATEWAY_RETRY = {
    "autoretry_for": (PaymentGatewayError, ConnectionError, TimeoutError),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(**GATEWAY_RETRY)
def order_transfers_send(order_id: int) -> None:
    """Pay each store of a paid order its share: one transfer per shipment, each sent with
    the key stored on its row (a retry sends the same key)."""
    from marketplace.orders import transfer_send, transfers_prepare

    for transfer_id in transfers_prepare(order_id=order_id):
        transfer_send(transfer_id=transfer_id)


@shared_task(**GATEWAY_RETRY)
def refund_send(refund_id: int) -> None:
    """Give a refund back through the gateway, reversing the stores' transfers it covers."""
    from marketplace.orders import refund_execute

    refund_execute(refund_id=refund_id)


@shared_task(**GATEWAY_RETRY)
def payment_cancel(payment_id: int) -> None:
    """Cancel at the gateway a payment its order no longer needs."""
    from marketplace.orders import payment_cancel_execute

    payment_cancel_execute(payment_id=payment_id)


@shared_task
def orders_hold_lapse() -> int:
    """Every few minutes (CELERY_BEAT_SCHEDULE): expire the orders not paid in time."""
    from marketplace.checkout import orders_hold_lapse as lapse

    return lapse()


# Which email tells the shopper which step, by the `kind` the services enqueue.
ORDER_EMAILS = {
    "paid": "marketplace/email/order_paid",
    "refused": "marketplace/email/order_refused",
    "ready": "marketplace/email/order_ready",
    "cancelled": "marketplace/email/order_cancelled",
}


@shared_task(**MAIL_RETRY)
def send_order_email(order_id: int, kind: str, shipment_id: int | None = None) -> None:
    """Tell the buyer a step of their order, in the language they ordered in."""
    order = Order.objects.filter(pk=order_id, buyer__is_active=True).select_related("buyer").first()
    if order is None or kind not in ORDER_EMAILS:
        return
    shipment = order.shipments.select_related("store").filter(pk=shipment_id).first()
    context = {
        "user": order.buyer,
        "order": order,
        "shipment": shipment,
        "shipments": list(order.shipments.select_related("store")),
        "site_url": settings.SITE_URL,
        "link": f"{settings.SITE_URL}{reverse('orders:detail', args=[order.number])}",
    }
    with translation.override(order.language):
        subject = render_to_string(f"{ORDER_EMAILS[kind]}_subject.txt", context)
        body = render_to_string(f"{ORDER_EMAILS[kind]}_body.txt", context)
    send_mail(" ".join(subject.split()), body, None, [order.buyer.email])


@shared_task(**MAIL_RETRY)
def send_low_stock_email(variant_ids: list[int]) -> None:
    """Tell each owner of the stores of these variants that their stock fell to or below
    the threshold, one mail per store."""
    variants = list(Variant.objects.filter(pk__in=variant_ids).select_related("listing", "store"))
    by_store: dict[int, list[Variant]] = {}
    for variant in variants:
        by_store.setdefault(variant.store_id, []).append(variant)
    for store_variants in by_store.values():
        store = store_variants[0].store
        link = f"{settings.SITE_URL}{reverse('marketplace:my_stores')}"
        for membership in store.staff.filter(
            role=StoreRole.OWNER, user__is_active=True
        ).select_related("user"):
            mail_user(
                membership.user,
                "marketplace/email/low_stock",
                {"store": store, "variants": store_variants, "link": link},
            )


LOCKER_EMAILS = ("in_locker", "redirected", "reminder", "expired", "returned")
# A pickup code reaches the mail task sealed (core.sealed) for this purpose; a seal older
# than the longest pickup window with its extension is refused: the code is dead by then.
PICKUP_CODE_SEAL = "locker-pickup-code"
PICKUP_CODE_SEAL_MAX_AGE = 72 * 3600


def _pickup_code(extra: dict) -> str:
    """The plain pickup code of an "in_locker" mail's arguments ("" for other mails, or a
    seal that does not open: the mail then goes without a code, pointing to the order page
    where the shopper shows it)."""
    from core.sealed import SealBroken, unseal

    sealed = extra.get("sealed_code")
    if not isinstance(sealed, str):
        return ""
    try:
        return unseal(sealed, purpose=PICKUP_CODE_SEAL, max_age=PICKUP_CODE_SEAL_MAX_AGE)
    except SealBroken:
        return ""


@shared_task(**MAIL_RETRY)
def send_locker_email(order_id: int, kind: str, shipment_id: int, extra: dict) -> None:
    """Tell the buyer where a locker shipment stands: in the locker (the 6-digit code, its
    QR as an inline image in the HTML part, the site's address and the deadline; the text
    part always carries the code), redirected (where and why), the 48 h reminder, expired
    (refunded) or returned to the store."""
    from datetime import datetime
    from email.mime.image import MIMEImage

    import segno
    from django.core.mail import EmailMultiAlternatives

    from lockers.models import Site

    order = Order.objects.filter(pk=order_id, buyer__is_active=True).select_related("buyer").first()
    if order is None or kind not in LOCKER_EMAILS:
        return
    shipment = order.shipments.select_related("store").filter(pk=shipment_id).first()
    if shipment is None:
        return
    site = Site.objects.filter(pk=extra.get("site_id")).first()
    from_site = Site.objects.filter(pk=extra.get("from_site_id")).first()
    expires_at = extra.get("expires_at")
    context = {
        "user": order.buyer,
        "order": order,
        "shipment": shipment,
        "site": site,
        "from_site": from_site,
        "reason": extra.get("reason", ""),
        "code": _pickup_code(extra),
        "expires_at": datetime.fromisoformat(expires_at) if expires_at else None,
        "site_url": settings.SITE_URL,
        "link": f"{settings.SITE_URL}{reverse('orders:detail', args=[order.number])}",
    }
    base = f"marketplace/email/locker_{kind}"
    with translation.override(order.language):
        subject = render_to_string(f"{base}_subject.txt", context)
        body = render_to_string(f"{base}_body.txt", context)
        html = render_to_string(f"{base}_body.html", context) if context["code"] else ""
    message = EmailMultiAlternatives(" ".join(subject.split()), body, None, [order.buyer.email])
    if html:
        message.mixed_subtype = "related"
        message.attach_alternative(html, "text/html")
        png = segno.make(context["code"], error="m").png_data_uri(scale=6)
        import base64

        image = MIMEImage(base64.b64decode(png.split(",", 1)[1]), "png")
        image.add_header("Content-ID", "<pickup-code>")
        image.add_header("Content-Disposition", "inline", filename="code.png")
        message.attach(image)
    message.send()


@shared_task(**MAIL_RETRY)
def send_store_invitation_email(invitation_id: int) -> None:
    """Mail a store's invitation with its link, if it still waits (the token is made
    here, so that it never travels through the broker: marketplace.store_settings)."""
    from marketplace.store_settings import store_invitation_mail

    store_invitation_mail(invitation_id)


# --- Webhooks to stores -------------------------------------------------------------------


@shared_task
def webhook_delivery_send(delivery_id: int) -> None:
    """The first attempt of a delivery (or a replay), right after its commit; a failure
    waits for the sweep (no Celery retry: the row says when)."""
    from marketplace.webhooks import webhook_delivery_attempt

    webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task
def webhook_deliveries_sweep() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): attempt the deliveries that are due."""
    from marketplace.webhooks import webhook_deliveries_sweep as sweep

    return sweep()


# --- Catalogue imports ------------------------------------------------------------------


@shared_task(bind=True, max_retries=120)
def catalogue_import_run(self, import_id: int) -> None:
    """Check and apply a store's catalogue file (marketplace.catalogue_imports). While
    another import of the same store runs, wait and try again."""
    from django.db import IntegrityError

    from marketplace.catalogue_imports import catalogue_import_run as run

    try:
        run(import_id=import_id)
    except IntegrityError as busy:
        raise self.retry(countdown=5) from busy
