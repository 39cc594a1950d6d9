"""What the marketplace does when something happens elsewhere."""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

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
