"""Orders as the API shows them to their buyer: the order, its shipments (one per store,
each with its own invoice and who collects its taxes), the coop's pickup fee, the
payment's next step and the timeline. Read side only; every amount a string with two
decimals."""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from marketplace.api.cart_serializers import StoreRefSerializer, moment, money
from marketplace.models import (
    Order,
    OrderEvent,
    OrderStatus,
    Payment,
    PaymentStatus,
    PickupKind,
    Shipment,
    ShipmentStatus,
    Speed,
    TaxCollector,
)
from marketplace.order_selectors import order_cancellable, order_fee_invoice, status_label
from marketplace.pickup import pickup_point_for


def _absolute(context: dict[str, Any], path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class OrderLineSerializer(serializers.Serializer):
    """A variant bought, as it was when bought."""

    variant_id = serializers.IntegerField(read_only=True)
    sku = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True, help_text="Listing title — variant name.")
    unit_price = money()
    quantity = serializers.IntegerField(read_only=True)
    line_total = money()


class PickupPointSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PickupKind.choices, read_only=True)
    label = serializers.CharField(read_only=True, help_text="Where, in words.")
    address = serializers.CharField(read_only=True)


class ShipmentBriefSerializer(serializers.Serializer):
    number = serializers.CharField(read_only=True, help_text="The order's number and `-1`, `-2`…")
    status = serializers.ChoiceField(choices=ShipmentStatus.choices, read_only=True)
    store = StoreRefSerializer(read_only=True)
    total = money("Its invoice, taxes included.")


class ShipmentSerializer(ShipmentBriefSerializer):
    """One store's part of the order: its lines, its invoice, where it waits."""

    sequence = serializers.IntegerField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    pickup_point = serializers.SerializerMethodField()
    lines = OrderLineSerializer(many=True, read_only=True)
    subtotal = money("Before taxes.")
    gst = money()
    qst = money()
    gst_collected_by = serializers.ChoiceField(choices=TaxCollector.choices, read_only=True)
    qst_collected_by = serializers.ChoiceField(
        choices=TaxCollector.choices,
        read_only=True,
        help_text="`coop` when the store is an unregistered small supplier (QST Act s. 477.18.4).",
    )
    refusal_reason = serializers.CharField(read_only=True, help_text="Empty unless refused.")

    @extend_schema_field(PickupPointSerializer)
    def get_pickup_point(self, shipment: Shipment) -> dict[str, str]:
        point = pickup_point_for(order=shipment.order, shipment=shipment)
        return {"kind": point.kind, "label": point.label(), "address": point.address()}


class PickupFeeSerializer(serializers.Serializer):
    """The coop's own supply: the pickup fee, taxed on its total, collected by the coop."""

    fee = money("One fee per shipment at the order's speed, before taxes.")
    gst = money()
    qst = money()
    total = money()
    collected_by = serializers.ChoiceField(
        choices=TaxCollector.choices, read_only=True, default=TaxCollector.COOP
    )


class OrderTotalsSerializer(serializers.Serializer):
    goods_subtotal = money("The shipments' subtotals, before taxes.")
    fee = money("The pickup fee, before taxes.")
    gst = money("All GST: the shipments' and the fee's.")
    qst = money("All QST: the shipments' and the fee's.")
    total = money("What the shopper pays.")
    refunded = money("Refunded so far.")
    currency = serializers.CharField(read_only=True)


class PaymentSerializer(serializers.Serializer):
    """The order's one payment and where the shopper pays it."""

    gateway = serializers.CharField(read_only=True, help_text="`offline` or `stripe`.")
    is_test = serializers.BooleanField(
        read_only=True, help_text="true: a test payment, no money moves (say so to the shopper)."
    )
    status = serializers.ChoiceField(choices=PaymentStatus.choices, read_only=True)
    amount = money()
    redirect_url = serializers.SerializerMethodField(
        help_text=(
            "The hosted payment page (absolute URL) to open in the browser while the "
            "payment is pending; null when the gateway has none (Stripe: use client_secret)."
        )
    )
    client_secret = serializers.SerializerMethodField(
        help_text=(
            "Stripe's PaymentIntent client secret, for a payment sheet: given in the answer "
            "that started the payment only; null otherwise."
        )
    )

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_redirect_url(self, payment: Payment) -> str | None:
        if not payment.redirect_url or payment.status != PaymentStatus.PENDING:
            return None
        return _absolute(self.context, payment.redirect_url)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_client_secret(self, payment: Payment) -> str | None:
        return getattr(payment, "client_secret", "") or None


class OrderEventSerializer(serializers.Serializer):
    """One step of the order or of one of its shipments."""

    at = moment(source="created_at")
    shipment = serializers.SerializerMethodField(
        help_text="The shipment's number; null for a step of the whole order."
    )
    from_status = serializers.CharField(read_only=True, help_text="Empty for the first step.")
    to_status = serializers.CharField(read_only=True)
    label = serializers.SerializerMethodField(help_text="The new status in words.")
    reason = serializers.CharField(read_only=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_shipment(self, event: OrderEvent) -> str | None:
        if event.shipment_id is None:
            return None
        return f"{event.order.number}-{event.shipment.sequence}"

    def get_label(self, event: OrderEvent) -> str:
        return status_label(event)


class OrderSummarySerializer(serializers.Serializer):
    """An order in the person's list."""

    number = serializers.CharField(read_only=True, help_text="`UQ-2026-000123`.")
    status = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    speed = serializers.ChoiceField(choices=Speed.choices, read_only=True)
    placed_at = moment()
    paid_at = moment(allow_null=True)
    total = money()
    currency = serializers.CharField(read_only=True)
    shipments = ShipmentBriefSerializer(many=True, read_only=True, source="shipments.all")


class OrderSerializer(serializers.Serializer):
    """An order with everything its buyer may know of it."""

    number = serializers.CharField(read_only=True, help_text="`UQ-2026-000123`.")
    status = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    speed = serializers.ChoiceField(choices=Speed.choices, read_only=True)
    pickup_kind = serializers.ChoiceField(choices=PickupKind.choices, read_only=True)
    placed_at = moment()
    pay_before = serializers.SerializerMethodField(
        help_text="While placed: the stock is held until then; unpaid, the order expires."
    )
    paid_at = moment(allow_null=True)
    cancellable = serializers.SerializerMethodField(
        help_text="Whether POST …/cancel/ would cancel it now."
    )
    shipments = ShipmentSerializer(many=True, read_only=True, source="shipments.all")
    pickup_fee = serializers.SerializerMethodField()
    totals = serializers.SerializerMethodField()
    payment = serializers.SerializerMethodField()
    events = OrderEventSerializer(many=True, read_only=True, source="events.all")
    web_url = serializers.SerializerMethodField(help_text="The order's page on the site.")

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_pay_before(self, order: Order) -> str | None:
        if order.status != OrderStatus.PLACED:
            return None
        return moment().to_representation(order.reserved_until)

    def get_cancellable(self, order: Order) -> bool:
        return order_cancellable(order, list(order.shipments.all()))

    @extend_schema_field(PickupFeeSerializer)
    def get_pickup_fee(self, order: Order) -> dict[str, Any]:
        fee = order_fee_invoice(order, list(order.shipments.all()))
        return PickupFeeSerializer(
            {
                "fee": fee.fee,
                "gst": fee.gst,
                "qst": fee.qst,
                "total": fee.total,
                "collected_by": TaxCollector.COOP,
            }
        ).data

    @extend_schema_field(OrderTotalsSerializer)
    def get_totals(self, order: Order) -> dict[str, Any]:
        return OrderTotalsSerializer(
            {
                "goods_subtotal": order.goods_subtotal,
                "fee": order.fee,
                "gst": order.gst,
                "qst": order.qst,
                "total": order.total,
                "refunded": order.refunded_amount,
                "currency": order.currency,
            }
        ).data

    @extend_schema_field(PaymentSerializer(allow_null=True))
    def get_payment(self, order: Order) -> dict[str, Any] | None:
        payment = getattr(order, "payment", None)
        if payment is None:
            return None
        return PaymentSerializer(payment, context=self.context).data

    def get_web_url(self, order: Order) -> str:
        return _absolute(self.context, reverse("orders:detail", args=[order.number]))
