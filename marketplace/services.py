"""Every write to the marketplace goes through a function here.

The upserts exist for loading catalogues (the demo seed, a store's import): they are
keyed on natural keys and write nothing when the values are already there. They set
what describes a thing (names, prices) but never undo what has happened since it was
created: the coop's approval of a store and a variant's stock are set on creation only.
"""

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.enqueue import enqueue_on_commit
from core.writes import changed_fields_save
from identity.audit import audit_record
from identity.models import User
from identity.validators import phone_normalize, postal_code_normalize
from lockers.models import SizeClass
from marketplace.errors import (
    ListingPhotoLimit,
    StockChanged,
    StoreApplicationPending,
    StoreDecisionInvalid,
    StoreStaffChangeRefused,
)
from marketplace.models import (
    LISTING_PHOTO_MAX,
    RESERVED_STORE_SLUGS,
    STATUSES_WITH_REASON,
    Category,
    Currency,
    Listing,
    ListingPhoto,
    ListingStatus,
    PayoutAccount,
    Store,
    StoreRole,
    StoreStaff,
    StoreStatus,
    Variant,
)
from marketplace.photos import photo_prepare
from marketplace.search import catalogue_choices_forget
from marketplace.search_cache import catalogue_changed
from marketplace.selectors import (
    access_listing_manage,
    access_listing_publish,
    access_store_apply,
    access_store_decide,
    access_store_staff_manage,
    store_application_pending,
)
from marketplace.tasks import send_store_decision_email
from marketplace.validators import gst_number_normalize, neq_normalize, qst_number_normalize

STORE_FIELDS = frozenset(
    {
        "name",
        "legal_name",
        "neq",
        "description",
        "neighbourhood",
        "street_address",
        "locality",
        "postal_code",
        "latitude",
        "longitude",
        "phone",
        "opening_hours",
        "small_supplier",
        "gst_number",
        "qst_number",
    }
)
CATEGORY_FIELDS = frozenset({"name_fr", "name_en", "parent_id", "position"})
LISTING_FIELDS = frozenset(
    {"title_fr", "title_en", "description_fr", "description_en", "category_id"}
)
VARIANT_FIELDS = frozenset(
    {
        "listing_id",
        "name",
        "price",
        "currency",
        "size_class",
        "weight_grams",
        "low_stock_threshold",
    }
)


def _as_decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _store_fields_normalize(fields: dict[str, Any]) -> dict[str, Any]:
    """Bring values to the form the database gives back, so that equal means unchanged."""
    normalizers = {
        "postal_code": postal_code_normalize,
        "neq": neq_normalize,
        "gst_number": gst_number_normalize,
        "qst_number": qst_number_normalize,
        "phone": phone_normalize,
    }
    for name, normalize in normalizers.items():
        if name in fields:
            fields[name] = normalize(fields[name])
    for name in ("latitude", "longitude"):
        if fields.get(name) is not None:
            fields[name] = _as_decimal(fields[name])
    return fields


def _store_slug_free(name: str) -> str:
    """A slug from the store's name that no store and no page of /boutiques/ uses yet."""
    base = slugify(name)[:70] or "boutique"
    slug, n = base, 1
    while slug in RESERVED_STORE_SLUGS or Store.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def store_create(
    *,
    slug: str,
    name: str,
    legal_name: str,
    neq: str,
    neighbourhood: str,
    street_address: str,
    locality: str,
    postal_code: str,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    description: str = "",
    phone: str = "",
    opening_hours: dict[str, Any] | None = None,
    small_supplier: bool = False,
    gst_number: str = "",
    qst_number: str = "",
    applicant: User | None = None,
    acting_user: Any,
) -> Store:
    """Create a store; it stays pending, out of the directory, until the coop decides.

    Recorded in the audit trail with `acting_user` (None: the system, loading a catalogue).
    """
    store = Store(
        slug=slug,
        status=StoreStatus.PENDING,
        applicant=applicant,
        **_store_fields_normalize(
            {
                "name": name,
                "legal_name": legal_name,
                "neq": neq,
                "description": description,
                "neighbourhood": neighbourhood,
                "street_address": street_address,
                "locality": locality,
                "postal_code": postal_code,
                "latitude": latitude,
                "longitude": longitude,
                "phone": phone,
                "opening_hours": opening_hours or {},
                "small_supplier": small_supplier,
                "gst_number": gst_number,
                "qst_number": qst_number,
            }
        ),
    )
    store.full_clean()
    store.save()
    audit_record(
        acting_user=acting_user,
        action="store.create",
        target=store,
        subject_user=applicant,
        detail={"status": store.status},
    )
    return store


@transaction.atomic
def store_apply(*, applicant: User, slug: str | None = None, **fields: Any) -> Store:
    """`applicant` applies to sell through the coop: a pending store, with them as its
    owner, in one transaction.

    One application waits per person at a time (a partial unique constraint; a second
    one raises StoreApplicationPending). The fields are store_create's.
    """
    access_store_apply(applicant)
    if store_application_pending(applicant):
        raise StoreApplicationPending
    try:
        with transaction.atomic():
            store = store_create(
                slug=slug or _store_slug_free(fields.get("name", "")),
                applicant=applicant,
                acting_user=applicant,
                **fields,
            )
    except (IntegrityError, ValidationError):
        # Two applications raced past the check above: the constraint keeps one, seen as
        # an IntegrityError, or by full_clean once the other has committed.
        if Store.objects.filter(applicant=applicant, status=StoreStatus.PENDING).exists():
            raise StoreApplicationPending from None
        raise
    store_staff_set(store=store, user=applicant, role=StoreRole.OWNER, acting_user=applicant)
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
    *,
    slug: str,
    initial_status: StoreStatus | str = StoreStatus.PENDING,
    initial_decision_reason: str = "",
    **fields: Any,
) -> tuple[Store, bool]:
    """Create the store with this slug or bring its description to these values.

    `initial_status` (and the reason of a refusal or suspension) applies only when the
    store is created, as a decision of the system: approving, refusing or suspending is
    the coop's decision, which a reload of a catalogue must not undo. True if created.
    """
    store = Store.objects.filter(slug=slug).first()
    if store is not None:
        return store_update(store=store, acting_user=None, **fields), False
    store = store_create(slug=slug, acting_user=None, **fields)
    initial_status = StoreStatus(initial_status)
    if initial_status == StoreStatus.SUSPENDED:
        store_approve(store=store, acting_user=None)
        store_suspend(store=store, reason=initial_decision_reason, acting_user=None)
    elif initial_status == StoreStatus.APPROVED:
        store_approve(store=store, acting_user=None)
    elif initial_status == StoreStatus.REFUSED:
        store_refuse(store=store, reason=initial_decision_reason, acting_user=None)
    return store, True


@dataclass(frozen=True)
class StoreDecision:
    """A decision of the coop about a store: the statuses it applies to, the one it leads
    to, and its name in the audit trail."""

    before: frozenset[str]
    after: StoreStatus
    action: str


STORE_APPROVE = StoreDecision(
    frozenset({StoreStatus.PENDING, StoreStatus.SUSPENDED}), StoreStatus.APPROVED, "store.approve"
)
STORE_REFUSE = StoreDecision(frozenset({StoreStatus.PENDING}), StoreStatus.REFUSED, "store.refuse")
STORE_SUSPEND = StoreDecision(
    frozenset({StoreStatus.APPROVED}), StoreStatus.SUSPENDED, "store.suspend"
)


def _store_decide(*, store: Store, decision: StoreDecision, reason: str, acting_user: Any) -> Store:
    """Apply `decision` by a conditional UPDATE, so that a repeat does nothing and a
    decision the current status does not allow raises StoreDecisionInvalid; audited, and
    the store's owners are mailed once the transaction commits."""
    access_store_decide(acting_user=acting_user, store=store)
    reason = reason.strip()
    if decision.after in STATUSES_WITH_REASON and not reason:
        raise ValidationError(
            {"decision_reason": _("Say why the store is refused or suspended.")},
            code="reason_required",
        )
    actor = acting_user if getattr(acting_user, "is_authenticated", False) else None
    before = Store.objects.filter(pk=store.pk).values_list("status", flat=True).first()
    updated = Store.objects.filter(pk=store.pk, status__in=decision.before).update(
        status=decision.after,
        decision_reason=reason,
        decided_at=timezone.now(),
        decided_by=actor,
    )
    # A conditional UPDATE sends no post_save: the catalogue's cached stores must go, and
    # the searches that showed (or did not show) the store's listings.
    catalogue_choices_forget()
    catalogue_changed()
    store.refresh_from_db()
    if not updated:
        if store.status == decision.after:
            return store
        raise StoreDecisionInvalid
    audit_record(
        acting_user=acting_user,
        action=decision.action,
        target=store,
        subject_user=store.applicant,
        detail={"before": before, "after": decision.after, "reason": reason},
    )
    enqueue_on_commit(send_store_decision_email, store.pk)
    return store


@transaction.atomic
def store_approve(*, store: Store, acting_user: Any) -> Store:
    """The coop approves a pending store, or reinstates a suspended one: it is listed."""
    return _store_decide(store=store, decision=STORE_APPROVE, reason="", acting_user=acting_user)


@transaction.atomic
def store_refuse(*, store: Store, reason: str, acting_user: Any) -> Store:
    """The coop refuses a pending application, saying why; the retailer reads the reason."""
    return _store_decide(store=store, decision=STORE_REFUSE, reason=reason, acting_user=acting_user)


@transaction.atomic
def store_suspend(*, store: Store, reason: str, acting_user: Any) -> Store:
    """The coop takes an approved store out of the directory, saying why."""
    return _store_decide(
        store=store, decision=STORE_SUSPEND, reason=reason, acting_user=acting_user
    )


@transaction.atomic
def store_staff_set(
    *, store: Store, user: User, role: StoreRole | str = StoreRole.STAFF, acting_user: Any
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


def category_parent_check(*, category: Category, parent: Category | None) -> None:
    """Refuse a parent that is the category itself or one of its sub-categories."""
    seen = set()
    ancestor = parent
    while ancestor is not None and ancestor.pk not in seen:
        if ancestor.pk == category.pk:
            raise ValidationError(
                _("A category cannot sit under itself or one of its sub-categories."),
                code="category_cycle",
            )
        seen.add(ancestor.pk)
        ancestor = ancestor.parent


@transaction.atomic
def category_upsert(
    *,
    slug: str,
    name_fr: str,
    name_en: str = "",
    parent: Category | None = None,
    position: int = 0,
    acting_user: Any = None,
) -> tuple[Category, bool]:
    """Create the category with this slug or bring it to these values; True if created.

    A category never sits under itself, directly or through its sub-categories. A
    creation or a change is audited with `acting_user` (None: the system, loading a
    catalogue); no change writes nothing.
    """
    values = {
        "name_fr": name_fr,
        "name_en": name_en,
        "parent_id": parent.pk if parent is not None else None,
        "position": position,
    }
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        category = Category(slug=slug, **values)
        category.full_clean()
        category.save()
        audit_record(acting_user=acting_user, action="category.create", target=category)
        return category, True
    category_parent_check(category=category, parent=parent)
    changed = sorted(name for name, value in values.items() if getattr(category, name) != value)
    if changed_fields_save(category, values, CATEGORY_FIELDS):
        audit_record(
            acting_user=acting_user,
            action="category.update",
            target=category,
            detail={"fields": changed},
        )
    return category, False


@transaction.atomic
def store_staff_add(*, store: Store, user: User, acting_user: Any) -> StoreStaff:
    """An owner of `store` adds `user` to its staff (role staff); audited.

    Adding someone already on the staff does nothing; an owner stays an owner (owners are
    named by the coop, not by another owner).
    """
    access_store_staff_manage(acting_user=acting_user, store=store)
    current = StoreStaff.objects.filter(store=store, user=user).first()
    if current is not None:
        if current.role == StoreRole.OWNER:
            raise StoreStaffChangeRefused
        return current
    return store_staff_set(store=store, user=user, role=StoreRole.STAFF, acting_user=acting_user)


@transaction.atomic
def store_staff_dismiss(*, store: Store, user: User, acting_user: Any) -> None:
    """An owner of `store` removes `user` from its staff; audited. An owner is not removed
    here, so that a store never loses its last owner by an owner's click."""
    access_store_staff_manage(acting_user=acting_user, store=store)
    if StoreStaff.objects.filter(store=store, user=user, role=StoreRole.OWNER).exists():
        raise StoreStaffChangeRefused
    store_staff_remove(store=store, user=user, acting_user=acting_user)


@transaction.atomic
def listing_upsert(
    *,
    store: Store,
    slug: str,
    title_fr: str,
    description_fr: str,
    title_en: str = "",
    description_en: str = "",
    category: Category | None = None,
    initial_status: ListingStatus | str = ListingStatus.DRAFT,
) -> tuple[Listing, bool]:
    """Create the listing with this slug in `store` or bring its words and category to
    these values; True if created.

    `initial_status` applies only when the listing is created: publishing and
    unpublishing are the store's decisions (listing_status_set), which a reload of a
    catalogue must not undo.
    """
    values = {
        "title_fr": title_fr,
        "title_en": title_en,
        "description_fr": description_fr,
        "description_en": description_en,
        "category_id": category.pk if category is not None else None,
    }
    listing = Listing.objects.filter(store=store, slug=slug).first()
    if listing is None:
        status = ListingStatus(initial_status)
        if status == ListingStatus.UNPUBLISHED:
            raise ValueError("A new listing is a draft or published, never unpublished.")
        listing = Listing(
            store=store,
            slug=slug,
            status=status,
            published_at=timezone.now() if status == ListingStatus.PUBLISHED else None,
            **values,
        )
        listing.full_clean()
        listing.save()
        return listing, True
    changed_fields_save(listing, values, LISTING_FIELDS)
    return listing, False


# The audit action of each change of a listing's status.
LISTING_STATUS_ACTIONS = {
    ListingStatus.PUBLISHED: "listing.publish",
    ListingStatus.UNPUBLISHED: "listing.unpublish",
}


@transaction.atomic
def listing_status_set(
    *, listing: Listing, status: ListingStatus | str, acting_user: Any
) -> Listing:
    """Publish or unpublish a listing; `published_at` becomes the time of the last
    publication and stays when it is unpublished. A listing never returns to draft.

    Only its store's staff may (access_listing_manage; None is the system), and
    publishing needs what access_listing_publish asks: a payout account that receives
    transfers, and a variant. Audited with `acting_user`; setting the same status again
    writes nothing.
    """
    status = ListingStatus(status)
    access_listing_manage(acting_user=acting_user, store=listing.store)
    if status == ListingStatus.PUBLISHED and listing.status != ListingStatus.PUBLISHED:
        access_listing_publish(acting_user=acting_user, listing=listing)
    if status == ListingStatus.DRAFT:
        if listing.status == ListingStatus.DRAFT:
            return listing
        raise ValidationError(
            _("A listing that was published cannot return to draft; unpublish it instead."),
            code="listing_back_to_draft",
        )
    if listing.status == status:
        return listing
    before = listing.status
    values: dict[str, Any] = {"status": status}
    if status == ListingStatus.PUBLISHED:
        values["published_at"] = timezone.now()
    changed_fields_save(listing, values, frozenset({"status", "published_at"}))
    audit_record(
        acting_user=acting_user,
        action=LISTING_STATUS_ACTIONS[status],
        target=listing,
        detail={"before": before, "after": status},
    )
    return listing


@transaction.atomic
def variant_upsert(
    *,
    store: Store,
    listing: Listing,
    sku: str,
    name: str,
    price: Decimal,
    size_class: SizeClass | str,
    weight_grams: int,
    currency: Currency | str = Currency.CAD,
    initial_stock: int = 0,
    low_stock_threshold: int | None = None,
) -> tuple[Variant, bool]:
    """Create `store`'s variant with this SKU or bring its listing, name, price and parcel
    to these values; True if created.

    The SKU is looked up in `store` only, and `listing` must be one of `store`'s: one
    store's import never reaches another store's variants (the database holds a variant
    to its listing's store as well). `initial_stock` applies only on creation: stock moves
    with sales and restocking, which a reload must not undo; `low_stock_threshold` is left
    as it is when not given.
    """
    if listing.store_id != store.pk:
        raise ValidationError(
            _("A variant belongs to a listing of its own store."),
            code="variant_listing_of_another_store",
        )
    values: dict[str, Any] = {
        "listing_id": listing.pk,
        "name": name,
        "price": _as_decimal(price),
        "currency": Currency(currency),
        "size_class": SizeClass(size_class),
        "weight_grams": weight_grams,
    }
    if low_stock_threshold is not None:
        values["low_stock_threshold"] = low_stock_threshold
    variant = Variant.objects.filter(store=store, sku=sku).first()
    if variant is None:
        variant = Variant(store=store, sku=sku, stock=initial_stock, **values)
        variant.full_clean()
        variant.save()
        return variant, True
    changed_fields_save(variant, values, VARIANT_FIELDS)
    return variant, False


# --- What store staff do with their listings (marketplace/staff_views.py) ----------------


def _listing_slug_free(store: Store, title: str) -> str:
    """A slug from the title that no other listing of `store` uses yet."""
    base = slugify(title)[:110] or "article"
    slug, n = base, 1
    while Listing.objects.filter(store=store, slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def listing_create(
    *,
    store: Store,
    title_fr: str,
    description_fr: str,
    title_en: str = "",
    description_en: str = "",
    category: Category | None = None,
    acting_user: Any,
) -> Listing:
    """A member of `store`'s staff adds a listing: a draft, out of the shop until it is
    published; its slug comes from its French title. Audited."""
    access_listing_manage(acting_user=acting_user, store=store)
    listing = Listing(
        store=store,
        slug=_listing_slug_free(store, title_fr),
        status=ListingStatus.DRAFT,
        title_fr=title_fr,
        title_en=title_en,
        description_fr=description_fr,
        description_en=description_en,
        category=category,
    )
    listing.full_clean()
    listing.save()
    audit_record(acting_user=acting_user, action="listing.create", target=listing)
    return listing


@transaction.atomic
def listing_update(*, listing: Listing, acting_user: Any, **fields: Any) -> Listing:
    """A member of the store's staff changes a listing's words or category (not its slug
    or status); no write if unchanged, an audit event naming the changed fields
    otherwise."""
    access_listing_manage(acting_user=acting_user, store=listing.store)
    if "category" in fields:
        category = fields.pop("category")
        fields["category_id"] = category.pk if category is not None else None
    changed = sorted(name for name, value in fields.items() if getattr(listing, name) != value)
    if changed_fields_save(listing, fields, LISTING_FIELDS):
        audit_record(
            acting_user=acting_user,
            action="listing.update",
            target=listing,
            detail={"fields": changed},
        )
    return listing


def _sku_taken() -> ValidationError:
    return ValidationError(
        {
            "sku": ValidationError(
                _("Another variant of the store already has this SKU."), code="sku_taken"
            )
        }
    )


@transaction.atomic
def variant_create(
    *,
    listing: Listing,
    sku: str,
    name: str,
    price: Decimal,
    size_class: SizeClass | str,
    weight_grams: int,
    stock: int = 0,
    low_stock_threshold: int = 3,
    acting_user: Any,
) -> Variant:
    """A member of the store's staff adds a variant to a listing of their store, its SKU
    unique within the store (a database constraint; a duplicate is a ValidationError on
    `sku`). The price is in CAD, more than zero, two decimals at most. Audited."""
    access_listing_manage(acting_user=acting_user, store=listing.store)
    sku = sku.strip()
    if Variant.objects.filter(store_id=listing.store_id, sku=sku).exists():
        raise _sku_taken()
    variant = Variant(
        store_id=listing.store_id,
        listing=listing,
        sku=sku,
        name=name,
        price=_as_decimal(price),
        currency=Currency.CAD,
        size_class=SizeClass(size_class),
        weight_grams=weight_grams,
        stock=stock,
        low_stock_threshold=low_stock_threshold,
    )
    variant.full_clean()
    try:
        with transaction.atomic():
            variant.save()
    except IntegrityError:
        # Another variant with this SKU was added between the check and the insert.
        raise _sku_taken() from None
    audit_record(
        acting_user=acting_user,
        action="variant.create",
        target=variant,
        detail={"listing": listing.pk, "sku": sku, "stock": stock},
    )
    return variant


VARIANT_STAFF_FIELDS = frozenset(
    {"name", "price", "size_class", "weight_grams", "low_stock_threshold"}
)


@transaction.atomic
def variant_update(
    *,
    variant: Variant,
    acting_user: Any,
    stock: int | None = None,
    stock_seen: int | None = None,
    **fields: Any,
) -> Variant:
    """A member of the store's staff changes a variant's name, price, parcel or low-stock
    threshold (its SKU stays: imports find the variant by it), and may set its stock.

    The stock is set only if it is still `stock_seen`, the number the person saw: a sale
    in between raises StockChanged instead of being overwritten. Audited.
    """
    access_listing_manage(acting_user=acting_user, store=variant.listing.store)
    unknown = set(fields) - VARIANT_STAFF_FIELDS
    if unknown:
        raise TypeError(f"variant_update cannot change {', '.join(sorted(unknown))}")
    if "price" in fields:
        fields["price"] = _as_decimal(fields["price"])
    if "size_class" in fields:
        fields["size_class"] = SizeClass(fields["size_class"])
    changed = sorted(name for name, value in fields.items() if getattr(variant, name) != value)
    changed_fields_save(variant, fields, VARIANT_FIELDS)
    detail: dict[str, Any] = {"fields": changed}
    if stock is not None and stock != stock_seen:
        if stock < 0:
            raise ValidationError(
                {"stock": ValidationError(_("The stock cannot be negative."), code="min_value")}
            )
        expected = variant.stock if stock_seen is None else stock_seen
        catalogue_changed()  # an UPDATE sends no post_save
        if not Variant.objects.filter(pk=variant.pk, stock=expected).update(stock=stock):
            variant.refresh_from_db(fields=["stock"])
            raise StockChanged
        detail["stock"] = {"before": expected, "after": stock}
        variant.stock = stock
        changed.append("stock")
    if changed:
        audit_record(
            acting_user=acting_user, action="variant.update", target=variant, detail=detail
        )
    return variant


def _photo_files_delete(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        if name:
            default_storage.delete(name)


@transaction.atomic
def listing_photo_add(
    *, listing: Listing, upload: UploadedFile, alt_fr: str, alt_en: str = "", acting_user: Any
) -> ListingPhoto:
    """A member of the store's staff adds a photo to a listing, last in order.

    The upload is checked and re-encoded by marketplace.photos.photo_prepare (never kept
    as sent; a ValidationError says why it is refused); the row is written only once its
    three files are, so no page shows a broken image. At most LISTING_PHOTO_MAX photos: a
    slot per photo, unique per listing (ListingPhotoLimit past it). Audited.
    """
    access_listing_manage(acting_user=acting_user, store=listing.store)
    alt_fr, alt_en = alt_fr.strip(), alt_en.strip()
    if not alt_fr:
        raise ValidationError(
            {
                "alt_fr": ValidationError(
                    _("Describe the photo in French for people who cannot see it."),
                    code="alt_required",
                )
            }
        )
    if listing.photos.count() >= LISTING_PHOTO_MAX:
        raise ListingPhotoLimit
    prepared = photo_prepare(upload)
    token = secrets.token_hex(12)
    photo = ListingPhoto(listing=listing, alt_fr=alt_fr, alt_en=alt_en)
    photo.width, photo.height = prepared.image.width, prepared.image.height
    photo.image.save(f"{token}.{prepared.extension}", ContentFile(prepared.image.data), save=False)
    small, large = sorted(prepared.thumbnails)
    photo.thumbnail_small.save(
        f"{token}-{small}.{prepared.extension}",
        ContentFile(prepared.thumbnails[small].data),
        save=False,
    )
    photo.thumbnail_large.save(
        f"{token}-{large}.{prepared.extension}",
        ContentFile(prepared.thumbnails[large].data),
        save=False,
    )
    files = [photo.image.name, photo.thumbnail_small.name, photo.thumbnail_large.name]
    try:
        for _attempt in range(LISTING_PHOTO_MAX):
            taken = set(ListingPhoto.objects.filter(listing=listing).values_list("slot", flat=True))
            free = [slot for slot in range(LISTING_PHOTO_MAX) if slot not in taken]
            if not free:
                raise ListingPhotoLimit
            last = max(
                ListingPhoto.objects.filter(listing=listing).values_list("position", flat=True),
                default=-1,
            )
            photo.slot, photo.position = free[0], last + 1
            photo.full_clean(validate_constraints=False)
            try:
                with transaction.atomic():
                    photo.save()
            except IntegrityError:
                # Another upload took this slot at the same moment: try the next free one.
                continue
            break
        else:
            raise ListingPhotoLimit
    except Exception:
        _photo_files_delete(files)
        raise
    audit_record(
        acting_user=acting_user,
        action="listing.photo_add",
        target=listing,
        detail={"photo": photo.pk},
    )
    return photo


@transaction.atomic
def listing_photo_update(
    *, photo: ListingPhoto, alt_fr: str, alt_en: str = "", acting_user: Any
) -> ListingPhoto:
    """A member of the store's staff changes a photo's descriptions; audited if changed."""
    access_listing_manage(acting_user=acting_user, store=photo.listing.store)
    values = {"alt_fr": alt_fr.strip(), "alt_en": alt_en.strip()}
    if changed_fields_save(photo, values, frozenset(values)):
        audit_record(
            acting_user=acting_user,
            action="listing.photo_update",
            target=photo.listing,
            detail={"photo": photo.pk},
        )
    return photo


@transaction.atomic
def listing_photo_move(*, photo: ListingPhoto, offset: int, acting_user: Any) -> ListingPhoto:
    """A member of the store's staff moves a photo `offset` places (-1: earlier, 1: later)
    among its listing's; the first is the cover. The photos are renumbered from 0.
    Audited; a move past either end changes nothing."""
    access_listing_manage(acting_user=acting_user, store=photo.listing.store)
    photos = list(
        ListingPhoto.objects.filter(listing_id=photo.listing_id).order_by("position", "id")
    )
    index = next(i for i, other in enumerate(photos) if other.pk == photo.pk)
    target = min(max(index + offset, 0), len(photos) - 1)
    if target == index:
        return photo
    photos.insert(target, photos.pop(index))
    catalogue_changed()  # the first photo is the search result's thumbnail
    for position, other in enumerate(photos):
        if other.position != position:
            ListingPhoto.objects.filter(pk=other.pk).update(position=position)
    photo.position = target
    audit_record(
        acting_user=acting_user,
        action="listing.photo_move",
        target=photo.listing,
        detail={"photo": photo.pk, "position": target},
    )
    return photo


@transaction.atomic
def listing_photo_remove(*, photo: ListingPhoto, acting_user: Any) -> None:
    """A member of the store's staff removes a photo; its files go once the removal is
    committed (a rolled-back removal keeps them). Audited."""
    listing = photo.listing
    access_listing_manage(acting_user=acting_user, store=listing.store)
    files = [photo.image.name, photo.thumbnail_small.name, photo.thumbnail_large.name]
    photo_id = photo.pk
    photo.delete()
    transaction.on_commit(lambda: _photo_files_delete(files))
    audit_record(
        acting_user=acting_user,
        action="listing.photo_remove",
        target=listing,
        detail={"photo": photo_id},
    )


# --- Payout accounts -------------------------------------------------------------------

PAYOUT_ACCOUNT_FIELDS = frozenset(
    {"gateway", "account_id", "transfers_enabled", "details_submitted", "is_test"}
)


@transaction.atomic
def payout_account_record(
    *,
    store: Store,
    gateway: str,
    account_id: str,
    transfers_enabled: bool,
    details_submitted: bool = False,
    is_test: bool = False,
    acting_user: Any,
) -> PayoutAccount:
    """Record `store`'s account at a payment gateway as the gateway reports it (created or
    brought to these values); a store publishes only once `transfers_enabled`.

    The caller has checked who may (the gateway's onboarding, a webhook, the demo seed:
    `acting_user` None is the system). Audited when something changed.
    """
    values = {
        "gateway": gateway,
        "account_id": account_id,
        "transfers_enabled": transfers_enabled,
        "details_submitted": details_submitted,
        "is_test": is_test,
    }
    account = PayoutAccount.objects.filter(store=store).first()
    if account is None:
        account = PayoutAccount(store=store, **values)
        account.full_clean()
        account.save()
        changed = sorted(values)
    else:
        changed = sorted(name for name, value in values.items() if getattr(account, name) != value)
        if not changed_fields_save(account, values, PAYOUT_ACCOUNT_FIELDS):
            return account
    audit_record(
        acting_user=acting_user,
        action="payout_account.record",
        target=store,
        detail={"fields": changed, "transfers_enabled": transfers_enabled},
    )
    return account
