from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.models import StoreRole, StoreStatus, Variant
from marketplace.services import (
    store_approve,
    store_staff_set,
    store_suspend,
    store_upsert,
    variant_upsert,
)

pytestmark = pytest.mark.django_db

STORE = {
    "slug": "fromagerie-test",
    "name": "Fromagerie test",
    "legal_name": "Fromagerie test inc.",
    "neq": "1143 920 115",
    "small_supplier": True,
    "neighbourhood": "Limoilou",
    "street_address": "1000, 3e Avenue",
    "locality": "Québec",
    "postal_code": "g1l2x8",
    "latitude": "46.826870",
    "longitude": Decimal("-71.228520"),
}


def _writes(queries) -> list[str]:
    return [
        q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]


def test_store_upsert_creates_then_writes_nothing_when_unchanged():
    store, created = store_upsert(**STORE)
    assert created
    assert store.postal_code == "G1L 2X8"
    assert store.neq == "1143920115"
    assert store.status == StoreStatus.PENDING
    with CaptureQueriesContext(connection) as queries:
        again, created = store_upsert(**STORE)
    assert not created
    assert again.pk == store.pk
    assert _writes(queries.captured_queries) == []


def test_store_upsert_updates_description_but_never_the_coop_decision():
    store, _ = store_upsert(initial_status=StoreStatus.APPROVED, **STORE)
    store_suspend(store=store, reason="Plaintes répétées.", acting_user=None)
    store, _ = store_upsert(initial_status=StoreStatus.APPROVED, **{**STORE, "name": "Nouveau"})
    store.refresh_from_db()
    assert store.name == "Nouveau"
    assert store.status == StoreStatus.SUSPENDED


def test_variant_upsert_sets_stock_only_on_creation(make_store):
    store = make_store(listings=1)
    listing = store.listings.get()
    variant, created = variant_upsert(
        listing=listing, sku="NEW-1", name="Un", price="3.00", initial_stock=5
    )
    assert created and variant.stock == 5
    Variant.objects.filter(pk=variant.pk).update(stock=2)  # two were sold
    variant, created = variant_upsert(
        listing=listing, sku="NEW-1", name="Un", price="3.50", initial_stock=5
    )
    variant.refresh_from_db()
    assert not created
    assert variant.stock == 2
    assert variant.price == Decimal("3.50")


def test_store_staff_set_adds_then_changes_the_role(make_store, store_worker):
    store = make_store()
    membership = store_staff_set(store=store, user=store_worker, acting_user=None)
    assert membership.role == StoreRole.STAFF
    again = store_staff_set(store=store, user=store_worker, role=StoreRole.OWNER, acting_user=None)
    assert again.pk == membership.pk
    assert store.staff.get().role == StoreRole.OWNER


def test_a_store_decision_is_audited_once_with_who_took_it(make_person):
    from identity.audit import audit_events_for

    admin = make_person("admin@example.com", "coop_admin")
    store, _ = store_upsert(**STORE)
    store_approve(store=store, acting_user=admin)
    store_approve(store=store, acting_user=admin)
    decisions = [e for e in audit_events_for(store) if e.action != "store.create"]
    assert [(e.action, e.acting_user, e.detail) for e in decisions] == [
        ("store.approve", admin, {"before": "pending", "after": "approved", "reason": ""})
    ]


def test_store_staff_changes_are_audited(make_store, store_worker, make_person):
    from identity.models import AuditEvent
    from marketplace.services import store_staff_remove

    admin = make_person("admin@example.com", "coop_admin")
    store = make_store()
    store_staff_set(store=store, user=store_worker, acting_user=admin)
    store_staff_set(store=store, user=store_worker, acting_user=admin)
    store_staff_set(store=store, user=store_worker, role=StoreRole.OWNER, acting_user=admin)
    store_staff_remove(store=store, user=store_worker, acting_user=admin)
    store_staff_remove(store=store, user=store_worker, acting_user=admin)
    events = AuditEvent.objects.filter(subject_user=store_worker).order_by("id")
    assert [(e.action, e.detail) for e in events] == [
        ("store.staff_set", {"role": "staff"}),
        ("store.staff_set", {"role": "owner"}),
        ("store.staff_remove", {}),
    ]
