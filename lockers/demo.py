# ruff: noqa: RUF001 - French typography (en dashes) is intended.
"""The demo locker sites (`manage.py seed_demo` loads them after identity's people).

Every site is invented; streets, postal areas and metro stations are real so that the
couriers' rounds look like Québec. Natural key: a site's slug. Existing compartments are
never changed (they may hold parcels), only missing ones added.
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from core.demo import DemoSummary
from identity.models import User
from lockers import services
from lockers.kiosk_devices import kiosk_device_create, kiosk_secret_digest
from lockers.models import HostKind, KioskDevice, Parcel, ParcelStatus, Site
from lockers.services import compartments_ensure, site_upsert

COMPARTMENTS_PER_SITE = {"S": 6, "M": 4, "L": 2}

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS = DAYS[:5]
WEEKEND = DAYS[5:]


def _hours(*spans: tuple[list[str], list[list[str]]]) -> dict[str, list[list[str]]]:
    """Opening hours from (days, intervals) pairs."""
    hours: dict[str, list[list[str]]] = {}
    for days, intervals in spans:
        for day in days:
            hours[day] = [list(interval) for interval in intervals]
    return hours


BRANCH_EVERY_DAY = _hours((DAYS, [["06:00", "23:00"]]))
BRANCH_SHORTER_WEEKEND = _hours(
    (WEEKDAYS, [["07:00", "22:00"]]),
    (WEEKEND, [["08:00", "20:00"]]),
)
# The metro runs past midnight: each day opens at 5 h 30 and the night's last hour
# belongs to the next day.
METRO = _hours((DAYS, [["00:00", "01:00"], ["05:30", "24:00"]]))

# A site's name is the place's own (a branch, a station): a proper name, the same in French
# and in English; the pages say what kind of place it is (HostKind) in the person's language.
SITES: list[dict[str, Any]] = [
    {
        "slug": "desjardins-saint-roch",
        "name": "Desjardins Saint-Roch",
        "host_kind": HostKind.DESJARDINS,
        "host_name": "Caisse Desjardins, centre de services Saint-Roch",
        "street_address": "155, boulevard Charest Est",
        "locality": "Québec",
        "postal_code": "G1K 3G6",
        "latitude": Decimal("46.811820"),
        "longitude": Decimal("-71.221900"),
        "access_hours": "Tous les jours 6 h – 23 h",
        "opening_hours": BRANCH_EVERY_DAY,
    },
    {
        "slug": "desjardins-limoilou",
        "name": "Desjardins Limoilou",
        "host_kind": HostKind.DESJARDINS,
        "host_name": "Caisse Desjardins, centre de services 3e Avenue",
        "street_address": "799, 3e Avenue",
        "locality": "Québec",
        "postal_code": "G1L 2W9",
        "latitude": Decimal("46.823770"),
        "longitude": Decimal("-71.231470"),
        "access_hours": "Lun–ven 7 h – 22 h · sam–dim 8 h – 20 h",
        "opening_hours": BRANCH_SHORTER_WEEKEND,
    },
    {
        "slug": "banque-nationale-sainte-foy",
        "name": "Banque Nationale Sainte-Foy",
        "host_kind": HostKind.NATIONAL_BANK,
        "host_name": "Banque Nationale, succursale Laurier",
        "street_address": "2700, boulevard Laurier",
        "locality": "Québec",
        "postal_code": "G1V 2L8",
        "latitude": Decimal("46.772270"),
        "longitude": Decimal("-71.286300"),
        "access_hours": "Tous les jours 6 h – 23 h",
        "opening_hours": BRANCH_EVERY_DAY,
    },
    {
        "slug": "banque-nationale-saint-jean",
        "name": "Banque Nationale Saint-Jean",
        "host_kind": HostKind.NATIONAL_BANK,
        "host_name": "Banque Nationale, succursale Saint-Jean",
        "street_address": "821, rue Saint-Jean",
        "locality": "Québec",
        "postal_code": "G1R 1R2",
        "latitude": Decimal("46.809560"),
        "longitude": Decimal("-71.219980"),
        "access_hours": "Lun–ven 7 h – 22 h · sam–dim 8 h – 20 h",
        "opening_hours": BRANCH_SHORTER_WEEKEND,
    },
    {
        "slug": "metro-berri-uqam",
        "name": "Station Berri-UQAM",
        "host_kind": HostKind.METRO_STATION,
        "host_name": "Station Berri-UQAM (STM)",
        "street_address": "505, boulevard De Maisonneuve Est",
        "locality": "Montréal",
        "postal_code": "H2L 1Y4",
        "latitude": Decimal("45.515050"),
        "longitude": Decimal("-73.561030"),
        "access_hours": "Tous les jours 5 h 30 – 1 h (heures du métro)",
        "opening_hours": METRO,
    },
    {
        "slug": "metro-mont-royal",
        "name": "Station Mont-Royal",
        "host_kind": HostKind.METRO_STATION,
        "host_name": "Station Mont-Royal (STM)",
        "street_address": "465, avenue du Mont-Royal Est",
        "locality": "Montréal",
        "postal_code": "H2J 1W3",
        "latitude": Decimal("45.524530"),
        "longitude": Decimal("-73.581670"),
        "access_hours": "Tous les jours 5 h 30 – 1 h (heures du métro)",
        "opening_hours": METRO,
    },
    {
        "slug": "metro-jean-talon",
        "name": "Station Jean-Talon",
        "host_kind": HostKind.METRO_STATION,
        "host_name": "Station Jean-Talon (STM)",
        "street_address": "430, rue Jean-Talon Est",
        "locality": "Montréal",
        "postal_code": "H2R 1T1",
        "latitude": Decimal("45.539200"),
        "longitude": Decimal("-73.613800"),
        "access_hours": "Tous les jours 5 h 30 – 1 h (heures du métro)",
        "opening_hours": METRO,
    },
    {
        "slug": "desjardins-verdun",
        "name": "Desjardins Verdun",
        "host_kind": HostKind.DESJARDINS,
        "host_name": "Caisse Desjardins, centre de services Wellington",
        "street_address": "4100, rue Wellington",
        "locality": "Montréal",
        "postal_code": "H4G 1V7",
        "latitude": Decimal("45.458960"),
        "longitude": Decimal("-73.570900"),
        "access_hours": "Tous les jours 6 h – 23 h",
        "opening_hours": BRANCH_EVERY_DAY,
    },
]


def demo_load(*, summary: DemoSummary) -> dict[str, Site]:
    """Bring every demo site and its compartments to the data above; the sites by slug."""
    sites = {}
    for site_data in SITES:
        site, created = site_upsert(**site_data)
        summary.count("locker sites", created)
        added = compartments_ensure(site=site, counts=COMPARTMENTS_PER_SITE)
        summary.created["compartments"] += len(added)
        summary.existing["compartments"] += site.compartments.count() - len(added)
        sites[site.slug] = site
    parcels_load(sites=sites, summary=summary)
    courier_round_load(sites=sites, summary=summary)
    kiosk_demo_load(summary=summary)
    return sites


# The demo parcels, by their natural key (the external reference), each brought once
# through the services to the state it shows: (reference, size, site, state).
PARCELS: list[tuple[str, str, str, str]] = [
    ("demo/commande-0001/colis-1", "S", "desjardins-saint-roch", "created"),
    ("demo/commande-0002/colis-1", "M", "desjardins-limoilou", "reserved"),
    ("demo/commande-0003/colis-1", "S", "banque-nationale-sainte-foy", "with_courier"),
    ("demo/commande-0004/colis-1", "S", "metro-berri-uqam", "in_locker"),
    ("demo/commande-0005/colis-1", "M", "metro-mont-royal", "picked_up"),
    ("demo/commande-0006/colis-1", "L", "desjardins-verdun", "expired"),
    ("demo/commande-0007/colis-1", "S", "banque-nationale-saint-jean", "returned"),
]
DEMO_COURIER_EMAIL = "courier@demo.uniqc.coop"


def parcels_load(*, sites: dict[str, Site], summary: DemoSummary) -> None:
    """Make the demo parcels that are missing, each with its chain of custody. A parcel
    already there is left as it is (it may have moved on since). Needs identity's demo
    courier; without it, no parcel is made."""
    courier = User.objects.filter(email=DEMO_COURIER_EMAIL).first()
    if courier is None:
        return
    existing = set(
        Parcel.objects.filter(external_reference__in=[p[0] for p in PARCELS]).values_list(
            "external_reference", flat=True
        )
    )
    for reference, size, slug, state in PARCELS:
        summary.count("parcels", reference not in existing)
        if reference not in existing:
            _parcel_make(reference, size, sites[slug], state, courier)


def _parcel_make(reference: str, size: str, site: Site, state: str, courier: User) -> None:
    now = timezone.now()
    parcel = services.parcel_create(
        external_reference=reference, size_class=size, destination_site=site, acting_user=None
    )
    if state == "created":
        return
    services.reservation_hold(parcel=parcel, site=site, expires_at=now + timedelta(hours=24))
    if state == "reserved":
        return
    services.parcel_pickup_from_store(parcel=parcel, courier=courier)
    if state == "with_courier":
        return
    deposit = services.parcel_deposit_begin(parcel=parcel, site=site, courier=courier)
    # An expired or returned parcel was placed more than the hold's hours ago.
    placed = now - timedelta(hours=80) if state in ("expired", "returned") else now
    services.compartment_door_event(
        compartment=deposit.compartment, kind="closed", occupied=True, at=placed
    )
    if state == "picked_up":
        services.compartment_door_event(
            compartment=deposit.compartment, kind="opened", occupied=True, at=now
        )
        services.compartment_door_event(
            compartment=deposit.compartment, kind="closed", occupied=False, at=now
        )
    if state in ("expired", "returned"):
        services.parcels_expiry_run(now=now)
    if state == "returned":
        retrieval = services.parcel_retrieve(parcel=parcel, courier=courier)
        services.compartment_door_event(
            compartment=retrieval.compartment, kind="closed", occupied=False, at=now
        )
        services.parcel_return_to_store(parcel=parcel, courier=courier)


# --- The demo courier's round (issue 11, point 5) ----------------------------------------

# Parcels the demo stores packed, waiting for a courier: (reference, size, site, store,
# minutes until due in the locker). The stores are the marketplace's demo stores, named
# here in words (lockers knows no stores). One is an express parcel due soon.
ROUND_STORES: dict[str, dict[str, Any]] = {
    "faubourg": {
        "origin_name": "Boulangerie du Faubourg",
        "origin_address": "745, rue Saint-Jean, Québec",
        "origin_latitude": Decimal("46.810540"),
        "origin_longitude": Decimal("-71.218950"),
    },
    "fromagerie": {
        "origin_name": "Fromagerie du Marché Saint-Roch",
        "origin_address": "418, rue Saint-Joseph Est, Québec",
        "origin_latitude": Decimal("46.813960"),
        "origin_longitude": Decimal("-71.225310"),
    },
    "page": {
        "origin_name": "Librairie La Page tournée",
        "origin_address": "1062, 3e Avenue, Québec",
        "origin_latitude": Decimal("46.826870"),
        "origin_longitude": Decimal("-71.228520"),
    },
}
ROUND_PARCELS: list[tuple[str, str, str, str, int]] = [
    ("demo/tournee-0001/colis-1", "S", "desjardins-saint-roch", "faubourg", 75),
    ("demo/tournee-0002/colis-1", "M", "desjardins-limoilou", "fromagerie", 20 * 60),
    ("demo/tournee-0003/colis-1", "S", "desjardins-limoilou", "page", 22 * 60),
    ("demo/tournee-0004/colis-1", "S", "banque-nationale-saint-jean", "faubourg", 20 * 60),
]


def courier_round_load(*, sites: dict[str, Site], summary: DemoSummary) -> None:
    """Give the demo courier a manifest: parcels packed at the demo stores, ready to be
    collected. A parcel already there is left as it is (it may have moved on)."""
    existing = set(
        Parcel.objects.filter(external_reference__in=[p[0] for p in ROUND_PARCELS]).values_list(
            "external_reference", flat=True
        )
    )
    now = timezone.now()
    for reference, size, slug, store, minutes in ROUND_PARCELS:
        summary.count("parcels ready for couriers", reference not in existing)
        if reference in existing:
            continue
        parcel = services.parcel_create(
            external_reference=reference,
            size_class=size,
            destination_site=sites[slug],
            acting_user=None,
            deliver_by=now + timedelta(minutes=minutes),
            **ROUND_STORES[store],
        )
        services.parcel_ready(parcel=parcel, acting_user=None)


# --- The demo kiosk (issue 11, point 7) ---------------------------------------------------

DEMO_KIOSK_SITE = "metro-berri-uqam"
DEMO_KIOSK_NAME = "Écran de démonstration"
# Published on purpose, like the demo people's password: it exists only in the demo data
# (`seed_demo`), never in settings, and `make run` prints it.
DEMO_KIOSK_SECRET = "uqk_demo-kiosk-berri-uqam-published-not-secret"  # noqa: S105
# The demo parcel waiting in a locker at the kiosk's site.
DEMO_KIOSK_PARCEL = "demo/commande-0004/colis-1"


def kiosk_demo_load(*, summary: DemoSummary) -> KioskDevice | None:
    """The demo kiosk device of DEMO_KIOSK_SITE, with the published secret. A device
    already there is left as it is (an admin may have revoked it)."""
    site = Site.objects.filter(slug=DEMO_KIOSK_SITE).first()
    if site is None:
        return None
    device = KioskDevice.objects.filter(site=site, name=DEMO_KIOSK_NAME).first()
    summary.count("kiosk devices", device is None)
    if device is None:
        device, _secret = kiosk_device_create(site=site, name=DEMO_KIOSK_NAME, acting_user=None)
        # The service draws a random secret; the demo's is known, so that `make run`
        # can print it.
        KioskDevice.objects.filter(pk=device.pk).update(
            secret_digest=kiosk_secret_digest(DEMO_KIOSK_SECRET)
        )
    return device


def kiosk_demo_sign_in() -> list[str]:
    """What `make run` prints for the kiosk: where to set it up, its secret, and a new
    pickup code for the demo parcel in its locker (codes are stored hashed, so each run
    issues a fresh one through parcel_pickup_code_reissue)."""
    lines = [
        f"Demo kiosk ({DEMO_KIOSK_SITE}): open /casiers/kiosque/activer/ and type "
        f"{DEMO_KIOSK_SECRET}",
    ]
    parcel = Parcel.objects.filter(
        external_reference=DEMO_KIOSK_PARCEL, status=ParcelStatus.IN_LOCKER
    ).first()
    if parcel is not None:
        code = services.parcel_pickup_code_reissue(parcel=parcel, acting_user=None)
        lines.append(f"  pickup code of the demo parcel waiting there: {code}")
    return lines
