"""The buyer's orders (docs/api.md): thin views over marketplace.order_selectors and
marketplace.orders. Someone else's order is not found, never refused: its number says
nothing."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace.api.order_serializers import OrderSerializer, OrderSummarySerializer
from marketplace.api.schema import ProblemSerializer
from marketplace.api.views import ApiMixin, ApiView
from marketplace.models import Order
from marketplace.order_selectors import (
    access_order_cancel,
    access_order_view,
    order_detail,
    orders_of,
)
from marketplace.orders import order_cancel


def _order_or_404(number: str, access: Any, request: Request) -> Order:
    order = order_detail(number)
    if order is None:
        raise Http404
    try:
        access(acting_user=request.user, order=order)
    except PermissionDenied:
        raise Http404 from None
    return order


@extend_schema(tags=["orders"], summary="The person's orders, newest first")
class OrderList(ApiMixin, generics.ListAPIView):
    """The signed-in person's orders, newest first, a page at a time; the same number of
    queries whatever the page size."""

    serializer_class = OrderSummarySerializer

    def get_queryset(self) -> Any:
        return orders_of(self.request.user)


class OrderDetail(ApiView):
    @extend_schema(tags=["orders"], summary="One of the person's orders", responses=OrderSerializer)
    def get(self, request: Request, number: str) -> Response:
        """The order with its shipments, each store's invoice, the pickup fee, the
        payment and the timeline."""
        order = _order_or_404(number, access_order_view, request)
        return Response(OrderSerializer(order, context={"request": request}).data)


class OrderCancel(ApiView):
    @extend_schema(
        tags=["orders"],
        summary="Cancel an order",
        request=None,
        responses={
            200: OrderSerializer,
            409: OpenApiResponse(
                ProblemSerializer,
                description="order_not_cancellable: a store has started on it, or it has "
                "ended already.",
            ),
        },
    )
    def post(self, request: Request, number: str) -> Response:
        """A placed order ends and its stock goes back; a paid order no store has started
        on is refunded in full. The order as it is after."""
        order = _order_or_404(number, access_order_cancel, request)
        order_cancel(order=order, acting_user=request.user)
        return Response(OrderSerializer(order_detail(number), context={"request": request}).data)
