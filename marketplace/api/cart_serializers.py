"""The cart and checkout as the API shows them, and the bodies it reads for them.

Read side: the cart selector's views (marketplace.cart.CartView and its parts); every
amount as a string with two decimals. Write side: the shape and limits of a request's
fields only; what may go in a cart, and what checkout accepts, is decided by the services
(marketplace.cart, marketplace.checkout).
"""

from datetime import UTC
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from marketplace.api.schema import CART_CHANGE_KINDS
from marketplace.cart import CartView
from marketplace.checkout import PICKUP_KINDS_OFFERED
from marketplace.models import CART_LINE_MAX_QUANTITY, PickupKind, Speed, TaxCollector
from marketplace.store_hours import express_refusals

# The largest id the database holds (a 64-bit key): a larger number names nothing, and
# must be refused before it reaches a query.
ID_MAX = 2**63 - 1


def moment(help_text: str = "", **kwargs: Any) -> serializers.DateTimeField:
    """A time, ISO 8601 in UTC (`2026-11-30T14:05:09.123456Z`), as docs/api.md promises."""
    return serializers.DateTimeField(
        read_only=True, default_timezone=UTC, help_text=help_text, **kwargs
    )


def money(help_text: str = "") -> serializers.DecimalField:
    """An amount in CAD, a string with two decimals ("12.50")."""
    return serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, help_text=help_text
    )


class StoreRefSerializer(serializers.Serializer):
    """A store, by its slug (GET /api/v1/stores/{slug}/) and name."""

    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)


class InvoiceSerializer(serializers.Serializer):
    """One store's invoice: GST and QST on its pre-tax subtotal, and who collects each
    (`store`; `coop` when the store is an unregistered small supplier, which charges no
    GST (`none`) while the coop collects the QST as the platform's operator)."""

    subtotal = money("Before taxes.")
    gst = money("GST, 5 % of the subtotal, rounded half up to the cent.")
    qst = money("QST, 9.975 % of the subtotal, rounded half up to the cent.")
    total = money()
    gst_collected_by = serializers.ChoiceField(choices=TaxCollector.choices, read_only=True)
    qst_collected_by = serializers.ChoiceField(choices=TaxCollector.choices, read_only=True)


class CartLineSerializer(serializers.Serializer):
    """A cart line as the shopper sees it now, with what changed since it was added."""

    id = serializers.IntegerField(source="line.pk", read_only=True)
    variant_id = serializers.IntegerField(source="variant.pk", read_only=True)
    sku = serializers.CharField(source="variant.sku", read_only=True)
    variant_name = serializers.CharField(source="variant.name", read_only=True)
    listing_title = serializers.CharField(
        source="variant.listing.title", read_only=True, help_text="In the request's language."
    )
    quantity = serializers.IntegerField(read_only=True)
    unit_price = money("The price now.")
    price_seen = money("The price when the line was added (or its change last accepted).")
    line_total = money("The price now times the quantity.")
    currency = serializers.CharField(source="variant.currency", read_only=True)
    on_sale = serializers.BooleanField(read_only=True)
    stock = serializers.IntegerField(read_only=True, help_text="Units the store has now.")
    changes = serializers.ListField(
        child=serializers.ChoiceField(choices=CART_CHANGE_KINDS),
        read_only=True,
        help_text=(
            "What changed since the line was added: `price` (unit_price ≠ price_seen), "
            "`stock` (fewer units than the quantity), `unavailable` (no longer on sale). "
            "Checkout refuses a cart with changes until each is accepted."
        ),
    )
    added_at = moment(source="line.created_at")


class CartStoreSerializer(serializers.Serializer):
    """One store's lines and its invoice (lines no longer on sale are not invoiced)."""

    store = StoreRefSerializer(read_only=True)
    lines = CartLineSerializer(many=True, read_only=True)
    invoice = InvoiceSerializer(read_only=True)


class TotalsSerializer(serializers.Serializer):
    goods_subtotal = money("The stores' subtotals, before taxes.")
    fee = money("The coop's pickup fee, before taxes.")
    gst = money("All GST: the stores' invoices and the fee's.")
    qst = money("All QST: the stores' invoices and the fee's.")
    total = money()


class CheckoutEstimateSerializer(serializers.Serializer):
    speed = serializers.ChoiceField(choices=Speed.choices, read_only=True)
    totals = TotalsSerializer(read_only=True)
    available = serializers.BooleanField(
        read_only=True,
        help_text="Whether checkout takes this speed now: express is refused while a store "
        "of the cart is closed today or cannot prepare the order within 4 hours.",
    )
    unavailable_reasons = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Why not, one sentence per store, in the request's language.",
    )


class CartSerializer(serializers.Serializer):
    """The person's cart grouped by store, in the order lines were added."""

    stores = CartStoreSerializer(many=True, read_only=True)
    item_count = serializers.IntegerField(read_only=True, help_text="Units, all lines.")
    has_changes = serializers.BooleanField(
        read_only=True, help_text="Some line has changes: checkout refuses until accepted."
    )
    totals = serializers.SerializerMethodField(
        help_text="The stores' invoices added up, without the pickup fee."
    )
    checkout = serializers.SerializerMethodField(
        help_text="What checkout would charge now at each speed, pickup fee included."
    )

    @extend_schema_field(TotalsSerializer)
    def get_totals(self, view: CartView) -> dict[str, Any]:
        return TotalsSerializer(view.totals()).data

    @extend_schema_field(CheckoutEstimateSerializer(many=True))
    def get_checkout(self, view: CartView) -> list[dict[str, Any]]:
        refused = {
            Speed.EXPRESS: [
                verdict.reason
                for verdict in express_refusals(
                    (group.store for group in view.stores), timezone.now()
                )
            ],
        }
        return [
            {
                "speed": speed,
                "totals": TotalsSerializer(view.totals(speed)).data,
                "available": not refused.get(speed),
                "unavailable_reasons": refused.get(speed, []),
            }
            for speed in Speed.values
        ]


# --- What the API reads ---------------------------------------------------------------


class CartLineAddSerializer(serializers.Serializer):
    variant_id = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    quantity = serializers.IntegerField(
        min_value=1,
        max_value=CART_LINE_MAX_QUANTITY,
        default=1,
        help_text=(
            "Added to the line's quantity when the variant is already in the cart; the "
            "line is capped at the stock and at 99."
        ),
    )


class CartLineChangeSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(
        min_value=0,
        max_value=CART_LINE_MAX_QUANTITY,
        required=False,
        help_text="The line's new quantity (capped at the stock); 0 removes the line.",
    )
    accept_changes = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "true: the shopper accepts what changed on this line (the price now becomes "
            "price_seen, a quantity above the stock falls to it; a line no longer on sale "
            "or out of stock is removed). Applied before `quantity`."
        ),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "quantity" not in attrs and not attrs.get("accept_changes"):
            raise serializers.ValidationError(_("Send quantity, accept_changes or both."))
        return attrs


class CheckoutRequestSerializer(serializers.Serializer):
    speed = serializers.ChoiceField(
        choices=Speed.choices, help_text="express: within 4 hours; standard: within 24 hours."
    )
    pickup_kind = serializers.ChoiceField(
        choices=[(kind, PickupKind(kind).label) for kind in PICKUP_KINDS_OFFERED],
        default=PickupKind.STORE_COUNTER,
        help_text="Where each shipment waits: `store_counter` (each store's counter) or "
        "`locker` (the locker site named by `pickup_site`; every shipment must fit a "
        "locker).",
    )
    pickup_site = serializers.SlugField(
        required=False,
        allow_blank=True,
        default="",
        max_length=80,
        help_text="With `pickup_kind: locker`: the slug of a site from "
        "`GET /api/v1/lockers/nearest`.",
    )


class LockerUnavailabilitySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="`closed` or `no_room`.")
    message = serializers.CharField()
    size_class = serializers.CharField(allow_blank=True)


class LockerSiteChoiceSerializer(serializers.Serializer):
    slug = serializers.CharField(source="site.slug", help_text="Send it as `pickup_site`.")
    name = serializers.CharField(source="site.name")
    host_name = serializers.CharField(source="site.host_name")
    address = serializers.SerializerMethodField()
    access_hours = serializers.CharField(source="site.access_hours")
    latitude = serializers.DecimalField(source="site.latitude", max_digits=9, decimal_places=6)
    longitude = serializers.DecimalField(source="site.longitude", max_digits=9, decimal_places=6)
    distance_km = serializers.FloatField()
    available = serializers.BooleanField()
    unavailable = LockerUnavailabilitySerializer(many=True)

    def get_address(self, choice: Any) -> str:
        site = choice.site
        return f"{site.street_address}, {site.locality} {site.postal_code}"


class LockersNearestSerializer(serializers.Serializer):
    fits = serializers.BooleanField(help_text="Whether every shipment of the cart fits a locker.")
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="Why not, per store, when `fits` is false."
    )
    sizes = serializers.DictField(child=serializers.IntegerField(), help_text="Size → parcels.")
    sites = LockerSiteChoiceSerializer(many=True, source="choices")


class LockersNearestQuerySerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False)
    speed = serializers.ChoiceField(choices=Speed.choices, default=Speed.STANDARD)
