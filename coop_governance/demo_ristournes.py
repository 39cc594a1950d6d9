"""The demo's ristournes: the last fiscal year that has ended (by the by-laws' end month),
with the demo members' bakery orders paid in it (one refused and refunded) and a
non-member's, computed by the board (the coop's administrator), adopted at that spring's
annual assembly by a show of hands, and recorded: the demo shopper finds a ristourne and
its statement under "My ristournes".

The demo's founding members joined when `make run` first loaded them; in the demo's story
they have been members since the start of that year, so their lines of the register are
dated back to it, and the orders are moved back to their days as marketplace/demo_sales.py
does (the only writes here that are not a service's). Loaded once: a reload finds the
year's computation and writes nothing."""

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.utils import timezone

from coop_governance.models import (
    Assembly,
    AssemblyKind,
    AssemblyStatus,
    AttendanceSignature,
    FiscalYear,
    Member,
    MemberStatus,
    RistourneComputation,
)
from coop_governance.ristournes import (
    fiscal_year_create,
    fiscal_year_last_ended,
    ristourne_compute,
    ristourne_propose,
    ristourne_record,
)
from coop_governance.selectors import bylaws_in_force
from coop_governance.votes import motion_close, motion_open, open_vote_cast
from core.demo import DemoSummary

BOARD = "admin@demo.uniqc.coop"
SHOPPER = "shopper@demo.uniqc.coop"
NON_MEMBER = "retailer@demo.uniqc.coop"
BAKERY = "boulangerie-du-faubourg"
BAKER = "store@demo.uniqc.coop"
KEY = "demo-ristourne-{:02d}"
# (buyer, month, day, quantity of each item, refused by the store)
ORDERS = [
    (SHOPPER, 2, 14, 2, False),
    (SHOPPER, 6, 21, 3, False),
    (SHOPPER, 9, 5, 1, True),
    (SHOPPER, 11, 28, 4, False),
    (BOARD, 4, 2, 1, False),
    (BOARD, 10, 17, 2, False),
    (NON_MEMBER, 7, 9, 5, False),
]
FIGURES = {
    "surplus": Decimal("1850.00"),
    "equity": Decimal("6400.00"),
    "debts": Decimal("41000.00"),
    "reserve_percent": Decimal("20"),
    "shares_percent": Decimal("50"),
}


def _sale(
    *, n: int, buyer: Any, baker: Any, variants: list, quantity: int, paid_at: datetime.datetime
) -> Any:
    """An order of two of the bakery's items through checkout and the offline gateway's
    payment, moved back to `paid_at`."""
    from marketplace.cart import cart_create, cart_line_add
    from marketplace.checkout import checkout_start, order_payment_succeeded
    from marketplace.gateways import GatewayEvent
    from marketplace.models import Cart, Order, OrderEvent
    from marketplace.services import variant_update

    items = [variants[n % len(variants)], variants[(n + 1) % len(variants)]]
    for variant in items:
        variant.refresh_from_db()
        if variant.stock < quantity:
            variant_update(
                variant=variant,
                acting_user=baker,
                stock=variant.stock + 20,
                stock_seen=variant.stock,
            )
    cart = Cart.objects.filter(owner=buyer).first() or cart_create(owner=buyer)
    for variant in dict.fromkeys(items):
        cart_line_add(cart=cart, variant_id=variant.pk, quantity=quantity, acting_user=buyer)
    order = checkout_start(
        cart=cart,
        buyer=buyer,
        speed="standard",
        pickup_kind="store_counter",
        idempotency_key=KEY.format(n),
        acting_user=buyer,
    )
    order = Order.objects.select_related("payment").get(pk=order.pk)
    order_payment_succeeded(
        GatewayEvent(
            event_id=f"evt_demo_{order.number}",
            event_type="payment_intent.succeeded",
            created=0,
            intent_id=order.payment.intent_id,
            charge_id=f"ch_test_demo_{order.pk}",
        )
    )
    order.refresh_from_db()
    shift = order.paid_at - paid_at
    Order.objects.filter(pk=order.pk).update(
        placed_at=F("placed_at") - shift, paid_at=F("paid_at") - shift
    )
    OrderEvent.objects.filter(order=order).update(created_at=F("created_at") - shift)
    return order


def _orders_load(*, year: FiscalYear, people: Mapping[str, Any], stores: Mapping[str, Any]) -> None:
    from marketplace import orders
    from marketplace.models import ListingStatus, Variant
    from marketplace.services import variant_update

    bakery, baker = stores[BAKERY], people[BAKER]
    variants = list(
        Variant.objects.filter(store=bakery, listing__status=ListingStatus.PUBLISHED).order_by("pk")
    )
    if not variants:
        return
    shelf = {variant.pk: variant.stock for variant in variants}
    carts = _carts_set_aside({email for email, *_rest in ORDERS}, people)
    made = []
    zone = timezone.get_default_timezone()
    for n, (email, month, day, quantity, refused) in enumerate(ORDERS, start=1):
        # The same month and day in the fiscal year, whatever months it spans.
        on = datetime.date(year.starts_on.year, month, day)
        if on < year.starts_on:
            on = datetime.date(year.ends_on.year, month, day)
        paid_at = datetime.datetime.combine(on, datetime.time(10 + n % 8, 15), tzinfo=zone)
        order = _sale(
            n=n,
            buyer=people[email],
            baker=baker,
            variants=variants,
            quantity=quantity,
            paid_at=paid_at,
        )
        made.append(order.pk)
        shipment = order.shipments.get()
        if refused:
            orders.shipment_refuse(
                shipment=shipment,
                reason="Rupture de farine de seigle : commande remboursée.",
                acting_user=baker,
            )
            continue
        for step in (
            orders.shipment_accept,
            orders.shipment_pack,
            orders.shipment_ready,
            orders.shipment_picked_up,
        ):
            step(shipment=shipment, acting_user=baker)
    for variant in variants:
        variant.refresh_from_db()
        if variant.stock != shelf[variant.pk]:
            variant_update(
                variant=variant,
                acting_user=baker,
                stock=shelf[variant.pk],
                stock_seen=variant.stock,
            )
    _carts_put_back(carts, people)
    _money_settled(made)


def _money_settled(order_ids: list[int]) -> None:
    """The stores' transfers sent and the refund carried out now, as
    marketplace/demo_payouts.py does for its own orders, whether or not a worker has run
    the tasks: a second load then finds nothing owed."""
    from marketplace.models import Refund
    from marketplace.orders import refund_execute, transfer_send, transfers_prepare

    for order_id in order_ids:
        for transfer_id in transfers_prepare(order_id=order_id):
            transfer_send(transfer_id=transfer_id)
    refunds = Refund.objects.filter(order_id__in=order_ids, refund_id="").order_by("pk")
    for refund_id in refunds.values_list("pk", flat=True):
        refund_execute(refund_id=refund_id)


def _carts_set_aside(emails: set[str], people: Mapping[str, Any]) -> dict[str, list]:
    """Empty the buyers' carts (a person has one, and checkout buys all of it), keeping
    their lines to put back: the demo shopper's cart looks as it did."""
    from marketplace.cart import cart_line_remove
    from marketplace.models import Cart

    kept: dict[str, list] = {}
    for email in sorted(emails):
        cart = Cart.objects.filter(owner=people[email]).first()
        if cart is None:
            continue
        lines = list(cart.lines.order_by("pk"))
        kept[email] = [(line.variant_id, line.quantity) for line in lines]
        for line in lines:
            cart_line_remove(cart=cart, line_id=line.pk, acting_user=people[email])
    return kept


def _carts_put_back(kept: dict[str, list], people: Mapping[str, Any]) -> None:
    from marketplace.cart import cart_create, cart_line_add

    for email, lines in kept.items():
        cart = cart_create(owner=people[email])
        for variant_id, quantity in lines:
            cart_line_add(
                cart=cart, variant_id=variant_id, quantity=quantity, acting_user=people[email]
            )


def _assembly_adopts(computation: RistourneComputation, *, board: Any, voters: list) -> Any:
    """The annual assembly that spring, in the register and by a show of hands."""
    year = computation.fiscal_year
    zone = timezone.get_default_timezone()
    starts_at = datetime.datetime.combine(
        year.ends_on + datetime.timedelta(days=105), datetime.time(19), tzinfo=zone
    )
    bylaws = bylaws_in_force(starts_at) if starts_at <= timezone.now() else bylaws_in_force()
    assembly = Assembly.objects.create(
        kind=AssemblyKind.ANNUAL,
        title=f"Assemblée générale annuelle — ristournes de l’exercice {year}",
        starts_at=starts_at,
        place="Salle communautaire Saint-Roch, Québec",
        bylaws=bylaws,
        status=AssemblyStatus.OPEN,
        called_at=starts_at - datetime.timedelta(days=bylaws.notice_days + 5),
        called_by=board,
        opened_at=starts_at,
    )
    computation = ristourne_propose(computation=computation, acting_user=board, assembly=assembly)
    motion_open(motion=computation.motion, acting_user=board)
    for member in voters:
        AttendanceSignature.objects.create(
            assembly=assembly, member=member, signed_by=member.person, acr="substantial"
        )
        open_vote_cast(
            motion=computation.motion,
            member=member,
            choice="for",
            user=member.person,
            acr="substantial",
        )
    motion_close(motion=computation.motion, acting_user=board)
    Assembly.objects.filter(pk=assembly.pk).update(
        status=AssemblyStatus.CLOSED, closed_at=starts_at + datetime.timedelta(hours=2)
    )
    return computation


def ristournes_demo_load(
    *, summary: DemoSummary, people: Mapping[str, Any], stores: Mapping[str, Any]
) -> None:
    starts_on, ends_on = fiscal_year_last_ended()
    if RistourneComputation.objects.filter(
        fiscal_year__starts_on=starts_on, fiscal_year__ends_on=ends_on
    ).exists():
        summary.count("ristournes", False)
        return
    board = people[BOARD]
    members = list(
        Member.objects.filter(
            person__email__in=[BOARD, SHOPPER], status=MemberStatus.ACTIVE
        ).select_related("person")
    )
    if len(members) < 2:
        return
    year = FiscalYear.objects.filter(starts_on=starts_on, ends_on=ends_on).first()
    if year is None:
        year = fiscal_year_create(starts_on=starts_on, ends_on=ends_on, acting_user=board)
    start = datetime.datetime.combine(
        starts_on, datetime.time.min, tzinfo=timezone.get_default_timezone()
    )
    Member.objects.filter(pk__in=[m.pk for m in members], joined_at__gt=start).update(
        joined_at=start
    )
    _orders_load(year=year, people=people, stores=stores)
    computation = ristourne_compute(fiscal_year=year, acting_user=board, **FIGURES)
    computation = _assembly_adopts(computation, board=board, voters=members)
    ristourne_record(computation=computation, acting_user=board)
    summary.count("ristournes", True)
