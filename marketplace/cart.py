"""The cart: its services (every write) and its one selector (the cart as the shopper sees
it, grouped by store, with what changed since each line was added).

Rules:
- Only variants of published listings of approved stores go in a cart, at most
  CART_LINE_MAX_QUANTITY of each and never more than the stock.
- A line keeps the price the shopper saw when adding it (`price_seen`). A price changed
  since, a stock fallen below the quantity, or a listing no longer on sale is shown and
  must be accepted (`cart_changes_accept`); checkout refuses a cart with changes.
- A signed-in person has one cart; an anonymous cart lives in the session and merges into
  the person's cart at sign-in (`cart_merge`, from marketplace.receivers).
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest

from marketplace.errors import CartLineRefused
from marketplace.models import (
    CART_LINE_MAX_QUANTITY,
    Cart,
    CartLine,
    ListingStatus,
    Store,
    StoreStatus,
    Variant,
)
from marketplace.taxes import (
    ZERO,
    FeeInvoice,
    OrderTotals,
    StoreInvoice,
    fee_invoice,
    order_totals,
    store_invoice,
)

SESSION_CART = "marketplace_cart_id"

ON_SALE = Q(listing__status=ListingStatus.PUBLISHED) & Q(store__status=StoreStatus.APPROVED)


def variant_on_sale(variant: Variant) -> bool:
    """Whether shoppers may buy `variant` now (its listing and store read with it)."""
    return variant.listing.status == ListingStatus.PUBLISHED and (
        variant.store.status == StoreStatus.APPROVED
    )


# --- Finding the cart ------------------------------------------------------------------


def cart_for_request(request: HttpRequest, *, create: bool = False) -> Cart | None:
    """The cart of this request: the signed-in person's, or the anonymous one the session
    names. With `create`, one is made when there is none."""
    user = request.user
    if user.is_authenticated:
        cart = Cart.objects.filter(owner=user).first()
        if cart is None and create:
            cart = cart_create(owner=user)
        return cart
    cart_id = request.session.get(SESSION_CART)
    cart = None
    if isinstance(cart_id, int):
        cart = Cart.objects.filter(pk=cart_id, owner__isnull=True).first()
    if cart is None and create:
        cart = cart_create(owner=None)
        request.session[SESSION_CART] = cart.pk
    return cart


def cart_create(*, owner: Any) -> Cart:
    """A person's cart (the one they have, if a concurrent request made it first), or a
    new anonymous one."""
    if owner is None:
        return Cart.objects.create()
    try:
        with transaction.atomic():
            return Cart.objects.create(owner=owner)
    except IntegrityError:
        return Cart.objects.get(owner=owner)


# --- Services --------------------------------------------------------------------------


def _quantity_capped(quantity: int, variant: Variant) -> int:
    return max(0, min(quantity, CART_LINE_MAX_QUANTITY, variant.stock))


def _parse_quantity(value: Any) -> int:
    """A quantity from outside: an integer from 0 to CART_LINE_MAX_QUANTITY."""
    try:
        quantity = int(str(value).strip())
    except (TypeError, ValueError):
        raise CartLineRefused() from None
    if not 0 <= quantity <= CART_LINE_MAX_QUANTITY:
        raise CartLineRefused()
    return quantity


@transaction.atomic
def cart_line_add(*, cart: Cart, variant_id: Any, quantity: Any, acting_user: Any) -> CartLine:
    """Add `quantity` of a variant on sale to `cart` (added to a line already there),
    capped at the stock and at CART_LINE_MAX_QUANTITY; the price shown to the shopper
    when adding becomes the line's `price_seen`."""
    quantity = _parse_quantity(quantity)
    try:
        variant_pk = int(variant_id)
    except (TypeError, ValueError):
        raise CartLineRefused() from None
    variant = (
        Variant.objects.select_related("listing", "store").filter(ON_SALE, pk=variant_pk).first()
    )
    if variant is None or quantity < 1:
        raise CartLineRefused()
    line = CartLine.objects.filter(cart=cart, variant=variant).first()
    wanted = quantity + (line.quantity if line else 0)
    capped = _quantity_capped(wanted, variant)
    if capped < 1:
        raise CartLineRefused()
    if line is None:
        line = CartLine.objects.create(
            cart=cart, variant=variant, quantity=capped, price_seen=variant.price
        )
    else:
        CartLine.objects.filter(pk=line.pk).update(quantity=capped, price_seen=variant.price)
        line.quantity, line.price_seen = capped, variant.price
    return line


@transaction.atomic
def cart_line_quantity_set(
    *, cart: Cart, line_id: Any, quantity: Any, acting_user: Any
) -> CartLine | None:
    """Set a line's quantity (0 removes it), capped at the stock and at
    CART_LINE_MAX_QUANTITY; the line's price_seen does not change. None when removed."""
    quantity = _parse_quantity(quantity)
    line = _line_of(cart, line_id)
    if quantity == 0:
        line.delete()
        return None
    capped = max(1, min(quantity, CART_LINE_MAX_QUANTITY, max(line.variant.stock, 1)))
    CartLine.objects.filter(pk=line.pk).update(quantity=capped)
    line.quantity = capped
    return line


@transaction.atomic
def cart_line_remove(*, cart: Cart, line_id: Any, acting_user: Any) -> None:
    """Take a line out of `cart`."""
    _line_of(cart, line_id).delete()


def _line_of(cart: Cart, line_id: Any) -> CartLine:
    try:
        pk = int(line_id)
    except (TypeError, ValueError):
        raise CartLineRefused() from None
    line = (
        CartLine.objects.select_related("variant__listing", "variant__store")
        .filter(cart=cart, pk=pk)
        .first()
    )
    if line is None:
        raise CartLineRefused()
    return line


@transaction.atomic
def cart_changes_accept(*, cart: Cart, acting_user: Any) -> None:
    """The shopper accepts what changed: each line takes the current price, a quantity
    above the stock falls to it, and lines no longer on sale (or out of stock) leave."""
    lines = list(cart.lines.select_related("variant__listing", "variant__store"))
    for line in lines:
        _line_changes_accept(line)


@transaction.atomic
def cart_line_changes_accept(*, cart: Cart, line_id: Any, acting_user: Any) -> CartLine | None:
    """The shopper accepts what changed on one line, as `cart_changes_accept` does for
    all: None when the line left (no longer on sale, or out of stock)."""
    line = _line_of(cart, line_id)
    return _line_changes_accept(line)


def _line_changes_accept(line: CartLine) -> CartLine | None:
    variant = line.variant
    if not variant_on_sale(variant) or variant.stock < 1:
        line.delete()
        return None
    quantity = min(line.quantity, variant.stock)
    if (quantity, variant.price) != (line.quantity, line.price_seen):
        CartLine.objects.filter(pk=line.pk).update(quantity=quantity, price_seen=variant.price)
        line.quantity, line.price_seen = quantity, variant.price
    return line


@transaction.atomic
def cart_merge(*, source: Cart, target: Cart) -> None:
    """Move an anonymous cart's lines into a person's cart at sign-in: quantities of the
    same variant add up (capped at CART_LINE_MAX_QUANTITY), the earlier price seen is
    kept so a change since is still shown; the anonymous cart goes."""
    if source.pk == target.pk:
        return
    existing = {line.variant_id: line for line in target.lines.all()}
    for line in source.lines.all():
        mine = existing.get(line.variant_id)
        if mine is None:
            CartLine.objects.create(
                cart=target,
                variant_id=line.variant_id,
                quantity=line.quantity,
                price_seen=line.price_seen,
            )
        else:
            quantity = min(CART_LINE_MAX_QUANTITY, mine.quantity + line.quantity)
            CartLine.objects.filter(pk=mine.pk).update(quantity=quantity)
    source.delete()


# --- Who may touch a line ---------------------------------------------------------------


def access_cart_line(*, acting_user: Any, line: CartLine) -> None:
    """Raise PermissionDenied unless `acting_user` may read or change `line`: the owner
    of its cart (an anonymous cart's lines are reached through the session only)."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if line.cart.owner_id is None:
        raise PermissionDenied
    if line.cart.owner_id != acting_user.pk:
        raise PermissionDenied


# --- The selector ----------------------------------------------------------------------


@dataclass
class CartLineView:
    line: CartLine
    variant: Variant
    quantity: int
    unit_price: Decimal
    price_seen: Decimal
    on_sale: bool
    stock: int

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def price_up(self) -> bool:
        return self.unit_price > self.price_seen

    @property
    def price_down(self) -> bool:
        return self.unit_price < self.price_seen

    @property
    def stock_short(self) -> bool:
        return self.on_sale and self.stock < self.quantity

    @property
    def changed(self) -> bool:
        return self.price_up or self.price_down or self.stock_short or not self.on_sale

    @property
    def changes(self) -> list[str]:
        """What changed since the line was added, in checkout's words (CartChange.kind):
        `unavailable`, `stock`, `price`; empty when nothing did."""
        if not self.on_sale:
            return ["unavailable"]
        kinds = []
        if self.stock_short:
            kinds.append("stock")
        if self.price_up or self.price_down:
            kinds.append("price")
        return kinds


@dataclass
class CartStoreView:
    store: Store
    lines: list[CartLineView] = field(default_factory=list)

    @property
    def buyable_lines(self) -> list[CartLineView]:
        return [line for line in self.lines if line.on_sale]

    @property
    def invoice(self) -> StoreInvoice:
        subtotal = sum((line.line_total for line in self.buyable_lines), ZERO)
        return store_invoice(subtotal=subtotal, small_supplier=self.store.small_supplier)


@dataclass
class CartView:
    cart: Cart | None
    stores: list[CartStoreView]

    @property
    def lines(self) -> list[CartLineView]:
        return [line for group in self.stores for line in group.lines]

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def has_changes(self) -> bool:
        return any(line.changed for line in self.lines)

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def goods_subtotal(self) -> Decimal:
        return sum((group.invoice.subtotal for group in self.stores), ZERO)

    def totals(self, speed: str | None = None) -> OrderTotals:
        """What checkout would charge for this cart as it is now: the stores' invoices,
        plus the pickup fee and its taxes at `speed` (none without a speed)."""
        fee = (
            fee_invoice(speed=speed, shipments=len(self.stores))
            if speed is not None
            else FeeInvoice(fee=ZERO, gst=ZERO, qst=ZERO)
        )
        return order_totals((group.invoice for group in self.stores), fee)


def cart_view(cart: Cart | None) -> CartView:
    """`cart` grouped by store (in the order lines were added), each line with its current
    price and what changed since it was added. One query whatever the cart."""
    if cart is None:
        return CartView(cart=None, stores=[])
    lines = CartLine.objects.filter(cart=cart).select_related("variant__listing", "variant__store")
    groups: dict[int, CartStoreView] = {}
    for line in lines.order_by("created_at", "id"):
        variant = line.variant
        group = groups.setdefault(variant.store_id, CartStoreView(store=variant.store))
        group.lines.append(
            CartLineView(
                line=line,
                variant=variant,
                quantity=line.quantity,
                unit_price=variant.price,
                price_seen=line.price_seen,
                on_sale=variant_on_sale(variant),
                stock=variant.stock,
            )
        )
    return CartView(cart=cart, stores=list(groups.values()))
