"""Reads of the marketplace that carry rules: who sees which store and which listing."""

from django.db.models import CharField, Count, F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language

from identity.models import User
from marketplace.models import Listing, ListingStatus, Store, StoreStatus, Variant


def _title_in_language() -> Coalesce | F:
    """A listing's title in the active language, for sorting: the English title when the
    interface is English and the listing has one, the French title otherwise."""
    if (get_language() or "").startswith("en"):
        return Coalesce(NullIf("title_en", Value("")), "title_fr", output_field=CharField())
    return F("title_fr")


def stores_visible() -> QuerySet[Store]:
    """Stores shoppers may see: approved ones only, by city, neighbourhood and name.

    Each is annotated with `listing_count`, its published listings. One query.
    """
    return (
        Store.objects.filter(status=StoreStatus.APPROVED)
        .annotate(
            listing_count=Count("listings", filter=Q(listings__status=ListingStatus.PUBLISHED))
        )
        .order_by("locality", "neighbourhood", "name")
    )


def store_listings(store: Store) -> QuerySet[Listing]:
    """A store's published listings, by title in the active language, with their variants
    (cheapest first) prefetched.

    Two queries whatever the number of listings and variants.
    """
    return (
        Listing.objects.filter(store=store, status=ListingStatus.PUBLISHED)
        .prefetch_related(Prefetch("variants", queryset=Variant.objects.order_by("price", "sku")))
        .annotate(sort_title=_title_in_language())
        .order_by("sort_title", "id")
    )


def stores_for_staff(user: User) -> QuerySet[Store]:
    """The stores `user` works for, whatever their status, annotated with `my_role`.

    Their listings, published or not (published first), and those listings' variants are
    prefetched: three queries whatever the number of stores. A visitor works for no store.
    """
    if not user.is_authenticated:
        return Store.objects.none()
    listings = (
        Listing.objects.annotate(
            published_first=Q(status=ListingStatus.PUBLISHED), sort_title=_title_in_language()
        )
        .order_by("-published_first", "sort_title", "id")
        .prefetch_related(Prefetch("variants", queryset=Variant.objects.order_by("price", "sku")))
    )
    return (
        Store.objects.filter(staff__user=user)
        .annotate(my_role=F("staff__role"))
        .prefetch_related(Prefetch("listings", queryset=listings))
        .order_by("name")
    )


def variants_low_on_stock(store: Store) -> QuerySet[Variant]:
    """`store`'s variants of published listings whose stock is at or below their
    threshold, out of stock first, with their listing. One query."""
    return (
        Variant.objects.filter(
            store=store,
            listing__status=ListingStatus.PUBLISHED,
            stock__lte=F("low_stock_threshold"),
        )
        .select_related("listing")
        .order_by("stock", "sku")
    )
