"""Every write to the marketplace goes through a function here.

The upserts exist for loading catalogues (the demo seed, a store's import): they are
keyed on natural keys and write nothing when the values are already there. They set
what describes a thing (names, prices) but never undo what has happened since it was
created: the coop's approval of a store and a variant's stock are set on creation only.
"""

from decimal import Decimal
from typing import Any

from django.db import transaction

from core.writes import changed_fields_save
from identity.audit import audit_record
from identity.models import User
from identity.validators import postal_code_normalize
from lockers.models import SizeClass
from marketplace.models import (
    Currency,
    Listing,
    Store,
    StoreRole,
    StoreStaff,
    StoreStatus,
    Variant,
)

STORE_FIELDS = frozenset(
    {
        "name",
        "description",
        "neighbourhood",
        "street_address",
        "locality",
        "postal_code",
        "latitude",
        "longitude",
        "gst_registered",
        "qst_registered",
    }
)
LISTING_FIELDS = frozenset({"title", "description", "size_class", "is_active"})
VARIANT_FIELDS = frozenset({"listing_id", "name", "price", "currency"})


def _as_decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _store_fields_normalize(fields: dict[str, Any]) -> dict[str, Any]:
    """Bring values to the form the database gives back, so that equal means unchanged."""
    if "postal_code" in fields:
        fields["postal_code"] = postal_code_normalize(fields["postal_code"])
    for name in ("latitude", "longitude"):
        if name in fields:
            fields[name] = _as_decimal(fields[name])
    return fields


@transaction.atomic
def store_create(
    *,
    slug: str,
    name: str,
    neighbourhood: str,
    street_address: str,
    locality: str,
    postal_code: str,
    latitude: Decimal,
    longitude: Decimal,
    description: str = "",
    gst_registered: bool = False,
    qst_registered: bool = False,
    status: StoreStatus | str = StoreStatus.PENDING,
    acting_user: Any,
) -> Store:
    """Create a store; it stays pending, out of the directory, until the coop approves it.

    Recorded in the audit trail with `acting_user` (None: the system, loading a catalogue).
    """
    store = Store(
        slug=slug,
        status=status,
        **_store_fields_normalize(
            {
                "name": name,
                "description": description,
                "neighbourhood": neighbourhood,
                "street_address": street_address,
                "locality": locality,
                "postal_code": postal_code,
                "latitude": latitude,
                "longitude": longitude,
                "gst_registered": gst_registered,
                "qst_registered": qst_registered,
            }
        ),
    )
    store.full_clean()
    store.save()
    audit_record(
        acting_user=acting_user,
        action="store.create",
        target=store,
        detail={"status": store.status},
    )
    return store


@transaction.atomic
def store_update(*, store: Store, acting_user: Any, **fields: Any) -> Store:
    """Change a store's description fields (not its slug or status); no write if unchanged,
    an audit event naming the changed fields otherwise."""
    values = _store_fields_normalize(dict(fields))
    changed = sorted(name for name, value in values.items() if getattr(store, name) != value)
    if changed_fields_save(store, values, STORE_FIELDS):
        audit_record(
            acting_user=acting_user,
            action="store.update",
            target=store,
            detail={"fields": changed},
        )
    return store


@transaction.atomic
def store_upsert(
    *, slug: str, initial_status: StoreStatus | str = StoreStatus.PENDING, **fields: Any
) -> tuple[Store, bool]:
    """Create the store with this slug or bring its description to these values.

    `initial_status` applies only when the store is created: approving or suspending
    is the coop's decision, which a reload of a catalogue must not undo. True if created.
    """
    store = Store.objects.filter(slug=slug).first()
    if store is None:
        return store_create(slug=slug, status=initial_status, acting_user=None, **fields), True
    return store_update(store=store, acting_user=None, **fields), False


# The audit action of each decision about a store.
STORE_STATUS_ACTIONS = {
    StoreStatus.APPROVED: "store.approve",
    StoreStatus.SUSPENDED: "store.suspend",
    StoreStatus.PENDING: "store.pend",
}


@transaction.atomic
def store_status_set(*, store: Store, status: StoreStatus | str, acting_user: Any) -> Store:
    """Approve, suspend or return a store to pending; only approved stores are listed.

    Each decision is in the audit trail with `acting_user`; setting the same status
    again writes nothing.
    """
    status = StoreStatus(status)
    before = store.status
    if changed_fields_save(store, {"status": status}, frozenset({"status"})):
        audit_record(
            acting_user=acting_user,
            action=STORE_STATUS_ACTIONS[status],
            target=store,
            detail={"before": before, "after": status},
        )
    return store


@transaction.atomic
def store_staff_set(
    *, store: Store, user: User, role: StoreRole | str = StoreRole.CLERK, acting_user: Any
) -> StoreStaff:
    """Make `user` work for `store` in `role`, adding them or changing their role.

    A StoreStaff row is the one record that a person works at a store: it alone gives
    the marketplace.work_in_store permission (marketplace.backends). Audited.
    """
    role = StoreRole(role)
    membership = StoreStaff.objects.filter(store=store, user=user).first()
    if membership is None:
        membership = StoreStaff(store=store, user=user, role=role)
        membership.full_clean()
        membership.save()
    elif not changed_fields_save(membership, {"role": role}, frozenset({"role"})):
        return membership
    user.__dict__.pop("_marketplace_perm_cache", None)
    audit_record(
        acting_user=acting_user,
        action="store.staff_set",
        target=store,
        subject_user=user,
        detail={"role": role},
    )
    return membership


@transaction.atomic
def store_staff_remove(*, store: Store, user: User, acting_user: Any) -> None:
    """`user` no longer works for `store`; audited. Removing someone absent does nothing."""
    deleted, _per_model = StoreStaff.objects.filter(store=store, user=user).delete()
    user.__dict__.pop("_marketplace_perm_cache", None)
    if deleted:
        audit_record(
            acting_user=acting_user,
            action="store.staff_remove",
            target=store,
            subject_user=user,
        )


@transaction.atomic
def listing_upsert(
    *,
    store: Store,
    slug: str,
    title: str,
    size_class: SizeClass | str,
    description: str = "",
    is_active: bool = True,
) -> tuple[Listing, bool]:
    """Create the listing with this slug in `store` or bring it to these values."""
    values = {
        "title": title,
        "description": description,
        "size_class": SizeClass(size_class),
        "is_active": is_active,
    }
    listing = Listing.objects.filter(store=store, slug=slug).first()
    if listing is None:
        listing = Listing(store=store, slug=slug, **values)
        listing.full_clean()
        listing.save()
        return listing, True
    changed_fields_save(listing, values, LISTING_FIELDS)
    return listing, False


@transaction.atomic
def variant_upsert(
    *,
    listing: Listing,
    sku: str,
    name: str,
    price: Decimal,
    currency: Currency | str = Currency.CAD,
    initial_stock: int = 0,
) -> tuple[Variant, bool]:
    """Create the variant with this SKU or bring its listing, name and price to these values.

    `initial_stock` applies only when the variant is created: afterwards stock moves
    with sales and restocking, which a reload of a catalogue must not undo.
    """
    values = {
        "listing_id": listing.pk,
        "name": name,
        "price": _as_decimal(price),
        "currency": Currency(currency),
    }
    variant = Variant.objects.filter(sku=sku).first()
    if variant is None:
        variant = Variant(sku=sku, stock=initial_stock, **values)
        variant.full_clean()
        variant.save()
        return variant, True
    changed_fields_save(variant, values, VARIANT_FIELDS)
    return variant, False
