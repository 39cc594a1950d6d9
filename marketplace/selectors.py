"""Reads of the marketplace that carry rules: who sees which store and which listing,
and who may act on a store (the access_* functions)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Prefetch, Q, QuerySet

from identity.models import User
from marketplace.models import Listing, Store, StoreRole, StoreStaff, StoreStatus, Variant

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
