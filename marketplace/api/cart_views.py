"""The cart and checkout endpoints (docs/api.md): thin views over marketplace.cart and
marketplace.checkout. A line or cart of someone else is not found, never refused, so that
its existence is not revealed."""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace.api.authentication import assurance_require
from marketplace.api.cart_serializers import (
    ID_MAX,
    CartLineAddSerializer,
    CartLineChangeSerializer,
    CartLineSerializer,
    CartSerializer,
    CheckoutRequestSerializer,
    LockersNearestQuerySerializer,
    LockersNearestSerializer,
)
from marketplace.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotency_key
from marketplace.api.order_serializers import OrderSerializer
from marketplace.api.schema import CartChangedProblemSerializer, ProblemSerializer
from marketplace.api.views import ApiView
from marketplace.cart import (
    access_cart_line,
    cart_for_request,
    cart_line_add,
    cart_line_changes_accept,
    cart_line_quantity_set,
    cart_line_remove,
    cart_view,
)
from marketplace.checkout import checkout_start
from marketplace.models import Cart, CartLine
from marketplace.order_selectors import order_detail
from marketplace.parcels import locker_offer

LINE_REFUSED = OpenApiResponse(
    ProblemSerializer,
    description="cart_line_refused: the variant is unknown or not on sale, or out of stock.",
)


def _line_serialized(request: Request, cart: Cart, line_id: int) -> dict[str, Any]:
    """One line of `cart` as GET /api/v1/cart/ shows it (its price now, its changes)."""
    line = next(line for line in cart_view(cart).lines if line.line.pk == line_id)
    return CartLineSerializer(line, context={"request": request}).data


def _line_of_person(request: Request, line_id: int) -> CartLine:
    """The line `line_id` of the person's own cart; anyone else's, or none: 404."""
    if line_id > ID_MAX:
        raise Http404
    line = CartLine.objects.select_related("cart").filter(pk=line_id).first()
    if line is None:
        raise Http404
    try:
        access_cart_line(acting_user=request.user, line=line)
    except PermissionDenied:
        raise Http404 from None
    return line


class CartDetail(ApiView):
    @extend_schema(tags=["cart"], summary="The person's cart", responses=CartSerializer)
    def get(self, request: Request) -> Response:
        """The cart grouped by store, each line with its price now, the price seen when it
        was added and what changed since; each store's invoice; the totals. The same
        number of queries whatever the cart."""
        view = cart_view(cart_for_request(request))
        return Response(CartSerializer(view, context={"request": request}).data)


class CartLines(ApiView):
    @extend_schema(
        tags=["cart"],
        summary="Add a variant to the cart",
        request=CartLineAddSerializer,
        responses={201: CartLineSerializer, 409: LINE_REFUSED},
    )
    def post(self, request: Request) -> Response:
        """Add `quantity` of a variant (added to its line when already in the cart),
        capped at the stock and at 99; the price now becomes the line's price_seen."""
        data = CartLineAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart = cart_for_request(request, create=True)
        line = cart_line_add(
            cart=cart,
            variant_id=data.validated_data["variant_id"],
            quantity=data.validated_data["quantity"],
            acting_user=request.user,
        )
        return Response(_line_serialized(request, cart, line.pk), status=status.HTTP_201_CREATED)


class CartLineDetail(ApiView):
    @extend_schema(
        tags=["cart"],
        summary="Change a line's quantity, or accept its changes",
        request=CartLineChangeSerializer,
        responses={
            200: CartLineSerializer,
            204: OpenApiResponse(
                description="The line left the cart (quantity 0, or accepted "
                "changes that removed it)."
            ),
            409: LINE_REFUSED,
        },
    )
    def patch(self, request: Request, line_id: int) -> Response:
        """Accept what changed on the line (`accept_changes`), then set its quantity
        (`quantity`, capped at the stock; 0 removes it)."""
        line = _line_of_person(request, line_id)
        data = CartLineChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart = line.cart
        kept: CartLine | None = line
        if data.validated_data["accept_changes"]:
            kept = cart_line_changes_accept(cart=cart, line_id=line.pk, acting_user=request.user)
        if kept is not None and "quantity" in data.validated_data:
            kept = cart_line_quantity_set(
                cart=cart,
                line_id=line.pk,
                quantity=data.validated_data["quantity"],
                acting_user=request.user,
            )
        if kept is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(_line_serialized(request, cart, line.pk))

    @extend_schema(
        tags=["cart"],
        summary="Remove a line",
        responses={204: OpenApiResponse(description="Removed.")},
    )
    def delete(self, request: Request, line_id: int) -> Response:
        line = _line_of_person(request, line_id)
        cart_line_remove(cart=line.cart, line_id=line.pk, acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class Checkout(ApiView):
    @extend_schema(
        tags=["checkout"],
        summary="Place the order for the whole cart and start its payment",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=CheckoutRequestSerializer,
        responses={
            201: OpenApiResponse(OrderSerializer, description="The order, placed now."),
            200: OpenApiResponse(
                OrderSerializer,
                description="A retry with the same Idempotency-Key and body: the same order, "
                "nothing done again.",
            ),
            409: OpenApiResponse(
                CartChangedProblemSerializer,
                description="cart_changed (with `changes`: review and accept them, then "
                "retry with a new key), cart_empty, locker_site_unknown, locker_full "
                "(the chosen locker has no room left; nothing was taken: choose another "
                "site), or express_unavailable (a store of the cart is closed today or "
                "cannot prepare the order within 4 hours; the cart's `checkout` says so "
                "beforehand: choose standard).",
            ),
            422: OpenApiResponse(
                ProblemSerializer,
                description="idempotency_key_reused (the key was used with another body) or "
                "checkout_invalid (an unknown locker site, or a shipment too big for a "
                "locker).",
            ),
            502: OpenApiResponse(
                ProblemSerializer,
                description="payment_gateway_error: the order may be placed; retry with the "
                "same key and body.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """At the checkout assurance level: take the stock, write the order with one
        shipment per store and start its one payment; a retry with the same key finds it."""
        key = idempotency_key(request)
        assurance_require(request, settings.MARKETPLACE_CHECKOUT_ACR)
        data = CheckoutRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        placed = checkout_start(
            cart=cart_for_request(request, create=True),
            buyer=request.user,
            speed=data.validated_data["speed"],
            pickup_kind=data.validated_data["pickup_kind"],
            pickup_reference=data.validated_data["pickup_site"],
            idempotency_key=key,
            acting_user=request.user,
        )
        order = order_detail(placed.number)
        # The payment as checkout left it: with the client secret of a payment just started.
        order.payment = placed.payment
        location = request.build_absolute_uri(reverse("api:order_detail", args=[order.number]))
        return Response(
            OrderSerializer(order, context={"request": request}).data,
            status=status.HTTP_200_OK if placed.replayed else status.HTTP_201_CREATED,
            headers={"Location": location},
        )


class LockersNearest(ApiView):
    @extend_schema(
        tags=["cart"],
        summary="The lockers nearest to a point, for the person's cart",
        parameters=[LockersNearestQuerySerializer],
        responses=LockersNearestSerializer,
    )
    def get(self, request: Request) -> Response:
        """Whether every shipment of the cart fits a locker (else why not, per store), and
        the nearest sites to `lat`/`lon` (or the person's saved address) for the cart's
        parcel sizes and the speed's window: closed or full sites come greyed
        (`available: false`) with their reasons."""
        query = LockersNearestQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        offer = locker_offer(
            view=cart_view(cart_for_request(request)),
            speed=query.validated_data["speed"],
            user=request.user,
            lat=query.validated_data.get("lat"),
            lon=query.validated_data.get("lon"),
        )
        offer.choices = offer.choices or []
        return Response(LockersNearestSerializer(offer).data)
