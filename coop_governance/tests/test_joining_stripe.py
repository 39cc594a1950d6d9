"""Joining and withdrawal on Stripe, faked at the HTTP boundary (marketplace/tests/
fake_stripe.py), so that the Stripe adapter's own code runs: the share purchase's intent,
the card page with its client secret, Stripe's signed event registering the member, and
the refund of the shares through Stripe."""

from decimal import Decimal

import pytest

from coop_governance.joining import share_purchase_start
from coop_governance.models import Member, MemberStatus, SharePurchase, SharePurchaseStatus
from coop_governance.tests.factories import board_seat_give, bylaws_make, member_make
from coop_governance.tests.membership import person_proven
from coop_governance.withdrawals import withdrawal_approve, withdrawal_request
from marketplace.tests.conftest import fake_stripe as stripe_server  # noqa: F401 - its fixture
from marketplace.tests.stripe_shop import deliver

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake(request):
    """The marketplace's fake Stripe, with Stripe the configured gateway."""
    return request.getfixturevalue("stripe_server")


@pytest.fixture(autouse=True)
def bylaws(db):
    return bylaws_make(share_price=Decimal("10.00"), qualifying_shares=1)


def test_joining_on_stripe_registers_on_its_signed_event(client, sign_in_at, fake):
    alice = person_proven("alice@example.org")
    sign_in_at(client, alice, "substantial")
    response = client.post("/cooperative/adherer/", {"category": "consumer"})
    purchase = SharePurchase.objects.get()
    assert response["Location"] == purchase.redirect_url
    intent = fake.intents[purchase.intent_id]
    assert (intent["amount"], intent["currency"]) == (1000, "cad")
    assert intent["metadata"]["order_number"] == purchase.reference
    page = client.get(purchase.redirect_url)
    assert page.status_code == 200
    assert intent["client_secret"] in page.content.decode()
    assert "js.stripe.com" in page["Content-Security-Policy"]
    paid = fake.intent_confirm(purchase.intent_id)
    assert deliver(client, fake, "payment_intent.succeeded", paid).status_code == 200
    assert deliver(client, fake, "payment_intent.succeeded", paid).status_code == 200
    assert Member.objects.get(person=alice).status == MemberStatus.ACTIVE
    purchase.refresh_from_db()
    assert purchase.status == SharePurchaseStatus.SUCCEEDED
    assert purchase.charge_id == paid["latest_charge"]


def test_a_retried_start_keeps_one_intent_at_stripe(fake):
    alice = person_proven("alice@example.org")
    first = share_purchase_start(acting_user=alice, acr="substantial", category="consumer")
    SharePurchase.objects.filter(pk=first.pk).update(intent_id="")  # the answer was lost
    again = share_purchase_start(acting_user=alice, acr="substantial", category="consumer")
    assert again.intent_id == first.intent_id
    assert len(fake.intents) == 1


def test_a_declined_card_on_stripe_joins_nobody(client, fake):
    alice = person_proven("alice@example.org")
    purchase = share_purchase_start(acting_user=alice, acr="substantial", category="consumer")
    declined = fake.intent_confirm(purchase.intent_id, succeed=False)
    deliver(client, fake, "payment_intent.payment_failed", declined)
    purchase.refresh_from_db()
    assert purchase.status == SharePurchaseStatus.FAILED
    assert not Member.objects.exists()


def test_an_approved_withdrawal_is_refunded_through_stripe(client, fake):
    board = member_make(email="board@example.org")
    board_seat_give(board)
    alice = person_proven("alice@example.org")
    purchase = share_purchase_start(acting_user=alice, acr="substantial", category="consumer")
    deliver(
        client,
        fake,
        "payment_intent.succeeded",
        fake.intent_confirm(purchase.intent_id),
    )
    member = Member.objects.get(person=alice)
    asked = withdrawal_request(member=member, reason="", acting_user=alice)
    done = withdrawal_approve(withdrawal=asked, reason="Accepté.", acting_user=board.person)
    refund = fake.refunds[done.refund_id]
    assert (refund["amount"], refund["payment_intent"]) == (1000, purchase.intent_id)
    assert done.refunded_at is not None
