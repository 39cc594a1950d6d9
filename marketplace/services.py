"""Every write to the marketplace goes through a function here.

The upserts exist for loading catalogues (the demo seed, a store's import): they are
keyed on natural keys and write nothing when the values are already there. They set
what describes a thing (names, prices) but never undo what has happened since it was
created: the coop's approval of a store and a variant's stock are set on creation only.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from core.enqueue import enqueue_on_commit
from core.writes import changed_fields_save
from identity.audit import audit_record
from identity.models import User
from identity.validators import phone_normalize, postal_code_normalize
from lockers.models import SizeClass
from marketplace.errors import (
    StoreApplicationPending,
    StoreDecisionInvalid,
    StoreStaffChangeRefused,
)
from marketplace.models import (
    RESERVED_STORE_SLUGS,
    STATUSES_WITH_REASON,
    Currency,
    Listing,
    Store,
    StoreRole,
    StoreStaff,
    StoreStatus,
    Variant,
)
from marketplace.selectors import (
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
LISTING_FIELDS = frozenset({"title", "description", "size_class", "is_active"})
VARIANT_FIELDS = frozenset({"listing_id", "name", "price", "currency"})


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
