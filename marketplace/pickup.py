"""Where a shipment waits for its shopper: its store's counter, or a locker site (the one
chosen at checkout, or the one its parcel was redirected to)."""

from dataclasses import dataclass
from typing import Any, Protocol

from django.utils.translation import gettext as _

from marketplace.models import Order, PickupKind, Shipment


class PickupPoint(Protocol):
    kind: str

    def label(self) -> str:
        """Where, in words a shopper reads."""
        ...

    def address(self) -> str: ...


@dataclass(frozen=True)
class StoreCounter:
    """The store's own counter, during its opening hours."""

    store: Any
    kind: str = PickupKind.STORE_COUNTER

    def label(self) -> str:
        return _("At the counter of %(store)s") % {"store": self.store.name}

    def address(self) -> str:
        return f"{self.store.street_address}, {self.store.locality} {self.store.postal_code}"


@dataclass(frozen=True)
class LockerPickup:
    """A locker site, during its access hours."""

    site: Any
    kind: str = PickupKind.LOCKER

    def label(self) -> str:
        return _("Locker at %(site)s (%(host)s)") % {
            "site": self.site.name,
            "host": self.site.host_name,
        }

    def address(self) -> str:
        return f"{self.site.street_address}, {self.site.locality} {self.site.postal_code}"

    def access_hours(self) -> str:
        return self.site.access_hours


def pickup_point_for(*, order: Order, shipment: Shipment, parcel: Any = None) -> PickupPoint:
    """The pickup point of one shipment: for a locker order, its parcel's destination now
    (a redirection moves it), else the site chosen at checkout."""
    if order.pickup_kind == PickupKind.LOCKER:
        from lockers.models import Site
        from marketplace.parcels import parcel_of_shipment

        parcel = parcel or parcel_of_shipment(shipment)
        if parcel is not None:
            return LockerPickup(site=parcel.site or parcel.destination_site)
        site = Site.objects.filter(slug=order.pickup_reference).first()
        if site is not None:
            return LockerPickup(site=site)
    return StoreCounter(store=shipment.store)
