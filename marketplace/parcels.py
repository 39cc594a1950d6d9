"""A shipment as a locker parcel: the compartment size it needs (or why none), its
reference in lockers, its window, and the lockers rows behind a locker order.

lockers knows parcels, not orders (ARCHITECTURE.md): a shipment's parcel is found by its
external reference, "<order number>/<shipment sequence>".
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from lockers.models import (
    MAX_PARCEL_WEIGHT_KG,
    SIZE_CLASS_DIMENSIONS_CM,
    Parcel,
    Reservation,
    ReservationState,
    ReservationWindow,
    SizeClass,
)
from marketplace.models import Order, Shipment, Speed

# The hours of each speed's window, counted from the order's placing.
WINDOW_HOURS = {Speed.EXPRESS: 4, Speed.STANDARD: 24}
RESERVATION_WINDOW = {
    Speed.EXPRESS: ReservationWindow.EXPRESS,
    Speed.STANDARD: ReservationWindow.STANDARD,
}
SIZES_SMALL_FIRST = (SizeClass.SMALL, SizeClass.MEDIUM, SizeClass.LARGE)


@dataclass(frozen=True)
class ParcelFit:
    """The smallest compartment size a shipment fits in, or `reason` why none does."""

    size_class: str = ""
    reason: str = ""

    @property
    def fits(self) -> bool:
        return bool(self.size_class)


def parcel_fit(items: Iterable[tuple[str, int, int]]) -> ParcelFit:
    """The locker size of one shipment from its items as (size class, quantity, weight in
    grams each). The items stack on their height in one box of a compartment's width and
    depth: their heights add up (a small item is 8 cm high, a medium 19, a large 41), and
    the box fits the smallest size whose height holds them, under the weight every size
    bears."""
    height = 0
    grams = 0
    for size_class, quantity, weight_grams in items:
        height += SIZE_CLASS_DIMENSIONS_CM[SizeClass(size_class)][0] * quantity
        grams += (weight_grams or 0) * quantity
    if grams > MAX_PARCEL_WEIGHT_KG * 1000:
        return ParcelFit(
            reason=_("Too heavy for a locker (more than %(kg)s kg).") % {"kg": MAX_PARCEL_WEIGHT_KG}
        )
    for size in SIZES_SMALL_FIRST:
        if height <= SIZE_CLASS_DIMENSIONS_CM[size][0]:
            return ParcelFit(size_class=size.value)
    return ParcelFit(reason=_("Too big for a locker, even a large compartment."))


def sizes_needed(fits: Iterable[ParcelFit]) -> dict[str, int]:
    """Size → count for the finder (sites_nearest)."""
    sizes: dict[str, int] = {}
    for fit in fits:
        if fit.fits:
            sizes[fit.size_class] = sizes.get(fit.size_class, 0) + 1
    return sizes


def window_end(*, speed: str, placed_at: datetime) -> datetime:
    """When a shipment of an order placed at `placed_at` must be in its locker."""
    return placed_at + timedelta(hours=WINDOW_HOURS.get(speed, 24))


def parcel_reference(*, order_number: str, sequence: int) -> str:
    return f"{order_number}/{sequence}"


def shipment_reference(shipment: Shipment) -> str:
    return parcel_reference(order_number=shipment.order.number, sequence=shipment.sequence)


def shipment_for_reference(reference: str) -> Shipment | None:
    """The shipment a parcel's external reference names, or None (another app's parcel)."""
    number, _slash, sequence = reference.rpartition("/")
    if not number or not sequence.isdigit():
        return None
    return (
        Shipment.objects.select_related("order", "store", "order__buyer")
        .filter(order__number=number, sequence=int(sequence))
        .first()
    )


def parcels_of_order(order: Order) -> dict[int, Parcel]:
    """Shipment sequence → its parcel, for a locker order (one query)."""
    prefix = f"{order.number}/"
    parcels = Parcel.objects.filter(external_reference__startswith=prefix).select_related(
        "destination_site", "site"
    )
    found = {}
    for parcel in parcels:
        sequence = parcel.external_reference[len(prefix) :]
        if sequence.isdigit():
            found[int(sequence)] = parcel
    return found


def parcel_of_shipment(shipment: Shipment) -> Parcel | None:
    return (
        Parcel.objects.select_related("destination_site", "site")
        .filter(external_reference=shipment_reference(shipment))
        .first()
    )


def held_reservations(parcel_ids: Iterable[int]) -> Mapping[int, Reservation]:
    """Parcel id → its held reservation."""
    return {
        reservation.parcel_id: reservation
        for reservation in Reservation.objects.filter(
            parcel_id__in=list(parcel_ids), state=ReservationState.HELD
        )
    }


def store_origin(store: Any) -> dict[str, Any]:
    """Where a courier collects a store's parcels, for parcel_create."""
    return {
        "origin_name": store.name[:120],
        "origin_address": f"{store.street_address}, {store.locality} {store.postal_code}"[:300],
        "origin_latitude": store.latitude,
        "origin_longitude": store.longitude,
    }


@dataclass
class LockerOffer:
    """What the checkout page offers for lockers: whether every shipment fits (else why
    not, per store), where the shopper is, and the nearest sites (greyed with reasons)."""

    fits: bool
    reasons: list[str]
    sizes: dict[str, int]
    latitude: float | None = None
    longitude: float | None = None
    where: str = ""
    where_not_found: bool = False
    choices: list[Any] | None = None


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if -180.0 <= number <= 180.0 else None


def locker_offer(
    *,
    view: Any,
    speed: str,
    user: Any,
    lat: Any = None,
    lon: Any = None,
    where: str = "",
    find: bool = True,
) -> LockerOffer:
    """The locker choice for a cart view (marketplace.cart.cart_view): each store's part
    must fit a locker (parcel_fit); the position comes from `lat`/`lon` (the browser's),
    else `where` (a postal code or an address, geocoded when a geocoder is configured),
    else the shopper's saved address coordinates."""
    from django.utils import timezone

    from lockers.geocoding import address_geocode
    from lockers.selectors import sites_nearest

    fits = []
    reasons = []
    for group in view.stores:
        fit = parcel_fit(
            (line.variant.size_class, line.quantity, line.variant.weight_grams)
            for line in group.lines
        )
        fits.append(fit)
        if not fit.fits:
            reasons.append(
                _("%(store)s: %(reason)s") % {"store": group.store.name, "reason": fit.reason}
            )
    offer = LockerOffer(fits=not reasons and bool(fits), reasons=reasons, sizes=sizes_needed(fits))
    if not offer.fits or not find:
        return offer
    latitude, longitude = _float(lat), _float(lon)
    where = (where or "").strip()[:300]
    offer.where = where
    if (latitude is None or longitude is None) and where:
        found = address_geocode(where)
        if found is None:
            offer.where_not_found = True
        else:
            latitude, longitude = float(found.latitude), float(found.longitude)
    saved = getattr(user, "is_authenticated", False) and user.latitude is not None
    if (latitude is None or longitude is None) and saved and user.longitude is not None:
        latitude, longitude = float(user.latitude), float(user.longitude)
    if latitude is None or longitude is None or not -90 <= latitude <= 90:
        return offer
    offer.latitude, offer.longitude = latitude, longitude
    offer.choices = sites_nearest(
        latitude=latitude,
        longitude=longitude,
        sizes=offer.sizes,
        window_end=window_end(speed=speed, placed_at=timezone.now()),
        limit=8,
    )
    return offer


def shipment_label_pdf(shipment: Shipment, parcel: Parcel) -> bytes:
    """The A6 label of a locker shipment's parcel: its public code, site, size, window
    and store, with the QR code of the signed label text (lockers.labels)."""
    from django.utils import timezone

    from lockers.labels import LabelContent, label_pdf, label_sign

    site = parcel.destination_site
    hours = WINDOW_HOURS.get(shipment.order.speed, 24)
    qr_text = label_sign(
        parcel_code=parcel.public_code,
        site_slug=site.slug,
        size_class=parcel.size_class,
        window_hours=hours,
        issued_at=timezone.now(),
        store_name=shipment.store.name,
    )
    return label_pdf(
        LabelContent(
            parcel_code=parcel.public_code,
            site_name=site.name,
            site_address=f"{site.street_address}, {site.locality} {site.postal_code}",
            size_class=parcel.size_class,
            store_name=shipment.store.name,
            order_reference=shipment.number,
            window_hours=hours,
            qr_text=qr_text,
        )
    )
