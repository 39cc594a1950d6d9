"""A store's point-of-sale API (docs/store-api.md): its keys, who may make and use them,
and the bulk stock update by SKU.

A key is `uqs_<16 hex digits>_<43 characters of base64url>`: the first part, its prefix,
is shown on the owner's page and finds the key; the whole key is 32 random bytes past the
prefix, so a plain SHA-256 digest is enough to store it (nobody can guess it to test
against the digest), compared in constant time. The key is shown once, at creation.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Case, IntegerField, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from identity.audit import audit_record
from identity.models import User
from marketplace.errors import (
    StoreApiKeyOwnerLeft,
    StoreApiKeyReadOnly,
    StoreApiKeyStoreNotApproved,
)
from marketplace.lock_objects import variants_lock_by_sku
from marketplace.models import (
    ReservationStatus,
    StockReservation,
    Store,
    StoreApiKey,
    StoreApiKeyScope,
    StoreRole,
    StoreStaff,
    StoreStatus,
    Variant,
)
from marketplace.search_cache import catalogue_changed
from marketplace.selectors import access_listing_manage

KEY_PREFIX = "uqs_"
# The whole key: the prefix (`uqs_` and 16 hex digits), `_`, then 43 base64url characters.
KEY_PATTERN = re.compile(r"(uqs_[0-9a-f]{16})_([A-Za-z0-9_-]{43})")
KEY_MAX_LENGTH = 64
# last_used_at is written at most this often, so that a busy till does not write on every
# request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# The most SKUs one bulk stock update may carry.
STOCK_ITEMS_MAX = 1000
# Variant.stock is a PositiveIntegerField: PostgreSQL's integer.
STOCK_MAX = 2_147_483_647


def store_api_key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("ascii", "replace")).hexdigest()


# --- Who may ---------------------------------------------------------------------------


def access_store_api_key_manage(*, acting_user: Any, store: Store) -> None:
    """Raise PermissionDenied unless `acting_user` may make and revoke `store`'s API keys:
    an active person who owns it, the store approved by the coop."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.is_active:
        raise PermissionDenied
    if not StoreStaff.objects.filter(store=store, user=acting_user, role=StoreRole.OWNER).exists():
        raise PermissionDenied
    if store.status != StoreStatus.APPROVED:
        raise PermissionDenied


def access_store_api_key_use(*, api_key: StoreApiKey) -> None:
    """Raise unless a live key (store_api_key_authenticate found it) may call the API now:
    its store approved (StoreApiKeyStoreNotApproved), the owner who made it active and
    still an owner (StoreApiKeyOwnerLeft): the key acts for them."""
    if api_key.store.status != StoreStatus.APPROVED:
        raise StoreApiKeyStoreNotApproved
    if not api_key.created_by.is_active:
        raise StoreApiKeyOwnerLeft
    if not StoreStaff.objects.filter(
        store_id=api_key.store_id, user_id=api_key.created_by_id, role=StoreRole.OWNER
    ).exists():
        raise StoreApiKeyOwnerLeft


def access_store_api_write(*, api_key: StoreApiKey) -> None:
    """Raise StoreApiKeyReadOnly unless the key was made to read and write."""
    if api_key.scope != StoreApiKeyScope.READ_WRITE:
        raise StoreApiKeyReadOnly


# --- Keys ------------------------------------------------------------------------------


@transaction.atomic
def store_api_key_create(
    *, store: Store, name: str, scope: StoreApiKeyScope | str, acting_user: User
) -> tuple[StoreApiKey, str]:
    """A new key for `store`, made by its owner; the key itself is returned here only.
    Audited."""
    access_store_api_key_manage(acting_user=acting_user, store=store)
    prefix = KEY_PREFIX + secrets.token_hex(8)
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    api_key = StoreApiKey(
        store=store,
        name=name.strip(),
        prefix=prefix,
        secret_digest=store_api_key_digest(key),
        scope=StoreApiKeyScope(scope),
        created_by=acting_user,
    )
    api_key.full_clean()
    api_key.save()
    audit_record(
        acting_user=acting_user,
        action="store_api_key.create",
        target=api_key,
        detail={"store": store.slug, "prefix": prefix, "scope": api_key.scope},
    )
    return api_key, key


@transaction.atomic
def store_api_key_revoke(*, api_key: StoreApiKey, acting_user: User) -> StoreApiKey:
    """The key opens nothing from now on; revoking twice changes nothing. Audited."""
    access_store_api_key_manage(acting_user=acting_user, store=api_key.store)
    if StoreApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=acting_user
    ):
        audit_record(
            acting_user=acting_user,
            action="store_api_key.revoke",
            target=api_key,
            detail={"store": api_key.store.slug, "prefix": api_key.prefix},
        )
    api_key.refresh_from_db()
    return api_key


def store_api_key_authenticate(key: Any) -> StoreApiKey | None:
    """The live (not revoked) key this is, with its store and maker; None for anything
    else. Notes when it was last used (at most once a minute)."""
    if not isinstance(key, str) or len(key) > KEY_MAX_LENGTH:
        return None
    match = KEY_PATTERN.fullmatch(key)
    if match is None:
        return None
    api_key = (
        StoreApiKey.objects.select_related("store", "created_by")
        .filter(prefix=match.group(1), revoked_at__isnull=True)
        .first()
    )
    if api_key is None:
        return None
    if not hmac.compare_digest(api_key.secret_digest, store_api_key_digest(key)):
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        StoreApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


def store_api_keys(store: Store) -> list[StoreApiKey]:
    """The store's keys, live ones first, newest first, with who made and revoked them."""
    return sorted(
        StoreApiKey.objects.filter(store=store).select_related("created_by", "revoked_by"),
        key=lambda k: (k.revoked_at is not None, -k.created_at.timestamp(), -k.pk),
    )


# --- Stock from the point of sale ------------------------------------------------------


@dataclass(frozen=True)
class StockLevel:
    """What a bulk update set for one SKU: the units on hand the till counted, the units
    held by checkouts not yet paid, and what is left to sell online (`stock`)."""

    sku: str
    on_hand: int
    reserved: int
    stock: int


def _item_order(field: str) -> tuple[int, str]:
    index = re.match(r"items\[(\d+)\]", field)
    return (int(index.group(1)) if index else -1, field)


def _invalid_items(errors: dict[str, list[str]]) -> ValidationError:
    """One ValidationError with every bad item, in the order of the items."""
    return ValidationError(
        {
            field: [ValidationError(message) for message in errors[field]]
            for field in sorted(errors, key=_item_order)
        }
    )


def _variants_stock_write(new_stock: dict[int, int]) -> None:
    """Set each variant's stock (by id) in one UPDATE. On PostgreSQL the values travel as
    two arrays joined by id (two parameters, one pass); elsewhere (SQLite, the embedded
    default) as one CASE, whose cost grows with the square of the count."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Variant._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET stock = new.stock "  # noqa: S608 - our table's name
                "FROM unnest(%s::integer[], %s::integer[]) AS new(id, stock) "
                f"WHERE {table}.id = new.id",
                [list(new_stock), list(new_stock.values())],
            )
        return
    Variant.objects.filter(pk__in=list(new_stock)).update(
        stock=Case(
            *(When(pk=pk, then=Value(stock)) for pk, stock in new_stock.items()),
            output_field=IntegerField(),
        )
    )


@transaction.atomic
def variants_stock_set(
    *,
    store: Store,
    items: list[tuple[str, int]],
    acting_user: Any,
    api_key: StoreApiKey | None = None,
) -> list[StockLevel]:
    """Set the stock of `store`'s variants from their SKU and the units on hand a till
    counted, all or nothing: one SKU the store does not have, a SKU twice or a count out
    of range raises one ValidationError naming every bad item (`items[<index>].sku`,
    `items[<index>].stock`), and nothing changes.

    Units held by checkouts not yet paid were already taken from a variant's stock
    (marketplace.checkout) and go back to it if the checkout lapses: what is left to sell
    is the count less those, never below zero. The variants are locked in primary-key
    order (lock_objects), read, and written in one UPDATE: a constant number of queries
    whatever the number of items. One audit event for the whole update."""
    access_listing_manage(acting_user=acting_user, store=store)
    errors: dict[str, list[str]] = {}
    if not items:
        errors["items"] = [_("Send at least one item.")]
    if len(items) > STOCK_ITEMS_MAX:
        errors["items"] = [
            _("Send at most %(count)s items in one request.") % {"count": STOCK_ITEMS_MAX}
        ]
    if errors:
        raise _invalid_items(errors)
    seen: dict[str, int] = {}
    for index, (sku, on_hand) in enumerate(items):
        if sku in seen:
            errors[f"items[{index}].sku"] = [
                _("This SKU is already in item %(index)s.") % {"index": seen[sku]}
            ]
        else:
            seen[sku] = index
        if isinstance(on_hand, bool) or not isinstance(on_hand, int):
            errors[f"items[{index}].stock"] = [_("A whole number is required.")]
        elif not 0 <= on_hand <= STOCK_MAX:
            errors[f"items[{index}].stock"] = [
                _("The stock is a whole number from 0 to %(max)s.") % {"max": STOCK_MAX}
            ]
    variants = variants_lock_by_sku(store_id=store.pk, skus=list(seen))
    for sku, index in seen.items():
        if sku not in variants:
            errors.setdefault(f"items[{index}].sku", []).append(
                _("No variant of this store has this SKU.")
            )
    if errors:
        raise _invalid_items(errors)
    held = dict(
        StockReservation.objects.filter(
            variant_id__in=[variant.pk for variant in variants.values()],
            status=ReservationStatus.HELD,
        )
        .values_list("variant_id")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    levels = []
    changes = []
    new_stock: dict[int, int] = {}
    for sku, on_hand in items:
        variant = variants[sku]
        reserved = held.get(variant.pk, 0)
        stock = max(0, on_hand - reserved)
        levels.append(StockLevel(sku=sku, on_hand=on_hand, reserved=reserved, stock=stock))
        if stock != variant.stock:
            new_stock[variant.pk] = stock
            changes.append({"sku": sku, "before": variant.stock, "after": stock})
    if new_stock:
        catalogue_changed()  # an UPDATE sends no post_save
        _variants_stock_write(new_stock)
        audit_record(
            acting_user=acting_user,
            action="variant.stock_bulk_set",
            target=store,
            detail={
                "api_key": api_key.prefix if api_key is not None else None,
                "items": len(items),
                "changes": changes,
            },
        )
    return levels
