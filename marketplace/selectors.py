"""Reads of the marketplace that carry rules: who sees which store and which listing."""

from django.db.models import Count, F, Prefetch, Q, QuerySet

from identity.models import User
from marketplace.models import Listing, Store, StoreStatus, Variant


def stores_visible() -> QuerySet[Store]:
    """Stores shoppers may see: approved ones only, by city, neighbourhood and name.

    Each is annotated with `listing_count`, its listings on sale. One query.
    """
    return (
        Store.objects.filter(status=StoreStatus.APPROVED)
        .annotate(listing_count=Count("listings", filter=Q(listings__is_active=True)))
        .order_by("locality", "neighbourhood", "name")
    )


def store_listings(store: Store) -> QuerySet[Listing]:
    """A store's listings on sale, by title, with their variants (cheapest first) prefetched.

    Two queries whatever the number of listings and variants.
    """
    return (
        Listing.objects.filter(store=store, is_active=True)
        .prefetch_related(Prefetch("variants", queryset=Variant.objects.order_by("price", "sku")))
        .order_by("title")
    )


def stores_for_staff(user: User) -> QuerySet[Store]:
    """The stores `user` works for, whatever their status, annotated with `my_role`.

    Their listings, on sale or not, and those listings' variants are prefetched: three
    queries whatever the number of stores. A visitor works for no store.
    """
    if not user.is_authenticated:
        return Store.objects.none()
    return (
        Store.objects.filter(staff__user=user)
        .annotate(my_role=F("staff__role"))
        .prefetch_related(
            Prefetch(
                "listings",
                queryset=Listing.objects.order_by("-is_active", "title").prefetch_related(
                    Prefetch("variants", queryset=Variant.objects.order_by("price", "sku"))
                ),
            )
        )
        .order_by("name")
    )
