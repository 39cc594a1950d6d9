"""Patronage dividends (ristournes), Cooperatives Act s. 143 and 146, as docs/ristournes.md
explains with a worked example.

1. Eligible purchases. A member's business with the coop in a fiscal year is the value of
   the goods they bought on the marketplace: for each shipment of an order paid in the
   year (order status `paid`, `paid_at` within the year in Québec's time), its goods before
   taxes (`Shipment.subtotal`; the pickup fee and the taxes are not goods), less the
   pre-tax part of the refunds made on it (a refund of `r` on a shipment whose invoice is
   `t` takes back `subtotal * r / t`, all of it when `r ≥ t`); a refund of a whole order
   takes back the same fraction of each of its shipments. An order counts for the member
   whose register line was open when it was paid (`joined_at` ≤ paid_at, and before the
   withdrawal for a withdrawn line): s. 143 gives ristournes to those who were members
   during the year, for their business as members. A store's membership has no purchases
   of its own: a marketplace order is always bought by a person, and its owner's orders
   count for the owner's own membership, if any. Everything else is non-member business.
   Set-based: one INSERT … SELECT grouped by member writes the members' purchases, and
   the non-member business is everyone's (one SUM) less the members'. A partial refund's
   goods are rounded to the cent per shipment, so every sum after is exact.
2. The reserve rule. The surplus from non-member business (the surplus in proportion to
   non-member purchases) goes to the reserve; of the rest, the board's `reserve_percent`
   goes to the reserve too, and that rate is at least 20 % while equity is under 30 % of
   debts (s. 146). So the reserve is always at least 20 % of the whole surplus while the
   rule applies. The remainder is the distributable amount the assembly votes on.
3. Rounding. Each rule rounds once, to the cent: the non-member share half-up, the
   reserve's rate up (it is a minimum), and the allocations by the largest-remainder
   method (`largest_remainder_allocate`): every member's exact share is cut down to the
   cent, and the cents left over go one each to the largest cut-off fractions, ties to the
   lower member number, so that the allocations add up to the approved total exactly.
   Each allocation is then split: the preferred-shares part is its `shares_percent`
   rounded half-up to the cent, and cash is the rest, so the two add up to it; a member
   who has withdrawn by the recording is paid all in cash (shares go to members).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coop_governance.errors import (
    FiscalYearNotEnded,
    FiscalYearRefused,
    NotYourRistourne,
    RistourneFiguresRefused,
    RistourneNotAdopted,
    RistourneStateRefused,
)
from coop_governance.lock_objects import fiscal_year_lock, ristourne_computation_lock
from coop_governance.models import (
    AssemblyStatus,
    FiscalYear,
    Majority,
    Member,
    MemberStatus,
    Motion,
    MotionStatus,
    RistourneAllocation,
    RistourneComputation,
    RistournePurchases,
    RistourneStatus,
)
from coop_governance.selectors import access_board, bylaws_in_force, is_on_board
from core.templatetags.qc import money_format
from identity.audit import audit_record

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
RESERVE_MINIMUM_PERCENT = Decimal(20)
# Equity under this fraction of debts makes the reserve's minimum apply (s. 146).
EQUITY_TO_DEBTS_THRESHOLD = Decimal("0.30")
AMOUNT_MAX = Decimal("999999999999.99")


def cents(amount: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    return amount.quantize(CENT, rounding=rounding)


# --- Fiscal years -----------------------------------------------------------------------


def fiscal_year_bounds(fiscal_year: FiscalYear) -> tuple[datetime.datetime, datetime.datetime]:
    """The year as instants: from its first day's midnight to the midnight after its last
    day, in Québec's time (the coop's books follow its calendar)."""
    zone = timezone.get_default_timezone()
    start = datetime.datetime.combine(fiscal_year.starts_on, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        fiscal_year.ends_on + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return start, end


def fiscal_year_last_ended(
    today: datetime.date | None = None,
) -> tuple[datetime.date, datetime.date]:
    """The dates of the last fiscal year that has ended, by the by-laws in force (their
    `fiscal_year_end_month`): what the board's form proposes."""
    today = today or timezone.localdate()
    month = bylaws_in_force().fiscal_year_end_month
    year = today.year if today.month > month else today.year - 1
    first_of_next = datetime.date(year + (month == 12), month % 12 + 1, 1)
    ends_on = first_of_next - datetime.timedelta(days=1)
    starts_on = datetime.date(year - 1 + (month == 12), month % 12 + 1, 1)
    return starts_on, ends_on


@transaction.atomic
def fiscal_year_create(
    *, starts_on: datetime.date, ends_on: datetime.date, acting_user: Any
) -> FiscalYear:
    """Open a fiscal year for the books: the board's act. Refused when its dates are out of
    order, longer than 53 weeks, or overlap another year; the same dates again return the
    year already there (a retried form)."""
    access_board(acting_user)
    existing = FiscalYear.objects.filter(starts_on=starts_on, ends_on=ends_on).first()
    if existing is not None:
        return existing
    if ends_on <= starts_on or (ends_on - starts_on).days > 371:
        raise FiscalYearRefused()
    if FiscalYear.objects.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
        raise FiscalYearRefused()
    fiscal_year = FiscalYear(starts_on=starts_on, ends_on=ends_on, created_by=acting_user)
    fiscal_year.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            fiscal_year.save()
    except IntegrityError as error:
        raise FiscalYearRefused() from error
    audit_record(
        acting_user=acting_user,
        action="fiscal_year_create",
        target=fiscal_year,
        detail={"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
    )
    return fiscal_year


# --- Eligible purchases, set-based ------------------------------------------------------


def _kept_goods_sql() -> str:
    """A CTE `kept`: one row per shipment of an order paid in the year (bounds as the two
    first parameters), its buyer, when it was paid, and its goods before taxes kept after
    refunds, rounded to the cent (the one rounding of a partial refund's goods). `* 1.0`
    keeps SQLite from dividing integers."""
    from marketplace.models import Order, Refund, Shipment

    order, shipment, refund = Order._meta.db_table, Shipment._meta.db_table, Refund._meta.db_table
    return f"""
    WITH shipment_refunds AS (
        SELECT shipment_id, SUM(amount) AS refunded
        FROM {refund} WHERE shipment_id IS NOT NULL GROUP BY shipment_id
    ), order_refunds AS (
        SELECT order_id, SUM(amount) AS refunded
        FROM {refund} WHERE shipment_id IS NULL GROUP BY order_id
    ), kept AS (
        SELECT o.buyer_id AS buyer_id, o.paid_at AS paid_at,
            ROUND((s.subtotal - CASE
                WHEN sr.refunded IS NULL OR s.total <= 0 THEN 0
                WHEN sr.refunded >= s.total THEN s.subtotal
                ELSE s.subtotal * sr.refunded / (s.total * 1.0)
            END) * (1 - CASE
                WHEN orr.refunded IS NULL OR o.total <= 0 THEN 0
                WHEN orr.refunded >= o.total THEN 1
                ELSE orr.refunded / (o.total * 1.0)
            END), 2) AS goods
        FROM {shipment} s
        JOIN {order} o ON o.id = s.order_id
        LEFT JOIN shipment_refunds sr ON sr.shipment_id = s.id
        LEFT JOIN order_refunds orr ON orr.order_id = o.id
        WHERE o.status = 'paid' AND o.paid_at >= %s AND o.paid_at < %s
    )"""  # noqa: S608 - table names from the models' Meta, values as parameters


def _member_match_sql() -> str:
    """The register line whose membership covers the purchase (one at most: a person has
    one open line at a time, and a withdrawn line ends when the next may begin)."""
    return f"""{Member._meta.db_table} m ON m.person_id = k.buyer_id
        AND k.paid_at >= m.joined_at
        AND (m.status <> '{MemberStatus.WITHDRAWN}' OR k.paid_at < m.status_changed_at)"""


def _bounds_parameters(fiscal_year: FiscalYear) -> list[Any]:
    return [
        connection.ops.adapt_datetimefield_value(value) for value in fiscal_year_bounds(fiscal_year)
    ]


def purchases_write(computation: RistourneComputation) -> tuple[Decimal, Decimal]:
    """Write the members' eligible purchases of the computation's year (one INSERT …
    SELECT grouped by member) and return (members' total, non-members' total): the
    non-members' is everyone's (one SUM) less the members'. An anti-join to find it
    directly misleads PostgreSQL's planner into nested loops (minutes at 2 million lines)."""
    table = RistournePurchases._meta.db_table
    parameters = _bounds_parameters(computation.fiscal_year)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""{_kept_goods_sql()}
            INSERT INTO {table} (computation_id, member_id, amount)
            SELECT %s, m.id, SUM(k.goods)
            FROM kept k JOIN {_member_match_sql()}
            GROUP BY m.id
            HAVING SUM(k.goods) > 0""",  # noqa: S608 - as above
            [*parameters, computation.pk],
        )
        cursor.execute(f"{_kept_goods_sql()} SELECT SUM(k.goods) FROM kept k", parameters)  # noqa: S608
        everyone = _decimal(cursor.fetchone()[0])
    members = _decimal(
        RistournePurchases.objects.filter(computation=computation).aggregate(total=Sum("amount"))[
            "total"
        ]
    )
    # Each shipment's goods are in cents, so what is not the members' is exact.
    return members, everyone - members


def _decimal(value: Any) -> Decimal:
    """A sum from the database as Decimal to the cent (SQLite returns floats)."""
    if value is None:
        return Decimal("0.00")
    return cents(Decimal(str(value)))


# --- The reserve rule -------------------------------------------------------------------


@dataclass(frozen=True)
class SurplusSplit:
    non_member_surplus: Decimal
    reserve: Decimal
    distributable: Decimal


def reserve_minimum_percent(*, equity: Decimal, debts: Decimal) -> Decimal:
    """20 % while equity is under 30 % of debts, nothing after (s. 146)."""
    if equity < debts * EQUITY_TO_DEBTS_THRESHOLD:
        return RESERVE_MINIMUM_PERCENT
    return Decimal(0)


def surplus_split(
    *,
    surplus: Decimal,
    member_purchases: Decimal,
    non_member_purchases: Decimal,
    reserve_percent: Decimal,
) -> SurplusSplit:
    """Split the surplus between the reserve and the members. The non-member share of the
    surplus (in proportion to purchases, half-up to the cent) goes to the reserve, then
    `reserve_percent` of what is left (rounded up: it is a minimum); without member
    purchases everything goes to the reserve."""
    business = member_purchases + non_member_purchases
    if member_purchases <= 0:
        non_member = surplus if business > 0 else Decimal("0.00")
        return SurplusSplit(non_member, surplus, Decimal("0.00"))
    non_member = cents(surplus * non_member_purchases / business)
    members_part = surplus - non_member
    reserve = non_member + cents(members_part * reserve_percent / HUNDRED, ROUND_CEILING)
    return SurplusSplit(non_member, reserve, surplus - reserve)


def _figures_check(
    *,
    surplus: Decimal,
    equity: Decimal,
    debts: Decimal,
    reserve_percent: Decimal,
    shares_percent: Decimal,
) -> None:
    for amount in (surplus, equity, debts):
        if amount < 0 or amount > AMOUNT_MAX or amount != cents(amount):
            raise RistourneFiguresRefused()
    for percent in (reserve_percent, shares_percent):
        if percent < 0 or percent > HUNDRED or percent != cents(percent):
            raise RistourneFiguresRefused()
    if reserve_percent < reserve_minimum_percent(equity=equity, debts=debts):
        raise RistourneFiguresRefused()


@transaction.atomic
def ristourne_compute(
    *,
    fiscal_year: FiscalYear,
    surplus: Decimal,
    equity: Decimal,
    debts: Decimal,
    reserve_percent: Decimal,
    shares_percent: Decimal,
    acting_user: Any,
) -> RistourneComputation:
    """The board computes a year's ristournes from the figures it enters: the members'
    eligible purchases, the non-member share, the reserve and the distributable amount. A
    computation not yet proposed is computed again in place; once proposed or recorded the
    year is settled (a rejected proposal lets the board compute again)."""
    access_board(acting_user)
    _figures_check(
        surplus=surplus,
        equity=equity,
        debts=debts,
        reserve_percent=reserve_percent,
        shares_percent=shares_percent,
    )
    fiscal_year = fiscal_year_lock(fiscal_year.pk)
    if timezone.localdate() <= fiscal_year.ends_on:
        raise FiscalYearNotEnded()
    computation = (
        RistourneComputation.objects.filter(fiscal_year=fiscal_year)
        .exclude(status=RistourneStatus.REJECTED)
        .first()
    )
    if computation is not None and computation.status != RistourneStatus.COMPUTED:
        raise RistourneStateRefused()
    zero = Decimal("0.00")
    if computation is None:
        computation = RistourneComputation(fiscal_year=fiscal_year)
    computation.surplus, computation.equity, computation.debts = surplus, equity, debts
    computation.reserve_percent, computation.shares_percent = reserve_percent, shares_percent
    # Placeholders that satisfy the constraints until the purchases are known.
    computation.member_purchases = computation.non_member_purchases = zero
    computation.non_member_surplus = computation.distributable = zero
    computation.reserve = surplus
    computation.computed_at = timezone.now()
    computation.computed_by = acting_user
    computation.save()
    RistournePurchases.objects.filter(computation=computation).delete()
    member_total, non_member_total = purchases_write(computation)
    split = surplus_split(
        surplus=surplus,
        member_purchases=member_total,
        non_member_purchases=non_member_total,
        reserve_percent=reserve_percent,
    )
    computation.member_purchases = member_total
    computation.non_member_purchases = non_member_total
    computation.non_member_surplus = split.non_member_surplus
    computation.reserve = split.reserve
    computation.distributable = split.distributable
    computation.full_clean(validate_unique=False)
    computation.save()
    audit_record(
        acting_user=acting_user,
        action="ristourne_compute",
        target=computation,
        detail={
            "fiscal_year": str(fiscal_year),
            "surplus": str(surplus),
            "equity": str(equity),
            "debts": str(debts),
            "reserve_percent": str(reserve_percent),
            "shares_percent": str(shares_percent),
            "member_purchases": str(member_total),
            "non_member_purchases": str(non_member_total),
            "reserve": str(split.reserve),
            "distributable": str(split.distributable),
        },
    )
    return computation


# --- The proposal -----------------------------------------------------------------------


def percent_format(value: Decimal) -> str:
    """A rate as people write it: 20, 12.5 (12,5 in French)."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",") if (translation.get_language() or "fr").startswith("fr") else text


def proposal_text(computation: RistourneComputation) -> str:
    """The motion's text: the figures the members adopt, in the active language."""
    return _(
        "Fiscal year %(year)s. Surplus: %(surplus)s. To the reserve: %(reserve)s (of which "
        "%(non_member)s from non-member business, and %(percent)s%% of the rest). "
        "Ristournes to the members: %(distributable)s, in proportion to their eligible "
        "purchases (%(purchases)s in all), paid %(shares)s%% in preferred shares and the "
        "rest in cash."
    ) % {
        "year": computation.fiscal_year,
        "surplus": money_format(computation.surplus),
        "reserve": money_format(computation.reserve),
        "non_member": money_format(computation.non_member_surplus),
        "percent": percent_format(computation.reserve_percent),
        "distributable": money_format(computation.distributable),
        "purchases": money_format(computation.member_purchases),
        "shares": percent_format(computation.shares_percent),
    }


@transaction.atomic
def ristourne_propose(
    *,
    computation: RistourneComputation,
    acting_user: Any,
    assembly: Any = None,
    opens_at: datetime.datetime | None = None,
    closes_at: datetime.datetime | None = None,
) -> RistourneComputation:
    """The board puts the computation to the members: an ordinary resolution voted at
    `assembly` (called or in session), or online between `opens_at` and `closes_at`.
    Proposing again returns the computation as it is (a retried form)."""
    access_board(acting_user)
    computation = ristourne_computation_lock(computation.pk)
    if computation.status == RistourneStatus.PROPOSED:
        return computation
    if computation.status != RistourneStatus.COMPUTED:
        raise RistourneStateRefused()
    if assembly is None and (opens_at is None or closes_at is None or closes_at <= opens_at):
        raise RistourneStateRefused()
    if assembly is not None and assembly.status not in (AssemblyStatus.CALLED, AssemblyStatus.OPEN):
        raise RistourneStateRefused()
    motion = Motion(
        title=_("Ristournes for the fiscal year %(year)s") % {"year": computation.fiscal_year},
        text=proposal_text(computation),
        majority=Majority.SIMPLE,
        bylaws=assembly.bylaws if assembly is not None else bylaws_in_force(),
        assembly=assembly,
        opens_at=None if assembly is not None else opens_at,
        closes_at=None if assembly is not None else closes_at,
        created_by=acting_user,
    )
    motion.full_clean()
    motion.save()
    computation.motion = motion
    computation.status = RistourneStatus.PROPOSED
    computation.save(update_fields=["motion", "status"])
    audit_record(
        acting_user=acting_user,
        action="ristourne_propose",
        target=computation,
        detail={"motion": motion.pk, "distributable": str(computation.distributable)},
    )
    return computation


# --- The allocations --------------------------------------------------------------------


def largest_remainder_allocate(
    total: Decimal, weights: Iterable[tuple[int, Decimal]]
) -> dict[int, Decimal]:
    """Share `total` (in cents) among keys in proportion to their weights, to the cent,
    adding up to `total` exactly: each exact share is cut down to the cent, then the
    cents left over go one each to the largest cut-off fractions, ties to the lower key
    (the member number). Exact integer arithmetic: with the weights scaled to integers
    `w` summing to `W`, a share is `T * w // W` cents and its cut-off fraction
    `T * w % W` over the same `W`, so fractions compare as integers."""
    weights = [(key, weight) for key, weight in weights if weight > 0]
    if total != cents(total) or total < 0:
        raise ValueError("total must be a non-negative amount in cents")
    total_cents = int(total / CENT)
    if not weights or total_cents == 0:
        return {key: Decimal("0.00") for key, _weight in weights}
    places = max(-min(weight.as_tuple().exponent, 0) for _key, weight in weights)
    scale = Decimal(10) ** places
    scaled = [(key, int(weight * scale)) for key, weight in weights]
    whole = sum(weight for _key, weight in scaled)
    shares: dict[int, int] = {}
    remainders: list[tuple[int, int]] = []
    for key, weight in scaled:
        floor, remainder = divmod(total_cents * weight, whole)
        shares[key] = floor
        remainders.append((-remainder, key))
    left = total_cents - sum(shares.values())
    remainders.sort()
    for _remainder, key in remainders[:left]:
        shares[key] += 1
    return {key: Decimal(count) * CENT for key, count in shares.items()}


def allocation_split(amount: Decimal, shares_percent: Decimal) -> tuple[Decimal, Decimal]:
    """(cash, preferred shares) of an allocation: the shares' part half-up to the cent,
    cash the rest."""
    shares = cents(amount * shares_percent / HUNDRED)
    return amount - shares, shares


def allocations_insert(rows: list[tuple]) -> None:
    """Insert allocation rows (computation, fiscal year, member, purchases, amount, cash,
    shares, recorded at), many rows per statement: the ORM's bulk_create spent 5 of its
    8 seconds preparing 50,000 rows' values in Python. The table's constraints check
    every row."""
    table = RistourneAllocation._meta.db_table
    # At most 1,000 rows, and within the database's cap on parameters (SQLite: 999).
    batch = min(1000, (connection.features.max_query_params or 8000) // 8)
    columns = (
        "computation_id, fiscal_year_id, member_id, purchases, amount, cash, shares, recorded_at"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values}",  # noqa: S608 - placeholders
                [value for row in chunk for value in row],
            )


@transaction.atomic
def ristourne_record(
    *, computation: RistourneComputation, acting_user: Any
) -> RistourneComputation:
    """Once the members adopted the proposal (its motion closed and adopted), record each
    member's allocation: the distributable amount in proportion to eligible purchases,
    by the largest-remainder rule. Recording again finds it done and changes nothing. A
    motion the members rejected marks the computation rejected and records nothing (the
    board may compute again); a motion not yet counted is refused (RistourneNotAdopted)."""
    access_board(acting_user)
    computation = ristourne_computation_lock(computation.pk)
    if computation.status == RistourneStatus.RECORDED:
        return computation
    if computation.status != RistourneStatus.PROPOSED:
        raise RistourneStateRefused()
    motion = computation.motion
    if motion.status != MotionStatus.CLOSED:
        raise RistourneNotAdopted()
    if not motion.adopted:
        computation.status = RistourneStatus.REJECTED
        computation.save(update_fields=["status"])
        audit_record(acting_user=acting_user, action="ristourne_reject", target=computation)
        return computation
    rows = list(
        RistournePurchases.objects.filter(computation=computation).values_list(
            "member_id", "member__number", "member__status", "amount"
        )
    )
    by_number = largest_remainder_allocate(
        computation.distributable, [(number, amount) for _pk, number, _s, amount in rows]
    )
    now = timezone.now()
    recorded_at = connection.ops.adapt_datetimefield_value(now)
    allocations = []
    for member_id, number, status, purchases in rows:
        amount = by_number[number]
        # Preferred shares are issued to members: one who has withdrawn is paid in cash.
        shares_percent = (
            Decimal(0) if status == MemberStatus.WITHDRAWN else computation.shares_percent
        )
        cash, shares = allocation_split(amount, shares_percent)
        allocations.append(
            (
                computation.pk,
                computation.fiscal_year_id,
                member_id,
                purchases,
                amount,
                cash,
                shares,
                recorded_at,
            )
        )
    try:
        with transaction.atomic():
            allocations_insert(allocations)
    except IntegrityError as error:
        # Another computation of the year recorded first (the constraint decides).
        raise RistourneStateRefused() from error
    computation.status = RistourneStatus.RECORDED
    computation.recorded_at = now
    computation.save(update_fields=["status", "recorded_at"])
    audit_record(
        acting_user=acting_user,
        action="ristourne_record",
        target=computation,
        detail={"allocations": len(allocations), "total": str(computation.distributable)},
    )
    return computation


# --- Reads and access -------------------------------------------------------------------


def ristournes_of(user: Any) -> list[RistourneAllocation]:
    """Every ristourne of the lines of the register `user` holds or represents (their own,
    withdrawn ones included, and their stores'), newest year first."""
    from marketplace.models import StoreRole

    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        RistourneAllocation.objects.filter(
            Q(member__person=user)
            | Q(member__store__staff__user=user, member__store__staff__role=StoreRole.OWNER)
        )
        .select_related("fiscal_year", "member")
        .distinct()
        .order_by("-fiscal_year__starts_on", "member__number")
    )


def access_ristourne_view(user: Any, allocation: RistourneAllocation) -> RistourneAllocation:
    """A statement is seen by its member (the person, or the owner of the member store)
    and by the board; anyone else is refused with NotYourRistourne."""
    from marketplace.models import StoreRole

    if not getattr(user, "is_authenticated", False):
        raise NotYourRistourne()
    member = allocation.member
    if member.person_id is not None and member.person_id == user.pk:
        return allocation
    if (
        member.store_id is not None
        and member.store.staff.filter(user=user, role=StoreRole.OWNER).exists()
    ):
        return allocation
    if user.has_perm("coop_governance.administer_members"):
        return allocation
    if is_on_board(user):
        return allocation
    raise NotYourRistourne()
