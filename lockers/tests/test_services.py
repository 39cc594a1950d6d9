# ruff: noqa: RUF001 - French typography (en dashes, multiplication signs) is intended.
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lockers.models import CompartmentState, Site
from lockers.services import compartments_ensure, site_upsert

pytestmark = pytest.mark.django_db

SITE = {
    "slug": "metro-mont-royal",
    "name": "Casiers métro Mont-Royal",
    "host_kind": "metro_station",
    "host_name": "Station Mont-Royal (STM)",
    "street_address": "465, avenue du Mont-Royal Est",
    "locality": "Montréal",
    "postal_code": "h2j1w3",
    "latitude": "45.524530",
    "longitude": Decimal("-73.581670"),
    "access_hours": "Tous les jours 5 h 30 – 1 h",
    "opening_hours": {"mon": [("00:00", "01:00"), ("05:30", "24:00")]},
}


def _writes(queries) -> list[str]:
    return [
        q["sql"] for q in queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]


def test_site_upsert_creates_then_writes_nothing_when_unchanged():
    site, created = site_upsert(**SITE)
    assert created
    assert site.postal_code == "H2J 1W3"
    with CaptureQueriesContext(connection) as queries:
        again, created = site_upsert(**SITE)
    assert not created and again.pk == site.pk
    assert _writes(queries.captured_queries) == []


def test_site_upsert_changes_what_differs():
    site_upsert(**SITE)
    site_upsert(**{**SITE, "access_hours": "Tous les jours 5 h 30 – 0 h 30"})
    assert Site.objects.get().access_hours == "Tous les jours 5 h 30 – 0 h 30"
    assert Site.objects.count() == 1


def test_compartments_ensure_labels_each_size_with_its_letter(make_site):
    site = make_site(counts={"S": 3, "M": 2, "L": 1})
    assert sorted(site.compartments.values_list("label", "size_class")) == [
        ("A01", "S"),
        ("A02", "S"),
        ("A03", "S"),
        ("B01", "M"),
        ("B02", "M"),
        ("C01", "L"),
    ]
    assert set(site.compartments.values_list("state", flat=True)) == {"available"}


def test_compartments_ensure_adds_only_what_is_missing_and_keeps_states(make_site):
    site = make_site(counts={"S": 2, "M": 1, "L": 1})
    site.compartments.filter(label="A01").update(state=CompartmentState.OCCUPIED)
    assert compartments_ensure(site=site, counts={"S": 2, "M": 1, "L": 1}) == []
    added = compartments_ensure(site=site, counts={"S": 4, "M": 1, "L": 0})
    assert [c.label for c in added] == ["A03", "A04"]
    assert site.compartments.get(label="A01").state == CompartmentState.OCCUPIED
    assert site.compartments.count() == 6


def test_compartments_ensure_skips_labels_already_taken(make_site):
    site = make_site(counts={"S": 0, "M": 0, "L": 0})
    site.compartments.create(label="A01", size_class="M")  # a site labelled its own way
    added = compartments_ensure(site=site, counts={"S": 1})
    assert [c.label for c in added] == ["A02"]


def test_site_changes_are_audited_with_who_made_them(make_person):
    from identity.audit import audit_events_for
    from lockers.services import site_update

    admin = make_person("admin@example.com", "coop_admin")
    site, _ = site_upsert(**SITE)
    site_update(site=site, host_name="Autre hôte", acting_user=admin)
    site_update(site=site, host_name="Autre hôte", acting_user=admin)
    site_update(site=site, is_active=False, acting_user=admin)
    events = sorted(audit_events_for(site), key=lambda event: event.pk)
    assert [(e.action, e.acting_user) for e in events] == [
        ("site.create", None),
        ("site.update", admin),
        ("site.deactivate", admin),
    ]
