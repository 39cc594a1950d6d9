"""Joining the coop in Chromium, on a phone's width: a proven adult signed in with a passkey
reads what joining costs, chooses a category, pays on the offline gateway's test page and
lands on their member's page; the board then approves their request to leave."""

from decimal import Decimal

import pytest
from django.conf import settings

from conftest import csp_violations_watch
from coop_governance.models import Member, MemberStatus, Withdrawal, WithdrawalStatus
from coop_governance.tests.factories import board_seat_give, bylaws_make, member_make
from coop_governance.tests.membership import person_proven
from tests.browser.test_accessibility import axe_violations, horizontal_overflow, session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def open_as(chromium, live_server):
    """A phone-sized browser signed in as a person at `substantial`, in English."""
    opened = []

    def open_page(email: str):
        context = chromium.new_context(base_url=live_server.url, locale="en-CA", viewport=PHONE)
        context.set_default_timeout(20_000)
        context.add_cookies(
            [
                {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url},
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session_cookie(email, "substantial"),
                    "url": live_server.url,
                },
            ]
        )
        context.violations = csp_violations_watch(context)
        opened.append(context)
        return context.new_page()

    yield open_page
    for context in opened:
        violations = context.violations
        context.close()
        assert violations == []


def test_a_proven_adult_joins_on_a_phone_and_the_board_lets_them_leave(open_as):
    bylaws_make(share_price=Decimal("10.00"), qualifying_shares=1)
    board = member_make(email="board@example.org", category="worker")
    board_seat_give(board)
    alice = person_proven("alice@example.org")

    page = open_as(alice.email)
    page.goto("/cooperative/")
    assert page.get_by_role("heading", name="Join the coop", level=1).is_visible()
    assert axe_violations(page) == []
    assert horizontal_overflow(page) == 0
    page.get_by_label("Worker: you work for the coop").check()
    page.get_by_role("button", name="Pay $10.00 and join").click()
    page.wait_for_url("**/cooperative/adherer/paiement/**")
    assert page.locator("[data-test-payment-banner]").is_visible()
    assert axe_violations(page) == []
    page.get_by_label("Test card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM/YY)").fill("12/34")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name="Make a test payment of $10.00").click()
    page.wait_for_selector('[data-purchase-status="succeeded"]')
    member = Member.objects.get(person=alice)
    assert member.status == MemberStatus.ACTIVE
    page.get_by_role("link", name="Your member page").click()
    assert page.locator("[data-member-number]").inner_text() == str(member.number)
    assert axe_violations(page) == []
    assert horizontal_overflow(page) == 0

    page.get_by_text("Ask to leave and have your shares refunded").click()
    page.get_by_label("I ask to leave the coop and to have my shares refunded").check()
    page.get_by_role("button", name="Send my request to the board").click()
    page.wait_for_selector('[data-withdrawal="pending"]')
    withdrawal = Withdrawal.objects.get(member=member)

    board_page = open_as(board.person.email)
    board_page.goto("/cooperative/retraits/")
    assert axe_violations(board_page) == []
    card = board_page.locator(f'[data-withdrawal="{withdrawal.pk}"]')
    card.get_by_label("Approve").check()
    card.get_by_label("Reason").fill("Departure accepted.")
    card.get_by_role("button", name="Record the decision").click()
    board_page.wait_for_selector(".notice--success")
    withdrawal.refresh_from_db()
    assert withdrawal.status == WithdrawalStatus.APPROVED
    assert withdrawal.refunded_at is not None  # paid through the gateway, refunded through it
    board_page.goto("/cooperative/registre/")
    assert axe_violations(board_page) == []
    assert horizontal_overflow(board_page) == 0
