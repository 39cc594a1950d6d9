"""The membership pages through HTTP: joining through the offline gateway's test page, the
member's page (shares, status, open votes, withdrawal), the board's register and its
withdrawal requests; and the issue's test: the `membership` claim in a fresh ID token."""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import TEST_PASSWORD, person_create
from coop_governance.models import (
    Member,
    MemberStatus,
    OpenVote,
    SharePurchase,
    SharePurchaseStatus,
    Withdrawal,
    WithdrawalStatus,
)
from coop_governance.tests.factories import board_seat_give, bylaws_make, member_make, motion_make
from coop_governance.tests.membership import CARD, DECLINED, minor_birth_date, person_proven
from identity.tests.oidc.conftest import jwks_fresh, provider, register  # noqa: F401

pytestmark = pytest.mark.django_db

DASHBOARD = "/cooperative/"
JOIN = "/cooperative/adherer/"
ENGLISH = {"django_language": "en"}


@pytest.fixture(autouse=True)
def bylaws(db):
    return bylaws_make(share_price=Decimal("10.00"), qualifying_shares=1)


@pytest.fixture
def english(client):
    client.cookies.load(ENGLISH)
    return client


@pytest.fixture
def board_client(client, sign_in_at):
    member = member_make(email="board@example.org", category="worker")
    board_seat_give(member)
    sign_in_at(client, member.person, "substantial")
    client.cookies.load(ENGLISH)
    return client


def join_through_pages(client, category: str = "consumer"):
    """What a person does: choose a category, pay with the test card."""
    response = client.post(JOIN, {"category": category})
    assert response.status_code == 302, response.content
    pay_page = response["Location"]
    assert pay_page.startswith("/cooperative/adherer/paiement/")
    paid = client.post(pay_page, CARD)
    assert paid.status_code == 302
    return paid["Location"]


# --- Joining -------------------------------------------------------------------------


def test_a_visitor_sees_what_joining_costs_and_needs(english):
    response = english.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Join the coop" in html
    assert "$10.00" in html or "10,00" in html
    assert 'data-need="signed-in" data-met="no"' in html
    assert 'name="category"' not in html


def test_a_proven_adult_joins_through_the_test_page(client, sign_in_at):
    alice = person_proven("alice@example.org")
    sign_in_at(client, alice, "substantial")
    client.cookies.load(ENGLISH)
    page = client.get(DASHBOARD).content.decode()
    assert 'data-need="proven" data-met="yes"' in page and 'name="category"' in page
    response = client.post(JOIN, {"category": "worker"})
    pay_page = response["Location"]
    shown = client.get(pay_page)
    assert shown.status_code == 200
    assert "data-test-payment-banner" in shown.content.decode()
    landing = client.post(pay_page, CARD)["Location"]
    welcome = client.get(landing).content.decode()
    member = Member.objects.get(person=alice)
    assert 'data-purchase-status="succeeded"' in welcome
    assert f"member number {member.number}" in welcome
    dashboard = client.get(DASHBOARD).content.decode()
    assert f"<dd data-member-number>{member.number}</dd>" in dashboard
    assert 'data-member-status="active"' in dashboard
    assert "Worker" in dashboard


def test_a_declined_card_joins_nobody(client, sign_in_at):
    alice = person_proven("alice@example.org")
    sign_in_at(client, alice, "substantial")
    pay_page = client.post(JOIN, {"category": "consumer"})["Location"]
    landing = client.post(pay_page, DECLINED)["Location"]
    assert 'data-purchase-status="failed"' in client.get(landing).content.decode()
    assert not Member.objects.exists()


def test_a_password_session_is_sent_to_sign_in_with_a_passkey(client, sign_in_at):
    sign_in_at(client, person_proven("alice@example.org"), "low")
    response = client.post(JOIN, {"category": "consumer"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))
    assert not SharePurchase.objects.exists()


def test_a_minor_cannot_join(client, sign_in_at):
    sign_in_at(client, person_proven("teen@example.org", born=minor_birth_date()), "high")
    response = client.post(JOIN, {"category": "consumer"})
    assert response.status_code == 403
    assert 'data-need="adult" data-met="no"' in response.content.decode()
    assert not SharePurchase.objects.exists()


def test_an_unproven_person_cannot_join(client, sign_in_at):
    unproven = person_create("bob@example.org", birth_date=datetime.date(1980, 1, 1))
    sign_in_at(client, unproven, "high")
    response = client.post(JOIN, {"category": "consumer"})
    assert response.status_code == 403
    assert not SharePurchase.objects.exists()


def test_a_made_up_category_is_a_400(client, sign_in_at):
    sign_in_at(client, person_proven("alice@example.org"), "substantial")
    assert client.post(JOIN, {"category": "emperor"}).status_code == 400


def test_someone_else_cannot_open_the_payment_page(client, sign_in_at):
    alice = person_proven("alice@example.org")
    sign_in_at(client, alice, "substantial")
    pay_page = client.post(JOIN, {"category": "consumer"})["Location"]
    sign_in_at(client, person_create("eve@example.org"), "substantial")
    assert client.get(pay_page).status_code == 404
    assert client.post(pay_page, CARD).status_code == 404
    assert SharePurchase.objects.get().status == SharePurchaseStatus.PENDING


def test_a_paid_page_does_not_take_a_second_payment(client, sign_in_at):
    sign_in_at(client, person_proven("alice@example.org"), "substantial")
    join_through_pages(client)
    pay_page = SharePurchase.objects.get().redirect_url
    assert client.post(pay_page, CARD).status_code == 409


def test_a_store_owner_makes_the_store_a_member(client, sign_in_at, make_store):
    from marketplace.models import StoreRole
    from marketplace.services import store_staff_set

    owner = person_proven("owner@example.org")
    store = make_store(listings=0)
    store_staff_set(store=store, user=owner, role=StoreRole.OWNER, acting_user=None)
    sign_in_at(client, owner, "substantial")
    pay_page = client.post(JOIN, {"category": "consumer", "store": store.pk})["Location"]
    client.post(pay_page, CARD)
    member = Member.objects.get(store=store)
    assert member.category == "producer"
    assert f"<dd data-member-number>{member.number}</dd>" in client.get(DASHBOARD).content.decode()


# --- The member's page ---------------------------------------------------------------


def test_the_member_votes_from_their_page(client, sign_in_at, bylaws):
    member = member_make(person_proven("alice@example.org"))
    motion = motion_make(bylaws, title="Adopter le budget")
    sign_in_at(client, member.person, "substantial")
    page = client.get(DASHBOARD).content.decode()
    assert "Adopter le budget" in page
    url = reverse("governance:dashboard_vote", args=[member.number, motion.pk])
    prefix = f"m{motion.pk}-{member.pk}"
    assert client.post(url, {f"{prefix}-choice": "for"}).status_code == 302
    assert OpenVote.objects.get(member=member, motion=motion).choice == "for"
    assert 'data-my-vote="for"' in client.get(DASHBOARD).content.decode()


def test_a_vote_at_a_password_session_is_refused(client, sign_in_at, bylaws):
    member = member_make(person_proven("alice@example.org"))
    motion = motion_make(bylaws)
    sign_in_at(client, member.person, "low")
    url = reverse("governance:dashboard_vote", args=[member.number, motion.pk])
    client.post(url, {f"m{motion.pk}-{member.pk}-choice": "for"})
    assert not OpenVote.objects.exists()


def test_no_one_votes_for_someone_else(client, sign_in_at, bylaws):
    member = member_make()
    motion = motion_make(bylaws)
    other = member_make()
    sign_in_at(client, other.person, "high")
    url = reverse("governance:dashboard_vote", args=[member.number, motion.pk])
    client.post(url, {f"m{motion.pk}-{member.pk}-choice": "for"})
    assert not OpenVote.objects.exists()


def test_the_member_asks_to_leave_and_the_board_approves(client, board_client, sign_in_at):
    member = member_make(person_proven("alice@example.org"))
    from django.test import Client

    alice = Client()
    sign_in_at(alice, member.person, "substantial")
    url = reverse("governance:withdrawal_ask", args=[member.number])
    # Without ticking the confirmation, nothing is asked.
    alice.post(url, {f"w{member.pk}-reason": "Départ."})
    assert not Withdrawal.objects.exists()
    alice.post(url, {f"w{member.pk}-reason": "Départ.", f"w{member.pk}-confirm": "on"})
    withdrawal = Withdrawal.objects.get()
    assert 'data-withdrawal="pending"' in alice.get(DASHBOARD).content.decode()
    listing = board_client.get(reverse("governance:withdrawals")).content.decode()
    assert f'data-withdrawal="{withdrawal.pk}"' in listing
    decide = reverse("governance:withdrawal_decide", args=[withdrawal.pk])
    board_client.post(
        decide, {f"d{withdrawal.pk}-decision": "approve", f"d{withdrawal.pk}-reason": "Oui."}
    )
    withdrawal.refresh_from_db()
    member.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.APPROVED
    assert member.status == MemberStatus.WITHDRAWN
    # Founding members paid otherwise: the treasurer pays and marks it.
    assert (
        f'data-refund="{withdrawal.pk}"'
        in board_client.get(reverse("governance:withdrawals")).content.decode()
    )
    assert 'data-left="due"' in alice.get(DASHBOARD).content.decode()
    board_client.post(reverse("governance:withdrawal_refund", args=[withdrawal.pk]))
    withdrawal.refresh_from_db()
    assert withdrawal.refunded_at is not None
    assert 'data-left="refunded"' in alice.get(DASHBOARD).content.decode()


def test_someone_else_cannot_ask_for_a_member(client, sign_in_at):
    member = member_make()
    sign_in_at(client, person_create("eve@example.org"), "high")
    url = reverse("governance:withdrawal_ask", args=[member.number])
    response = client.post(url, {f"w{member.pk}-confirm": "on"})
    assert response.status_code == 403
    assert not Withdrawal.objects.exists()


# --- The board's pages ---------------------------------------------------------------


BOARD_PAGES = [
    ("governance:register", ()),
    ("governance:register_csv", ()),
    ("governance:withdrawals", ()),
]


@pytest.mark.parametrize(("name", "args"), BOARD_PAGES)
def test_a_member_off_the_board_is_refused(client, sign_in_at, name, args):
    sign_in_at(client, member_make().person, "high")
    assert client.get(reverse(name, args=args)).status_code == 403


def test_a_member_line_is_refused_off_the_board(client, sign_in_at):
    member = member_make()
    sign_in_at(client, member.person, "high")
    url = reverse("governance:register_member", args=[member.number])
    assert client.get(url).status_code == 403
    assert client.post(url, {"status": "suspended", "reason": "x"}).status_code == 403


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("governance:register"))
    assert response.status_code == 302


def test_the_register_is_searched_by_number_and_name(board_client):
    alice = member_make(person_create("alice@example.org", family_name="Tremblay"))
    member_make(person_create("bob@example.org", family_name="Gagnon"))
    url = reverse("governance:register")
    by_name = board_client.get(url, {"q": "tremblay"}).content.decode()
    assert f'data-member="{alice.number}"' in by_name and "Gagnon" not in by_name
    by_number = board_client.get(url, {"q": f"#{alice.number}"}).content.decode()
    assert "Tremblay" in by_number and "Gagnon" not in by_number
    assert board_client.get(url, {"q": "x" * 500}).status_code == 400
    assert board_client.get(url, {"q": "9" * 40}).status_code == 200


def test_the_register_pages_cost_the_same_queries_for_3_and_60_members(
    board_client, django_assert_max_num_queries
):
    url = reverse("governance:register")
    for _ in range(2):
        member_make()
    with django_assert_max_num_queries(12) as few:
        board_client.get(url)
    for _ in range(57):
        member_make()
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = board_client.get(url).content.decode()
    assert "Page 1 of 2" in page


def test_the_register_as_csv_keeps_formulas_out(board_client):
    member_make(person_create("mal@example.org", given_name="=HYPERLINK(1)", family_name="X"))
    response = board_client.get(reverse("governance:register_csv"))
    body = b"".join(response.streaming_content).decode()
    assert body.splitlines()[0] == "number,name,store,category,shares,status,joined_at"
    assert "'=HYPERLINK(1) X" in body


def test_the_board_suspends_with_a_reason_and_the_history_shows_it(board_client):
    member = member_make()
    url = reverse("governance:register_member", args=[member.number])
    assert board_client.post(url, {"status": "suspended", "reason": ""}).status_code == 400
    board_client.post(url, {"status": "suspended", "reason": "Cotisation impayée."})
    member.refresh_from_db()
    assert member.status == MemberStatus.SUSPENDED
    history = board_client.get(url).content.decode()
    assert "Cotisation impayée." in history
    board_client.post(url, {"status": "active", "reason": "Réglé."})
    member.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE


def test_the_site_nav_links_to_the_coop(client):
    nav = [item["url"] for item in client.get("/").context["nav_items"]]
    assert DASHBOARD in nav


# --- The test: the claim in a fresh ID token ----------------------------------


@pytest.mark.django_db(transaction=True)
def test_joining_puts_the_membership_claim_in_a_fresh_id_token(client, sign_in_at, request):
    # identity's OIDC test fixtures: Uniqc as a relying party finds it, over HTTP.
    uniqc = request.getfixturevalue("provider")
    client_make = request.getfixturevalue("register")
    alice = person_proven("alice@example.org")
    sign_in_at(client, alice, "substantial")
    join_through_pages(client, "supporter")
    assert Member.objects.get(person=alice).status == MemberStatus.ACTIVE
    uniqc.sign_in("alice@example.org", TEST_PASSWORD)
    claims_request = {"id_token": {"member": None, "membership_category": None}}
    token, _ = uniqc.code_flow(
        client_make(), scope="openid membership", claims=json.dumps(claims_request)
    )
    claims = uniqc.id_token_claims(token["id_token"])
    assert claims["member"] is True
    assert claims["membership_category"] == "supporter"
    assert "member_number" not in claims and "number" not in claims
    assert claims["iat"] >= int(timezone.now().timestamp()) - 60


def test_the_members_page_costs_the_same_queries_for_1_and_10_open_votes(
    client, sign_in_at, bylaws, django_assert_max_num_queries
):
    member = member_make()
    sign_in_at(client, member.person, "substantial")
    motion_make(bylaws)
    with django_assert_max_num_queries(30) as few:
        client.get(DASHBOARD)
    for _ in range(9):
        motion_make(bylaws)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(DASHBOARD).content.decode()
    assert page.count("data-motion=") == 10


def test_a_suspended_member_sees_their_status_and_no_vote(client, sign_in_at, bylaws):
    member = member_make(status=MemberStatus.SUSPENDED)
    motion_make(bylaws)
    sign_in_at(client, member.person, "substantial")
    page = client.get(DASHBOARD).content.decode()
    assert 'data-member-status="suspended"' in page
    assert "data-motion=" not in page


def test_the_payment_page_waits_for_the_gateway_then_stops_asking(client, sign_in_at):
    sign_in_at(client, person_proven("alice@example.org"), "substantial")
    pay_page = client.post(JOIN, {"category": "consumer"})["Location"]
    purchase = SharePurchase.objects.get()
    landing = reverse("governance:join_purchase", args=[purchase.pk])
    assert 'hx-trigger="every 3s"' in client.get(landing).content.decode()
    client.post(pay_page, CARD)
    assert 'hx-trigger="every 3s"' not in client.get(landing).content.decode()
