"""Ristournes: eligible purchases (paid, less refunds, while a member, in the fiscal year in
Québec's time), the reserve rule with non-member business, the proposal the members vote
on, and allocations that add up to the approved total to the cent."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import person_create
from coop_governance.errors import (
    BoardOnly,
    FiscalYearNotEnded,
    FiscalYearRefused,
    NotYourRistourne,
    RistourneFiguresRefused,
    RistourneNotAdopted,
    RistourneStateRefused,
)
from coop_governance.models import (
    AssemblyStatus,
    FiscalYear,
    MemberStatus,
    RistourneAllocation,
    RistourneComputation,
    RistournePurchases,
    RistourneStatus,
)
from coop_governance.ristournes import (
    access_ristourne_view,
    allocation_split,
    allocations_insert,
    fiscal_year_create,
    fiscal_year_last_ended,
    largest_remainder_allocate,
    ristourne_compute,
    ristourne_propose,
    ristourne_record,
    ristournes_of,
    surplus_split,
)
from coop_governance.tests.factories import (
    assembly_make,
    board_seat_give,
    bylaws_make,
    member_make,
    register_sign,
)
from coop_governance.tests.ristourne_factories import at, order_make, refund_make
from coop_governance.votes import motion_close, motion_open, open_vote_cast
from identity.audit import audit_events_for
from marketplace.models import OrderStatus, StoreRole, StoreStaff

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def bylaws():
    return bylaws_make()


@pytest.fixture
def board(bylaws):
    member = member_make()
    board_seat_give(member)
    return member.person


@pytest.fixture
def year_2025(board):
    return fiscal_year_create(
        starts_on=datetime.date(2025, 1, 1), ends_on=datetime.date(2025, 12, 31), acting_user=board
    )


def member_since(joined_at, **fields):
    member = member_make(**fields)
    member.joined_at = joined_at
    member.save(update_fields=["joined_at"])
    return member


@pytest.fixture
def table(make_store, board):
    """The hand-computed year 2025: four members, their purchases, and non-member business.

    A (#2) consumer, member since 2024:
      order paid 2025-12-31 23:50 in Québec (04:50 UTC on 2026-01-01): goods 100.00, fee 3.00
      order paid 2025-04-02, two shipments: 50.00 kept, 30.00 refused and refunded in full
        (its invoice: 30.00 + 1.50 GST + 2.99 QST = 34.49)                    A = 150.00
    B (#3), member since 2024:
      order paid 2025-05-05: goods 200.00
      order paid 2025-06-06: goods 100.00, refunded 57.49 of its 114.98 invoice:
        100.00 * 57.49 / 114.98 = 50.00 of goods taken back, 50.00 kept
      order paid 2024-12-31 23:30 in Québec (2025-01-01 04:30 UTC): the year before
      order paid 2026-01-01 00:10 in Québec: the year after
      order placed, never paid; order paid then refunded in full (status refunded)
                                                                        B = 250.00
    C (#4), member since 2025-07-01:
      order paid 2025-03-01: 40.00 before joining -> non-member business
      order paid 2025-09-01: 150.00                                      C = 150.00
    D (#5), withdrawn on 2025-06-30:
      order paid 2025-05-01: 25.00                                       D =  25.00
      order paid 2025-08-01: 30.00 after leaving -> non-member business
    A store member (#6): its owner, who is not a member, buys 20.00 -> non-member business
    F, never a member, buys 75.00                                  -> non-member business

    Members' eligible purchases: 150 + 250 + 150 + 25 = 575.00
    Non-member business: 40 + 30 + 20 + 75 = 165.00
    """
    store = make_store(listings=0)
    since_2024 = at(2024, 6, 1)
    a = member_since(since_2024)
    order_make(a.person, store, at(2025, 12, 31, 23, 50), ["100.00"], fee="3.00")
    split = order_make(
        a.person, [store, make_store(listings=0)], at(2025, 4, 2), ["50.00", "30.00"]
    )
    refund_make(split, "34.49", sequence=2)
    b = member_since(since_2024)
    order_make(b.person, store, at(2025, 5, 5), ["200.00"])
    partial = order_make(b.person, store, at(2025, 6, 6), ["100.00"])
    refund_make(partial, "57.49", sequence=1)
    order_make(b.person, store, at(2024, 12, 31, 23, 30), ["80.00"])
    order_make(b.person, store, at(2026, 1, 1, 0, 10), ["90.00"])
    order_make(b.person, store, at(2025, 7, 7), ["70.00"], status=OrderStatus.PLACED)
    whole = order_make(b.person, store, at(2025, 8, 8), ["60.00"], status=OrderStatus.REFUNDED)
    refund_make(whole, str(whole.total))
    c = member_since(at(2025, 7, 1))
    order_make(c.person, store, at(2025, 3, 1), ["40.00"])
    order_make(c.person, store, at(2025, 9, 1), ["150.00"])
    d = member_since(since_2024)
    d.status, d.status_changed_at = MemberStatus.WITHDRAWN, at(2025, 6, 30)
    d.save(update_fields=["status", "status_changed_at"])
    order_make(d.person, store, at(2025, 5, 1), ["25.00"])
    order_make(d.person, store, at(2025, 8, 1), ["30.00"])
    member_store = make_store(listings=0)
    owner = person_create("owner@example.org")
    StoreStaff.objects.create(store=member_store, user=owner, role=StoreRole.OWNER)
    member_since(since_2024, store=member_store)
    order_make(owner, store, at(2025, 10, 10), ["20.00"])
    order_make(person_create("f@example.org"), store, at(2025, 11, 11), ["75.00"])
    return {"A": a, "B": b, "C": c, "D": d}


def compute(year, board, **figures):
    figures.setdefault("surplus", D("10000.00"))
    figures.setdefault("equity", D("20000.00"))
    figures.setdefault("debts", D("100000.00"))
    figures.setdefault("reserve_percent", D("20"))
    figures.setdefault("shares_percent", D("40"))
    return ristourne_compute(fiscal_year=year, acting_user=board, **figures)


def adopt(computation, board, bylaws, voters, choice="for"):
    """Put the computation to an assembly in session, the voters sign and vote, close."""
    assembly = assembly_make(bylaws)
    computation = ristourne_propose(computation=computation, acting_user=board, assembly=assembly)
    motion_open(motion=computation.motion, acting_user=board)
    for member in voters:
        register_sign(assembly, member)
        open_vote_cast(
            motion=computation.motion,
            member=member,
            choice=choice,
            user=member.person,
            acr="substantial",
        )
    motion_close(motion=computation.motion, acting_user=board)
    computation.refresh_from_db()
    return computation


def test_eligible_purchases_and_the_reserve_against_the_hand_computed_table(
    table, year_2025, board
):
    computation = compute(year_2025, board)
    purchases = {
        row.member_id: row.amount
        for row in RistournePurchases.objects.filter(computation=computation)
    }
    assert purchases == {
        table["A"].pk: D("150.00"),
        table["B"].pk: D("250.00"),
        table["C"].pk: D("150.00"),
        table["D"].pk: D("25.00"),
    }
    assert computation.member_purchases == D("575.00")
    assert computation.non_member_purchases == D("165.00")
    # Non-member share: 10,000.00 * 165 / 740 = 2,229.7297… -> 2,229.73 (half-up).
    assert computation.non_member_surplus == D("2229.73")
    # Equity 20,000 is under 30 % of debts (30,000): 20 % of the members' part,
    # (10,000.00 - 2,229.73) * 20 % = 7,770.27 * 0.2 = 1,554.054 -> 1,554.06 (up: a minimum).
    # Reserve 2,229.73 + 1,554.06 = 3,783.79; distributable 10,000.00 - 3,783.79 = 6,216.21.
    assert computation.reserve == D("3783.79")
    assert computation.distributable == D("6216.21")
    assert computation.status == RistourneStatus.COMPUTED
    assert [event.action for event in audit_events_for(computation)] == ["ristourne_compute"]


def test_allocations_against_the_hand_computed_table_add_up_to_the_total(
    table, year_2025, board, bylaws
):
    computation = adopt(compute(year_2025, board), board, bylaws, [table["A"], table["B"]])
    ristourne_record(computation=computation, acting_user=board)
    # 621,621 cents in proportion to 150 : 250 : 150 : 25 (of 575):
    #   A 621,621 * 150 / 575 = 162,161.913…  floor 162,161, fraction .913
    #   B 621,621 * 250 / 575 = 270,270 exactly
    #   C as A                  162,161.913…  floor 162,161, fraction .913
    #   D 621,621 *  25 / 575 =  27,027 exactly
    # Floors add up to 621,619: the 2 cents left go to the largest fractions, A and C.
    # Shares 40 %: A 1,621.62 * 0.4 = 648.648 -> 648.65, cash 972.97; B 1,081.08 and
    # 1,621.62; D has withdrawn: all 270.27 in cash.
    rows = {
        a.member_id: (a.purchases, a.amount, a.cash, a.shares)
        for a in RistourneAllocation.objects.filter(computation=computation)
    }
    assert rows == {
        table["A"].pk: (D("150.00"), D("1621.62"), D("972.97"), D("648.65")),
        table["B"].pk: (D("250.00"), D("2702.70"), D("1621.62"), D("1081.08")),
        table["C"].pk: (D("150.00"), D("1621.62"), D("972.97"), D("648.65")),
        table["D"].pk: (D("25.00"), D("270.27"), D("270.27"), D("0.00")),
    }
    assert sum(amount for _p, amount, _c, _s in rows.values()) == D("6216.21")
    computation.refresh_from_db()
    assert computation.status == RistourneStatus.RECORDED
    assert sorted(event.action for event in audit_events_for(computation)) == [
        "ristourne_compute",
        "ristourne_propose",
        "ristourne_record",
    ]


def test_recording_again_changes_nothing(table, year_2025, board, bylaws):
    computation = adopt(compute(year_2025, board), board, bylaws, [table["A"]])
    ristourne_record(computation=computation, acting_user=board)
    first = list(RistourneAllocation.objects.values_list("pk", "amount"))
    again = ristourne_record(computation=computation, acting_user=board)
    assert again.status == RistourneStatus.RECORDED
    assert list(RistourneAllocation.objects.values_list("pk", "amount")) == first


def test_one_allocation_per_member_per_year_in_the_database(table, year_2025, board, bylaws):
    computation = adopt(compute(year_2025, board), board, bylaws, [table["A"]])
    ristourne_record(computation=computation, acting_user=board)
    with pytest.raises(IntegrityError), transaction.atomic():
        RistourneAllocation.objects.create(
            computation=computation,
            fiscal_year=year_2025,
            member=table["A"],
            purchases=D("1.00"),
            amount=D("1.00"),
            cash=D("1.00"),
            shares=D("0.00"),
        )


def test_a_refund_of_part_of_a_whole_order_takes_back_that_part_of_each_shipment(
    make_store, year_2025, board
):
    """Two shipments of 100.00 (114.98 each with taxes), 229.96 in all; 114.98 refunded on
    the order itself: half of it, so half of each shipment's goods, 100.00, is kept."""
    member = member_since(at(2024, 1, 1))
    order = order_make(
        member.person,
        [make_store(listings=0), make_store(listings=0)],
        at(2025, 5, 5),
        ["100.00", "100.00"],
    )
    refund_make(order, "114.98")
    computation = compute(year_2025, board)
    assert RistournePurchases.objects.get(computation=computation).amount == D("100.00")


def test_equity_at_30_percent_of_debts_lifts_the_minimum(table, year_2025, board):
    computation = compute(
        year_2025, board, equity=D("30000.00"), debts=D("100000.00"), reserve_percent=D("0")
    )
    # Only the non-member share goes to the reserve: 2,229.73; the rest, 7,770.27.
    assert (computation.reserve, computation.distributable) == (D("2229.73"), D("7770.27"))


def test_a_reserve_under_20_percent_is_refused_while_equity_is_low(table, year_2025, board):
    with pytest.raises(RistourneFiguresRefused):
        compute(year_2025, board, reserve_percent=D("19.99"))
    assert not RistourneComputation.objects.exists()


def test_the_database_refuses_a_reserve_under_the_minimum(year_2025):
    with pytest.raises(IntegrityError), transaction.atomic():
        RistourneComputation.objects.create(
            fiscal_year=year_2025,
            surplus=D("100.00"),
            equity=D("0.00"),
            debts=D("100.00"),
            reserve_percent=D("10"),
            shares_percent=D("0"),
            member_purchases=D("1.00"),
            non_member_purchases=D("0.00"),
            non_member_surplus=D("0.00"),
            reserve=D("10.00"),
            distributable=D("90.00"),
        )


@pytest.mark.parametrize(
    "figures",
    [
        {"surplus": D("-1.00")},
        {"surplus": D("1.001")},
        {"debts": D("-5.00")},
        {"reserve_percent": D("100.01")},
        {"shares_percent": D("-1")},
    ],
)
def test_figures_out_of_range_are_refused(year_2025, board, figures):
    with pytest.raises(RistourneFiguresRefused):
        compute(year_2025, board, **figures)


def test_without_member_purchases_everything_goes_to_the_reserve():
    split = surplus_split(
        surplus=D("500.00"),
        member_purchases=D("0"),
        non_member_purchases=D("10.00"),
        reserve_percent=D("20"),
    )
    assert (split.reserve, split.distributable) == (D("500.00"), D("0.00"))


def test_computing_again_replaces_a_computation_not_yet_proposed(table, year_2025, board):
    first = compute(year_2025, board)
    again = compute(year_2025, board, surplus=D("740.00"))
    assert again.pk == first.pk
    assert again.distributable == D("740.00") - again.reserve
    assert RistournePurchases.objects.filter(computation=again).count() == 4


def test_a_proposed_year_cannot_be_computed_again(table, year_2025, board, bylaws):
    computation = compute(year_2025, board)
    ristourne_propose(computation=computation, acting_user=board, assembly=assembly_make(bylaws))
    with pytest.raises(RistourneStateRefused):
        compute(year_2025, board)


def test_a_year_not_ended_is_not_computed(board):
    today = timezone.localdate()
    year = fiscal_year_create(
        starts_on=today - datetime.timedelta(days=100),
        ends_on=today + datetime.timedelta(days=10),
        acting_user=board,
    )
    with pytest.raises(FiscalYearNotEnded):
        compute(year, board)


def test_recording_before_the_vote_is_closed_is_refused(table, year_2025, board, bylaws):
    computation = ristourne_propose(
        computation=compute(year_2025, board), acting_user=board, assembly=assembly_make(bylaws)
    )
    with pytest.raises(RistourneNotAdopted):
        ristourne_record(computation=computation, acting_user=board)
    assert not RistourneAllocation.objects.exists()


def test_a_rejected_proposal_records_nothing_and_lets_the_board_compute_again(
    table, year_2025, board, bylaws
):
    computation = adopt(
        compute(year_2025, board), board, bylaws, [table["A"], table["B"]], choice="against"
    )
    assert ristourne_record(computation=computation, acting_user=board).status == "rejected"
    computation.refresh_from_db()
    assert computation.status == RistourneStatus.REJECTED
    assert not RistourneAllocation.objects.exists()
    assert compute(year_2025, board).pk != computation.pk


def test_recording_an_unproposed_computation_is_refused(table, year_2025, board):
    with pytest.raises(RistourneStateRefused):
        ristourne_record(computation=compute(year_2025, board), acting_user=board)


def test_an_online_proposal_needs_its_times_in_order(table, year_2025, board):
    computation = compute(year_2025, board)
    now = timezone.now()
    with pytest.raises(RistourneStateRefused):
        ristourne_propose(computation=computation, acting_user=board, opens_at=now, closes_at=now)
    with translation.override("en"):
        proposed = ristourne_propose(
            computation=computation,
            acting_user=board,
            opens_at=now,
            closes_at=now + datetime.timedelta(days=7),
        )
    assert proposed.motion.is_online
    assert "Ristournes to the members: $6,216.21" in proposed.motion.text
    assert "20% of the rest" in proposed.motion.text
    # Proposing again (a retried form) returns the same motion.
    again = ristourne_propose(
        computation=computation,
        acting_user=board,
        opens_at=now,
        closes_at=now + datetime.timedelta(days=7),
    )
    assert again.motion_id == proposed.motion_id


def test_a_closed_assembly_cannot_take_the_proposal(table, year_2025, board, bylaws):
    computation = compute(year_2025, board)
    with pytest.raises(RistourneStateRefused):
        ristourne_propose(
            computation=computation,
            acting_user=board,
            assembly=assembly_make(bylaws, status=AssemblyStatus.CLOSED),
        )


# --- Refusals, one per case ------------------------------------------------------------


def test_someone_not_on_the_board_cannot_open_a_fiscal_year(bylaws):
    with pytest.raises(BoardOnly):
        fiscal_year_create(
            starts_on=datetime.date(2025, 1, 1),
            ends_on=datetime.date(2025, 12, 31),
            acting_user=member_make().person,
        )


def test_someone_not_on_the_board_cannot_compute(year_2025, bylaws):
    with pytest.raises(BoardOnly):
        compute(year_2025, member_make().person)


def test_someone_not_on_the_board_cannot_propose(table, year_2025, board, bylaws):
    computation = compute(year_2025, board)
    with pytest.raises(BoardOnly):
        ristourne_propose(
            computation=computation, acting_user=table["A"].person, assembly=assembly_make(bylaws)
        )


def test_someone_not_on_the_board_cannot_record(table, year_2025, board, bylaws):
    computation = adopt(compute(year_2025, board), board, bylaws, [table["A"]])
    with pytest.raises(BoardOnly):
        ristourne_record(computation=computation, acting_user=table["A"].person)


def test_overlapping_fiscal_years_are_refused(year_2025, board):
    with pytest.raises(FiscalYearRefused):
        fiscal_year_create(
            starts_on=datetime.date(2025, 12, 1),
            ends_on=datetime.date(2026, 11, 30),
            acting_user=board,
        )


def test_a_fiscal_year_ending_before_it_starts_is_refused(board):
    with pytest.raises(FiscalYearRefused):
        fiscal_year_create(
            starts_on=datetime.date(2025, 1, 1),
            ends_on=datetime.date(2024, 12, 31),
            acting_user=board,
        )


def test_the_same_fiscal_year_again_is_the_one_there(year_2025, board):
    again = fiscal_year_create(
        starts_on=datetime.date(2025, 1, 1), ends_on=datetime.date(2025, 12, 31), acting_user=board
    )
    assert again.pk == year_2025.pk
    assert FiscalYear.objects.count() == 1


def test_the_last_fiscal_year_follows_the_bylaws_end_month(bylaws):
    assert fiscal_year_last_ended(datetime.date(2026, 12, 1)) == (
        datetime.date(2025, 1, 1),
        datetime.date(2025, 12, 31),
    )
    bylaws.fiscal_year_end_month = 3
    bylaws.save()
    assert fiscal_year_last_ended(datetime.date(2026, 12, 1)) == (
        datetime.date(2025, 4, 1),
        datetime.date(2026, 3, 31),
    )


# --- Who sees a statement ---------------------------------------------------------------


@pytest.fixture
def recorded(table, year_2025, board, bylaws):
    computation = adopt(compute(year_2025, board), board, bylaws, [table["A"]])
    ristourne_record(computation=computation, acting_user=board)
    return {key: member.ristournes.get() for key, member in table.items()}


def test_a_member_sees_their_own_ristourne(recorded, table):
    person = table["A"].person
    assert access_ristourne_view(person, recorded["A"]) == recorded["A"]
    assert [allocation.pk for allocation in ristournes_of(person)] == [recorded["A"].pk]


def test_a_withdrawn_member_still_sees_their_ristourne(recorded, table):
    assert access_ristourne_view(table["D"].person, recorded["D"]) == recorded["D"]


def test_a_member_cannot_see_another_members_ristourne(recorded, table):
    with pytest.raises(NotYourRistourne):
        access_ristourne_view(table["B"].person, recorded["A"])


def test_an_anonymous_visitor_cannot_see_a_ristourne(recorded):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotYourRistourne):
        access_ristourne_view(AnonymousUser(), recorded["A"])


def test_the_board_sees_every_ristourne(recorded, board):
    assert access_ristourne_view(board, recorded["B"]) == recorded["B"]


def test_the_coop_administrators_see_every_ristourne(recorded):
    admin = person_create("coop-admin@example.org", "coop_admin")
    assert access_ristourne_view(admin, recorded["C"]) == recorded["C"]


# --- The remainder rule -----------------------------------------------------------------


def test_ties_go_to_the_lower_member_number():
    assert largest_remainder_allocate(D("0.02"), [(7, D("1")), (3, D("1")), (5, D("1"))]) == {
        3: D("0.01"),
        5: D("0.01"),
        7: D("0.00"),
    }


def test_the_split_between_cash_and_shares_adds_up():
    assert allocation_split(D("0.05"), D("50")) == (D("0.02"), D("0.03"))
    assert allocation_split(D("10.00"), D("0")) == (D("10.00"), D("0.00"))


weights = st.lists(
    st.decimals(min_value=D("0.01"), max_value=D("99999.99"), places=2),
    min_size=1,
    max_size=40,
)


@settings(deadline=None, max_examples=300)
@given(total=st.decimals(min_value=D("0.00"), max_value=D("9999999.99"), places=2), amounts=weights)
def test_largest_remainder_sums_exactly_and_each_share_is_within_a_cent(total, amounts):
    shares = largest_remainder_allocate(total, list(enumerate(amounts, start=1)))
    assert sum(shares.values()) == total
    whole = sum(amounts)
    for key, amount in enumerate(amounts, start=1):
        exact = total * amount / whole
        assert shares[key] == shares[key].quantize(D("0.01"))
        assert abs(shares[key] - exact) < D("0.01")


# --- Races ------------------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql_only")
def test_two_recordings_at_once_record_each_member_once(make_store):
    """Two board members press "record" at the same moment: the computation's lock
    serialises them, the second finds the work done."""
    bylaws = bylaws_make()
    board_member = member_make()
    board_seat_give(board_member)
    board = board_member.person
    store = make_store(listings=0)
    buyers = [member_since(at(2024, 1, 1)) for _ in range(3)]
    for n, member in enumerate(buyers, start=1):
        order_make(member.person, store, at(2025, 3, n), [f"{n}0.00"])
    year = fiscal_year_create(
        starts_on=datetime.date(2025, 1, 1), ends_on=datetime.date(2025, 12, 31), acting_user=board
    )
    computation = adopt(compute(year, board, surplus=D("100.00")), board, bylaws, buyers)
    barrier = threading.Barrier(2)
    errors = []

    def record():
        try:
            barrier.wait()
            ristourne_record(computation=computation, acting_user=board)
        except Exception as error:
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=record) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert RistourneAllocation.objects.count() == 3
    assert sum(RistourneAllocation.objects.values_list("amount", flat=True)) == D("80.00")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql_only")
def test_two_computations_at_once_leave_one_for_the_year(make_store):
    """Two board members compute the same year at the same moment: the year's lock
    serialises them, the second computes again in place, one computation is left."""
    bylaws_make()
    board_member = member_make()
    board_seat_give(board_member)
    board = board_member.person
    store = make_store(listings=0)
    for n in range(1, 4):
        order_make(member_since(at(2024, 1, 1)).person, store, at(2025, 3, n), [f"{n}0.00"])
    year = fiscal_year_create(
        starts_on=datetime.date(2025, 1, 1), ends_on=datetime.date(2025, 12, 31), acting_user=board
    )
    barrier = threading.Barrier(2)
    errors = []

    def run(surplus):
        try:
            barrier.wait()
            compute(year, board, surplus=D(surplus))
        except Exception as error:
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(s,)) for s in ("100.00", "200.00")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    computation = RistourneComputation.objects.get()
    assert computation.surplus in (D("100.00"), D("200.00"))
    assert RistournePurchases.objects.filter(computation=computation).count() == 3


def test_many_allocations_are_inserted_in_batches(year_2025, board):
    """More rows than one statement takes (SQLite caps its parameters at 999: 124 rows)."""
    computation = compute(year_2025, board, surplus=D("0.00"))
    recorded_at = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (
            computation.pk,
            year_2025.pk,
            member_make().pk,
            D("1.00"),
            D("0.01"),
            D("0.01"),
            D("0"),
            recorded_at,
        )
        for _ in range(130)
    ]
    allocations_insert(rows)
    assert RistourneAllocation.objects.filter(computation=computation).count() == 130
