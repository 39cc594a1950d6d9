"""A store owner connects the store to the payment gateway (/paiement/boutiques/<slug>/):
one account per store whatever the retries, its state read back from the gateway, and
only the owner of an approved store may."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from identity.models import AuditEvent
from marketplace.models import PayoutAccount, StoreRole, StoreStatus
from marketplace.payments import payout_account_onboard, payout_account_sync
from marketplace.selectors import access_payout_manage
from marketplace.services import store_staff_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned_store(make_store, make_person):
    def make(status: str = StoreStatus.APPROVED):
        store = make_store(status=status)
        owner = make_person(f"owner-{store.slug}@example.com", "shopper")
        store_staff_set(store=store, user=owner, role=StoreRole.OWNER, acting_user=None)
        return store, owner

    return make


def page(store) -> str:
    return reverse("payments:payout_account", args=[store.slug])


def test_the_offline_gateway_connects_a_test_account_at_once(client, owned_store):
    store, owner = owned_store()
    client.force_login(owner)
    assert "data-transfers-disabled" not in client.get(page(store)).content.decode()
    response = client.post(page(store))
    assert response.status_code == 302
    assert response["Location"].endswith(page(store) + "?etape=retour")
    account = PayoutAccount.objects.get(store=store)
    assert (account.gateway, account.is_test) == ("offline", True)
    assert account.transfers_enabled
    assert account.details_submitted
    html = client.get(response["Location"]).content.decode()
    assert "data-transfers-enabled" in html
    assert "data-test-payment-banner" in html
    assert AuditEvent.objects.filter(action="store.payout_account_connect").count() == 1


def test_stripe_onboarding_opens_one_express_account(client, owned_store, fake_stripe):
    store, owner = owned_store()
    client.force_login(owner)
    response = client.post(page(store))
    assert response.status_code == 302
    assert response["Location"].startswith(fake_stripe.url + "/connect/onboarding/")
    account = PayoutAccount.objects.get(store=store)
    assert (account.gateway, account.is_test) == ("stripe", True)
    assert not account.transfers_enabled
    # The owner comes back before finishing, and starts again: the same account.
    client.post(page(store))
    assert len(fake_stripe.accounts) == 1
    assert PayoutAccount.objects.get(store=store).account_id == account.account_id


def test_a_lost_answer_does_not_open_a_second_account(client, owned_store, fake_stripe):
    store, owner = owned_store()
    fake_stripe.responses_lost = 1
    fake_stripe.failures.clear()
    # The library retries; the stored-once key makes the second try find the first account.
    payout_account_onboard(
        store=store, acting_user=owner, refresh_url="https://x/r", return_url="https://x/b"
    )
    assert len(fake_stripe.accounts) == 1


def test_back_from_stripe_the_page_reads_the_state(client, owned_store, fake_stripe):
    store, owner = owned_store()
    client.force_login(owner)
    client.post(page(store))
    account = PayoutAccount.objects.get(store=store)
    fake_stripe.account_onboarding_complete(account.account_id)
    html = client.get(page(store) + "?etape=retour").content.decode()
    assert "data-transfers-enabled" in html
    account.refresh_from_db()
    assert account.transfers_enabled
    assert AuditEvent.objects.filter(action="store.payout_account_state").count() == 1


def test_an_expired_link_comes_back_to_the_page(client, owned_store, fake_stripe):
    store, owner = owned_store()
    client.force_login(owner)
    client.post(page(store))
    response = client.get(page(store) + "?etape=relancer")
    assert response.status_code == 200
    assert "data-transfers-disabled" in response.content.decode()


def test_a_gateway_failure_is_a_message_not_an_error_page(client, owned_store, fake_stripe):
    store, owner = owned_store()
    client.force_login(owner)
    fake_stripe.failures.extend(
        [(400, {"error": {"type": "invalid_request_error", "message": "no"}})]
    )
    response = client.post(page(store), follow=True)
    assert response.status_code == 200
    assert PayoutAccount.objects.filter(store=store).count() == 0


def test_a_store_on_the_offline_gateway_moves_to_stripe(owned_store, fake_stripe, settings):
    store, owner = owned_store()
    settings.MARKETPLACE_PAYMENT_GATEWAY = "offline"
    payout_account_onboard(store=store, acting_user=owner, refresh_url="x", return_url="y")
    settings.MARKETPLACE_PAYMENT_GATEWAY = "stripe"
    payout_account_onboard(
        store=store, acting_user=owner, refresh_url="https://x/r", return_url="https://x/b"
    )
    account = PayoutAccount.objects.get(store=store)
    assert (account.gateway, account.is_test, account.transfers_enabled) == (
        "stripe",
        True,
        False,
    )


def test_sync_of_an_unchanged_account_writes_nothing(owned_store):
    store, owner = owned_store()
    payout_account_onboard(store=store, acting_user=owner, refresh_url="x", return_url="y")
    account = PayoutAccount.objects.get(store=store)
    before = AuditEvent.objects.count()
    payout_account_sync(payout_account=account, acting_user=owner)
    assert AuditEvent.objects.count() == before


# --- Refusals, one per rule -----------------------------------------------------------


def test_a_visitor_is_sent_to_sign_in(client, owned_store):
    store, _owner = owned_store()
    assert client.get(page(store)).status_code == 302


def test_a_staff_member_who_is_not_owner_is_refused(client, owned_store, make_person):
    store, _owner = owned_store()
    worker = make_person("worker@example.com", "shopper")
    store_staff_set(store=store, user=worker, role=StoreRole.STAFF, acting_user=None)
    client.force_login(worker)
    assert client.get(page(store)).status_code == 403
    assert client.post(page(store)).status_code == 403
    assert not PayoutAccount.objects.exists()


def test_the_owner_of_a_store_not_approved_is_refused(client, owned_store):
    store, owner = owned_store(status=StoreStatus.PENDING)
    client.force_login(owner)
    assert client.get(page(store)).status_code == 403


def test_an_unknown_store_is_not_found(client, shopper):
    client.force_login(shopper)
    assert client.get("/paiement/boutiques/nulle-part/").status_code == 404


def test_access_refuses_a_visitor(owned_store):
    store, _owner = owned_store()
    with pytest.raises(PermissionDenied):
        access_payout_manage(acting_user=AnonymousUser(), store=store)


def test_access_refuses_a_store_not_approved(owned_store):
    store, owner = owned_store(status=StoreStatus.SUSPENDED)
    with pytest.raises(PermissionDenied):
        access_payout_manage(acting_user=owner, store=store)


def test_access_refuses_someone_not_owner(owned_store, make_person):
    store, _owner = owned_store()
    with pytest.raises(PermissionDenied):
        access_payout_manage(acting_user=make_person("y@example.com", "shopper"), store=store)


def test_the_service_checks_access_too(owned_store, make_person):
    store, _owner = owned_store()
    with pytest.raises(PermissionDenied):
        payout_account_onboard(
            store=store,
            acting_user=make_person("z@example.com", "shopper"),
            refresh_url="x",
            return_url="y",
        )
