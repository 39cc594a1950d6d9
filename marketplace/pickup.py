"""Where a shipment waits for its shopper, behind the interface the lockers issue will
implement: for now, every shipment waits at its store's counter."""

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


def pickup_point_for(*, order: Order, shipment: Shipment) -> PickupPoint:
    """The pickup point of one shipment. Lockers will add their own kind here."""
    return StoreCounter(store=shipment.store)
