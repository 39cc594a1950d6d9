"""Reads of the marketplace that carry rules: who sees which store and which listing,
and who may act on a store (the access_* functions)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    CharField,
    Count,
    F,
    Prefetch,
    Q,
    QuerySet,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import get_language

from identity.models import User
from marketplace.errors import ListingHasNoVariant, PayoutAccountRequired
from marketplace.models import (
    Category,
    Listing,
    ListingPhoto,
    ListingStatus,
    Payment,
    PayoutAccount,
    Store,
    StoreRole,
    StoreStaff,
    StoreStatus,
    Variant,
)


def _title_in_language() -> Coalesce | F:
    """A listing's title in the active language, for sorting: the English title when the
    interface is English and the listing has one, the French title otherwise."""
    if (get_language() or "").startswith("en"):
        return Coalesce(NullIf("title_en", Value("")), "title_fr", output_field=CharField())
    return F("title_fr")


# Applying to sell through the coop binds a business: a passkey the card vouched for.
STORE_APPLY_ACR = "substantial"
DECIDE_STORE = "marketplace.decide_store"


def access_store_apply(acting_user: Any) -> None:
    """Raise PermissionDenied unless `acting_user` may apply for a store: any active
    person signed in (the view asks for STORE_APPLY_ACR first)."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.is_active:
        raise PermissionDenied


def store_application_pending(user: User) -> bool:
    """Whether `user` has an application waiting for the coop's decision."""
    return Store.objects.filter(applicant=user, status=StoreStatus.PENDING).exists()


def access_store_decide(*, acting_user: Any, store: Store) -> None:
    """Raise PermissionDenied unless `acting_user` may approve, refuse or suspend `store`:
    a coop admin (marketplace.decide_store) who does not work at that store. None is the
    system (demo data)."""
    if acting_user is None:
        return
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.has_perm(DECIDE_STORE):
        raise PermissionDenied
    if StoreStaff.objects.filter(store=store, user=acting_user).exists():
        raise PermissionDenied("No one decides on a store they work for.")


def access_store_staff_manage(*, acting_user: Any, store: Store) -> None:
    """Raise PermissionDenied unless `acting_user` may add and remove `store`'s staff:
    an owner of that store, and no one else."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not StoreStaff.objects.filter(store=store, user=acting_user, role=StoreRole.OWNER).exists():
        raise PermissionDenied


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


def listing_photos_prefetch() -> Prefetch:
    """A listing's photos in the order the store set: the first is its cover."""
    return Prefetch("photos", queryset=ListingPhoto.objects.order_by("position", "id"))


def listings_photos_load(listings: list[Listing]) -> None:
    """Load the photos of `listings` (`listing.photos.all`, the cover first) in one query
    whatever their number: the catalogue's cards and a listing's gallery."""
    prefetch_related_objects(listings, listing_photos_prefetch())


def store_listings(store: Store) -> QuerySet[Listing]:
    """A store's published listings, by title in the active language, with their variants
    (cheapest first) and photos prefetched.

    Three queries whatever the number of listings, variants and photos.
    """
    return (
        Listing.objects.filter(store=store, status=ListingStatus.PUBLISHED)
        .prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("price", "sku")),
            listing_photos_prefetch(),
        )
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


def access_listing_manage(*, acting_user: Any, store: Store) -> None:
    """Raise PermissionDenied unless `acting_user` may create and change `store`'s
    listings, variants and photos: an active person on its staff (owner or staff), the
    store approved by the coop. None is the system (demo data)."""
    if acting_user is None:
        return
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.is_active:
        raise PermissionDenied
    if not StoreStaff.objects.filter(store=store, user=acting_user).exists():
        raise PermissionDenied
    if store.status != StoreStatus.APPROVED:
        raise PermissionDenied("A store publishes once the coop has approved it.")


def access_listing_publish(*, acting_user: Any, listing: Listing) -> None:
    """Raise unless `listing` may be published by `acting_user`: one who may manage its
    store's listings (PermissionDenied), the store's payout account able to receive
    transfers (PayoutAccountRequired: shoppers would pay a store that cannot be paid), and
    at least one variant to buy (ListingHasNoVariant). The last two hold for the system
    too."""
    access_listing_manage(acting_user=acting_user, store=listing.store)
    if not PayoutAccount.objects.filter(store_id=listing.store_id, transfers_enabled=True).exists():
        raise PayoutAccountRequired
    if not Variant.objects.filter(listing=listing).exists():
        raise ListingHasNoVariant


def staff_store(*, acting_user: Any, slug: str) -> Store:
    """The store with this slug if `acting_user` works for it, with `my_role`; Store.DoesNotExist
    otherwise, so that another store's pages are not found rather than forbidden."""
    if not acting_user.is_authenticated:
        raise Store.DoesNotExist
    return (
        Store.objects.filter(slug=slug, staff__user=acting_user)
        .annotate(my_role=F("staff__role"))
        .get()
    )


def staff_listings(store: Store) -> QuerySet[Listing]:
    """Every listing of `store`, whatever its status (drafts first, then by title in the
    active language), with its variants (by SKU), their count, its stock and its first
    photo. Three queries whatever the number of listings."""
    return (
        Listing.objects.filter(store=store)
        .select_related("category")
        .annotate(
            draft_first=Q(status=ListingStatus.DRAFT),
            sort_title=_title_in_language(),
            variant_count=Count("variants"),
        )
        .prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("sku")),
            Prefetch("photos", queryset=ListingPhoto.objects.order_by("position", "id")),
        )
        .order_by("-draft_first", "sort_title", "id")
    )


def staff_listing(*, store: Store, pk: int) -> Listing:
    """`store`'s listing `pk` with its variants and photos; Listing.DoesNotExist when it
    is another store's."""
    return (
        Listing.objects.select_related("store", "category")
        .prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("sku")),
            Prefetch("photos", queryset=ListingPhoto.objects.order_by("position", "id")),
        )
        .get(store=store, pk=pk)
    )


def store_payout_ready(store: Store) -> bool:
    """Whether `store` has a payout account that can receive transfers."""
    return PayoutAccount.objects.filter(store=store, transfers_enabled=True).exists()


def category_tree() -> list[Category]:
    """The catalogue's categories as a tree: the roots, each with `subcategories` (a list,
    in the categories' order) down to the leaves. One query, whatever the tree's size."""
    categories = list(Category.objects.order_by("position", "slug"))
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    for category in categories:
        category.subcategories = children.get(category.pk, [])
    return children.get(None, [])


# --- Payments -------------------------------------------------------------------------


def access_payout_manage(*, acting_user: Any, store: Store) -> None:
    """Raise PermissionDenied unless `acting_user` may connect `store` to the payment
    gateway and see its payout account: an owner of that store, once the coop approved it
    (money does not flow to a store the coop has not accepted or has suspended)."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if store.status != StoreStatus.APPROVED:
        raise PermissionDenied
    if not StoreStaff.objects.filter(store=store, user=acting_user, role=StoreRole.OWNER).exists():
        raise PermissionDenied


def access_test_payment_pay(*, acting_user: Any, payment: Payment) -> None:
    """Raise PermissionDenied unless `acting_user` may see and pay `payment` on the offline
    gateway's test page: the buyer of its order, and no one else."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.is_active:
        raise PermissionDenied
    if payment.order.buyer_id != acting_user.pk:
        raise PermissionDenied


def access_card_payment_pay(*, acting_user: Any, payment: Payment) -> None:
    """Raise PermissionDenied unless `acting_user` may see `payment`'s card page (Stripe),
    which carries the secret that confirms the payment: the buyer of its order, and no one
    else (not staff, not the stores)."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.is_active:
        raise PermissionDenied
    if payment.order.buyer_id != acting_user.pk:
        raise PermissionDenied


# --- Catalogue imports and exports ------------------------------------------------------


def access_catalogue_import(*, acting_user: Any, store: Store) -> None:
    """Raise PermissionDenied unless `acting_user` may import and export `store`'s
    catalogue and see its imports: an active person on its staff (owner or staff), the
    store approved by the coop. No one acts for the system here: an import has a person
    behind it."""
    if acting_user is None:
        raise PermissionDenied
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.is_active:
        raise PermissionDenied
    if not StoreStaff.objects.filter(store=store, user=acting_user).exists():
        raise PermissionDenied
    if store.status != StoreStatus.APPROVED:
        raise PermissionDenied("A store imports its catalogue once the coop has approved it.")
