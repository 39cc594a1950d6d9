"""What the marketplace does when something happens elsewhere."""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from lockers import signals as lockers_signals
from marketplace.cart import SESSION_CART, cart_create, cart_merge
from marketplace.models import Cart, Category, Listing, ListingPhoto, Store, Variant
from marketplace.search import catalogue_choices_forget
from marketplace.search_cache import catalogue_changed


@receiver(user_logged_in, dispatch_uid="marketplace_cart_merge")
def cart_merge_at_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """The anonymous cart the session held becomes part of the person's cart.

    Django cycles the session key at sign-in but keeps its data, so the cart id is still
    there."""
    if request is None or not hasattr(request, "session"):
        return
    cart_id = request.session.pop(SESSION_CART, None)
    if not isinstance(cart_id, int):
        return
    anonymous = Cart.objects.filter(pk=cart_id, owner__isnull=True).first()
    if anonymous is None:
        return
    mine = Cart.objects.filter(owner=user).first() or cart_create(owner=user)
    cart_merge(source=anonymous, target=mine)


@receiver(post_save, sender=Category, dispatch_uid="marketplace_catalogue_category_saved")
@receiver(post_delete, sender=Category, dispatch_uid="marketplace_catalogue_category_deleted")
@receiver(post_save, sender=Store, dispatch_uid="marketplace_catalogue_store_saved")
@receiver(post_delete, sender=Store, dispatch_uid="marketplace_catalogue_store_deleted")
def catalogue_choices_changed(sender: Any, **kwargs: Any) -> None:
    """The catalogue caches its categories and approved stores (search.catalogue_choices):
    a change to either is seen by the next request."""
    catalogue_choices_forget()


@receiver(post_save, sender=Category, dispatch_uid="marketplace_search_category_saved")
@receiver(post_delete, sender=Category, dispatch_uid="marketplace_search_category_deleted")
@receiver(post_save, sender=Store, dispatch_uid="marketplace_search_store_saved")
@receiver(post_delete, sender=Store, dispatch_uid="marketplace_search_store_deleted")
@receiver(post_save, sender=Listing, dispatch_uid="marketplace_search_listing_saved")
@receiver(post_delete, sender=Listing, dispatch_uid="marketplace_search_listing_deleted")
@receiver(post_save, sender=Variant, dispatch_uid="marketplace_search_variant_saved")
@receiver(post_delete, sender=Variant, dispatch_uid="marketplace_search_variant_deleted")
@receiver(post_save, sender=ListingPhoto, dispatch_uid="marketplace_search_photo_saved")
@receiver(post_delete, sender=ListingPhoto, dispatch_uid="marketplace_search_photo_deleted")
def catalogue_search_changed(sender: Any, **kwargs: Any) -> None:
    """The search keeps what it found under a catalogue version (search_cache): a saved
    or deleted row of what a result shows starts a new one. The writes that UPDATE rows
    without saving them (stock taken at checkout, a store's decision, a photo moved) call
    catalogue_changed themselves."""
    catalogue_changed()


# --- Lockers: a locker order's shipments follow their parcels ----------------------------
# lockers sends these after its commits, with sender=Parcel; a parcel names its shipment
# by its external reference ("<order number>/<sequence>"). Each receiver is idempotent
# (marketplace/locker_orders.py): a signal delivered twice changes nothing more.


def _locker_shipment(parcel: Any) -> Any:
    from marketplace.parcels import shipment_for_reference

    shipment = shipment_for_reference(parcel.external_reference)
    if shipment is None or shipment.order.pickup_kind != "locker":
        return None
    return shipment


def _email(shipment: Any, kind: str, extra: dict) -> None:
    from core.enqueue import enqueue_on_commit
    from marketplace.tasks import send_locker_email

    enqueue_on_commit(send_locker_email, shipment.order_id, kind, shipment.pk, extra)


@receiver(lockers_signals.parcel_collected, dispatch_uid="marketplace_parcel_collected")
def parcel_collected(sender: Any, parcel: Any, **kwargs: Any) -> None:
    from marketplace.locker_orders import locker_collected

    shipment = _locker_shipment(parcel)
    if shipment is not None:
        locker_collected(shipment=shipment)


@receiver(lockers_signals.parcel_in_locker, dispatch_uid="marketplace_parcel_in_locker")
def parcel_in_locker(
    sender: Any, parcel: Any, site: Any, pickup_code: str, expires_at: Any, **kwargs: Any
) -> None:
    """Ready for pickup, and the shopper gets the code (again, after a reissue: the code
    changed, so the email goes every time; the shipment moves once)."""
    from marketplace.locker_orders import locker_placed

    shipment = _locker_shipment(parcel)
    if shipment is None:
        return
    locker_placed(shipment=shipment)
    # The code travels to the mail task once, sealed (the broker keeps messages in clear),
    # and is never stored by us.
    from core.sealed import seal
    from marketplace.tasks import PICKUP_CODE_SEAL

    _email(
        shipment,
        "in_locker",
        {
            "sealed_code": seal(pickup_code, purpose=PICKUP_CODE_SEAL),
            "site_id": site.pk,
            "expires_at": expires_at.isoformat(),
        },
    )


@receiver(lockers_signals.parcel_picked_up, dispatch_uid="marketplace_parcel_picked_up")
def parcel_picked_up(sender: Any, parcel: Any, **kwargs: Any) -> None:
    from marketplace.locker_orders import locker_picked_up

    shipment = _locker_shipment(parcel)
    if shipment is not None:
        locker_picked_up(shipment=shipment)


@receiver(lockers_signals.parcel_redirected, dispatch_uid="marketplace_parcel_redirected")
def parcel_redirected(
    sender: Any, parcel: Any, from_site: Any, to_site: Any, reason: str, **kwargs: Any
) -> None:
    """The shopper is told where the parcel goes instead, and why."""
    shipment = _locker_shipment(parcel)
    if shipment is None:
        return
    _email(
        shipment,
        "redirected",
        {"from_site_id": from_site.pk, "site_id": to_site.pk, "reason": reason},
    )


@receiver(lockers_signals.parcel_pickup_reminder, dispatch_uid="marketplace_parcel_reminder")
def parcel_pickup_reminder(sender: Any, parcel: Any, expires_at: Any, **kwargs: Any) -> None:
    shipment = _locker_shipment(parcel)
    if shipment is None:
        return
    _email(
        shipment,
        "reminder",
        {"site_id": parcel.site_id, "expires_at": expires_at.isoformat()},
    )


@receiver(lockers_signals.parcel_expired, dispatch_uid="marketplace_parcel_expired")
def parcel_expired(sender: Any, parcel: Any, **kwargs: Any) -> None:
    from marketplace.locker_orders import locker_expired

    shipment = _locker_shipment(parcel)
    if shipment is not None:
        locker_expired(shipment=shipment)


@receiver(lockers_signals.parcel_returned, dispatch_uid="marketplace_parcel_returned")
def parcel_returned(sender: Any, parcel: Any, **kwargs: Any) -> None:
    from marketplace.locker_orders import locker_returned

    shipment = _locker_shipment(parcel)
    if shipment is not None:
        locker_returned(shipment=shipment)
