"""Ristourne pages: a member's own ristournes and statement (and nobody else's), and the
board's pages from opening a fiscal year to the CSV, through HTTP."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from conftest import person_create
from coop_governance.models import FiscalYear, RistourneAllocation, RistourneComputation
from coop_governance.ristournes import fiscal_year_create, ristourne_record
from coop_governance.tests.factories import board_seat_give, bylaws_make, member_make
from coop_governance.tests.ristourne_factories import at, order_make
from coop_governance.tests.test_ristournes import adopt, compute, member_since

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
def members(make_store, board, bylaws):
    """Two members with 2025 purchases of 300.00 and 100.00, their ristournes recorded:
    1,000.00 distributable (equity above 30 % of debts, no reserve rate) -> 750.00, 250.00;
    40 % in preferred shares."""
    store = make_store(listings=0)
    a, b = member_since(at(2024, 1, 1)), member_since(at(2024, 1, 1))
    order_make(a.person, store, at(2025, 3, 3), ["300.00"])
    order_make(b.person, store, at(2025, 4, 4), ["100.00"])
    year = fiscal_year_create(
        starts_on=datetime.date(2025, 1, 1), ends_on=datetime.date(2025, 12, 31), acting_user=board
    )
    computation = compute(
        year,
        board,
        surplus=D("1000.00"),
        equity=D("50.00"),
        debts=D("100.00"),
        reserve_percent=D("0"),
    )
    ristourne_record(computation=adopt(computation, board, bylaws, [a, b]), acting_user=board)
    return a, b


def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_a_member_sees_their_ristournes_in_english(client, members):
    a, _b = members
    english(client).force_login(a.person)
    response = client.get(reverse("governance:ristournes_mine"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "My ristournes" in html
    assert "$750.00" in html
    assert "$250.00" not in html
    assert response["Cache-Control"] == "private, no-store"


def test_the_page_is_in_french_by_default(client, members):
    a, _b = members
    client.force_login(a.person)
    html = client.get(reverse("governance:ristournes_mine")).content.decode()
    assert "750,00\u00a0$" in html


def test_a_person_without_ristournes_sees_an_empty_state(client, bylaws):
    english(client).force_login(person_create("nobody@example.org"))
    html = client.get(reverse("governance:ristournes_mine")).content.decode()
    assert "No ristourne yet" in html


def test_my_ristournes_asks_to_sign_in(client):
    response = client.get(reverse("governance:ristournes_mine"))
    assert response.status_code == 302


def test_the_statement_is_a_pdf_with_the_members_figures(client, members):
    a, _b = members
    allocation = a.ristournes.get()
    english(client).force_login(a.person)
    response = client.get(reverse("governance:ristourne_statement", args=[allocation.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Ristourne statement, fiscal year 2025" in text
    assert f"#{a.number}" in text
    for amount in ("$300.00", "$750.00", "$450.00", "$300.00", "$1,000.00"):
        assert amount in text


def test_the_statement_in_french(client, members):
    a, _b = members
    client.force_login(a.person)
    response = client.get(reverse("governance:ristourne_statement", args=[a.ristournes.get().pk]))
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "750,00" in text


def test_another_members_statement_is_not_found(client, members):
    a, b = members
    client.force_login(b.person)
    response = client.get(reverse("governance:ristourne_statement", args=[a.ristournes.get().pk]))
    assert response.status_code == 404


def test_the_board_downloads_any_statement(client, members, board):
    a, _b = members
    client.force_login(board)
    response = client.get(reverse("governance:ristourne_statement", args=[a.ristournes.get().pk]))
    assert response.status_code == 200


# --- The board's pages ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,args",
    [
        ("governance:ristournes_board", []),
        ("governance:ristourne_compute", ["year"]),
        ("governance:ristourne_detail", ["computation"]),
        ("governance:ristourne_csv", ["computation"]),
    ],
)
def test_a_member_not_on_the_board_is_refused_the_boards_pages(client, members, name, args):
    a, _b = members
    pks = {
        "year": FiscalYear.objects.get().pk,
        "computation": RistourneComputation.objects.get().pk,
    }
    client.force_login(a.person)
    response = client.get(reverse(name, args=[pks[arg] for arg in args]))
    assert response.status_code == 403


@pytest.mark.parametrize(
    "name,args,data",
    [
        ("governance:fiscal_year_create", [], {"starts_on": "2024-01-01", "ends_on": "2024-12-31"}),
        ("governance:ristourne_compute", ["year"], {"surplus": "1.00"}),
        ("governance:ristourne_propose", ["computation"], {"how": "assembly"}),
    ],
)
def test_a_member_not_on_the_board_cannot_post_the_boards_forms(client, members, name, args, data):
    a, _b = members
    pks = {
        "year": FiscalYear.objects.get().pk,
        "computation": RistourneComputation.objects.get().pk,
    }
    client.force_login(a.person)
    assert client.post(reverse(name, args=[pks[arg] for arg in args]), data).status_code == 403
    assert FiscalYear.objects.count() == 1


def test_a_member_not_on_the_board_cannot_record(client, members):
    a, _b = members
    client.force_login(a.person)
    computation = RistourneComputation.objects.get()
    response = client.post(reverse("governance:ristourne_record", args=[computation.pk]))
    assert response.status_code == 403


def test_the_board_runs_a_year_through_its_pages(client, make_store, board, bylaws):
    store = make_store(listings=0)
    a, b = member_since(at(2024, 1, 1)), member_since(at(2024, 1, 1))
    order_make(a.person, store, at(2025, 3, 3), ["300.00"])
    order_make(b.person, store, at(2025, 4, 4), ["100.00"])
    order_make(person_create("f@example.org"), store, at(2025, 5, 5), ["100.00"])
    english(client).force_login(board)
    assert client.get(reverse("governance:ristournes_board")).status_code == 200
    response = client.post(
        reverse("governance:fiscal_year_create"),
        {"starts_on": "2025-01-01", "ends_on": "2025-12-31"},
    )
    year = FiscalYear.objects.get()
    assert response.url == reverse("governance:ristourne_compute", args=[year.pk])
    figures = {"surplus": "1000.00", "equity": "10.00", "debts": "100.00", "shares_percent": "0"}
    refused = client.post(response.url, {**figures, "reserve_percent": "19"})
    assert refused.status_code == 400
    assert "at least 20" in refused.content.decode()
    response = client.post(
        reverse("governance:ristourne_compute", args=[year.pk]),
        {**figures, "reserve_percent": "20"},
    )
    computation = RistourneComputation.objects.get()
    assert response.url == reverse("governance:ristourne_detail", args=[computation.pk])
    # 1,000.00 * 100 / 500 = 200.00 from non-members; 20 % of 800.00 = 160.00.
    assert (computation.reserve, computation.distributable) == (D("360.00"), D("640.00"))
    page = client.get(response.url).content.decode()
    assert "$640.00" in page
    # The form to compute again starts from the figures entered.
    again = client.get(reverse("governance:ristourne_compute", args=[year.pk])).content.decode()
    assert 'value="1000.00"' in again
    now = timezone.localtime()
    response = client.post(
        reverse("governance:ristourne_propose", args=[computation.pk]),
        {
            "how": "online",
            "opens_at": (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    computation.refresh_from_db()
    assert computation.status == "proposed" and computation.motion.is_online
    early = client.post(reverse("governance:ristourne_record", args=[computation.pk]))
    assert early.status_code == 400
    from coop_governance.votes import motion_close, open_vote_cast

    for member in (a, b):
        open_vote_cast(
            motion=computation.motion, member=member, choice="for", user=member.person, acr="high"
        )
    type(computation.motion).objects.filter(pk=computation.motion_id).update(
        closes_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    motion_close(motion=computation.motion, acting_user=None)
    response = client.post(reverse("governance:ristourne_record", args=[computation.pk]))
    assert response.status_code == 302
    assert RistourneAllocation.objects.count() == 2
    response = client.get(reverse("governance:ristourne_csv", args=[computation.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        [
            "member_number",
            "category",
            "eligible_purchases",
            "ristourne",
            "cash",
            "preferred_shares",
        ],
        [str(a.number), "consumer", "300.00", "480.00", "480.00", "0.00"],
        [str(b.number), "consumer", "100.00", "160.00", "160.00", "0.00"],
    ]


def test_an_invalid_fiscal_year_is_a_400(client, board):
    english(client).force_login(board)
    response = client.post(
        reverse("governance:fiscal_year_create"),
        {"starts_on": "2025-12-31", "ends_on": "2025-01-01"},
    )
    assert response.status_code == 400
    assert not FiscalYear.objects.exists()


def test_a_proposal_without_its_assembly_is_a_400(client, members, board):
    computation = RistourneComputation.objects.get()
    client.force_login(board)
    response = client.post(
        reverse("governance:ristourne_propose", args=[computation.pk]), {"how": "assembly"}
    )
    assert response.status_code == 400


def test_the_csv_waits_for_the_recording(client, board, make_store):
    client.force_login(board)
    year = fiscal_year_create(
        starts_on=datetime.date(2025, 1, 1), ends_on=datetime.date(2025, 12, 31), acting_user=board
    )
    computation = compute(year, board, equity=D("50.00"), debts=D("100.00"), reserve_percent=D("0"))
    response = client.get(reverse("governance:ristourne_csv", args=[computation.pk]))
    assert response.status_code == 404


def test_the_detail_page_costs_the_same_for_few_and_many_members(client, board, bylaws, make_store):
    store = make_store(listings=0)
    year = fiscal_year_create(
        starts_on=datetime.date(2025, 1, 1), ends_on=datetime.date(2025, 12, 31), acting_user=board
    )
    client.force_login(board)
    counts = []
    for more in (2, 18):
        for _ in range(more):
            order_make(member_since(at(2024, 1, 1)).person, store, at(2025, 6, 1), ["10.00"])
        computation = compute(
            year, board, equity=D("50.00"), debts=D("100.00"), reserve_percent=D("0")
        )
        url = reverse("governance:ristourne_detail", args=[computation.pk])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- The demo ---------------------------------------------------------------------------


def test_the_demo_shopper_has_last_years_ristourne_and_a_reload_writes_nothing(
    client, django_capture_on_commit_callbacks
):
    from coop_governance.demo import demo_load as governance_demo_load
    from core.demo import DemoSummary
    from identity import demo as identity_demo
    from marketplace.demo import demo_load as marketplace_demo_load
    from marketplace.models import CartLine

    people = identity_demo.demo_load(summary=DemoSummary())
    with django_capture_on_commit_callbacks(execute=True):
        stores = marketplace_demo_load(summary=DemoSummary(), people=people)
        cart = list(
            CartLine.objects.order_by("pk").values_list("cart__owner", "variant", "quantity")
        )
        governance_demo_load(summary=DemoSummary(), people=people, stores=stores)
    # The shopper's cart, set aside while the year's orders were made, is as it was.
    assert (
        list(CartLine.objects.order_by("pk").values_list("cart__owner", "variant", "quantity"))
        == cart
    )
    computation = RistourneComputation.objects.get()
    assert computation.status == "recorded"
    assert computation.non_member_purchases > 0
    allocations = RistourneAllocation.objects.filter(computation=computation)
    assert sum(a.amount for a in allocations) == computation.distributable
    shopper = people["shopper@demo.uniqc.coop"]
    mine = allocations.get(member__person=shopper)
    assert mine.amount > 0 and mine.shares > 0
    english(client).force_login(shopper)
    response = client.get(reverse("governance:ristourne_statement", args=[mine.pk]))
    assert response.status_code == 200
    summary = DemoSummary()
    governance_demo_load(summary=summary, people=people, stores=stores)
    assert RistourneComputation.objects.count() == 1
    assert RistourneAllocation.objects.count() == allocations.count()
