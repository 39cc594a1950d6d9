"""A store's settings, for its owners: who may (one test per refusal), the hours form,
closed days, invitations by email (accept, expire, revoke, another address), the team,
and express refused at checkout on a closed day."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from identity.models import AuditEvent
from marketplace.checkout import ExpressUnavailable, checkout_start
from marketplace.models import (
    Order,
    Store,
    StoreClosure,
    StoreInvitation,
    StoreRole,
    StoreStaff,
    Variant,
)
from marketplace.services import store_staff_set
from marketplace.store_settings import (
    InvitationEmailMismatch,
    InvitationNotValid,
    access_store_settings,
    invitation_token_digest,
    store_closure_add,
    store_closure_remove,
    store_hours_set,
    store_invitation_accept,
    store_invitation_create,
    store_invitation_revoke,
    store_today,
)
from marketplace.tests.shop import cart_fill, payout_account_add, stocked


@pytest.fixture(autouse=True)
def _english(client) -> None:
    """The pages in English, for the assertions on their words (French is the default)."""
    client.cookies["django_language"] = "en"


@pytest.fixture
def store(make_store):
    shop = make_store(slug="boulangerie")
    payout_account_add(shop)
    return shop


@pytest.fixture
def owner(make_person, store):
    person = make_person("owner@example.com", "shopper", given_name="Odile", family_name="Roy")
    store_staff_set(store=store, user=person, role=StoreRole.OWNER, acting_user=None)
    return person


@pytest.fixture
def clerk(make_person, store):
    person = make_person("clerk@example.com", "shopper", given_name="Claude", family_name="Lee")
    store_staff_set(store=store, user=person, role=StoreRole.STAFF, acting_user=None)
    return person


@pytest.fixture
def other_owner(make_person, make_store):
    other = make_store(slug="fromagerie")
    person = make_person("other@example.com", "shopper")
    store_staff_set(store=other, user=person, role=StoreRole.OWNER, acting_user=None)
    return person


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def settings_url(store: Store) -> str:
    return reverse("marketplace:store_settings", args=[store.slug])


# --- Who may -----------------------------------------------------------------------------


def test_an_owner_may_change_the_settings(owner, store):
    access_store_settings(acting_user=owner, store=store)


def test_a_visitor_may_not(store):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        access_store_settings(acting_user=AnonymousUser(), store=store)


def test_staff_who_is_not_an_owner_may_not(clerk, store):
    with pytest.raises(PermissionDenied):
        access_store_settings(acting_user=clerk, store=store)


def test_the_owner_of_another_store_may_not(other_owner, store):
    with pytest.raises(PermissionDenied):
        access_store_settings(acting_user=other_owner, store=store)


def test_an_owner_whose_account_is_closed_may_not(owner, store):
    owner.is_active = False
    with pytest.raises(PermissionDenied):
        access_store_settings(acting_user=owner, store=store)


def test_the_page_sends_a_visitor_to_sign_in(client, store):
    response = client.get(settings_url(store))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))


def test_the_page_refuses_staff_who_is_not_an_owner(client, clerk, store):
    client.force_login(clerk)
    assert client.get(settings_url(store)).status_code == 403
    body = {"closed_mon": "on", "preparation_minutes": "30"}
    assert client.post(settings_url(store), body).status_code == 403


def test_the_page_of_another_store_is_not_found(client, other_owner, store):
    client.force_login(other_owner)
    assert client.get(settings_url(store)).status_code == 404
    url = reverse("marketplace:store_invitation_create", args=[store.slug])
    assert client.post(url, {"email": "x@example.com", "role": "owner"}).status_code == 404
    assert not StoreInvitation.objects.exists()


def test_the_store_tools_link_to_the_settings_for_owners_only(client, owner, clerk, store):
    client.force_login(owner)
    assert settings_url(store).encode() in client.get(reverse("marketplace:my_stores")).content
    client.force_login(clerk)
    assert settings_url(store).encode() not in client.get(reverse("marketplace:my_stores")).content


# --- Hours and preparation time ----------------------------------------------------------


def hours_body(**overrides: str) -> dict[str, str]:
    body = {"preparation_minutes": "45"}
    for day in ("mon", "tue", "wed", "thu", "fri"):
        body[f"{day}_opens_1"] = "9:00"
        body[f"{day}_closes_1"] = "17 h 30"
    body["sat_opens_1"], body["sat_closes_1"] = "10h", "12:00"
    body["sat_opens_2"], body["sat_closes_2"] = "13:00", "16:00"
    body["sun_closed"] = "on"
    return body | overrides


def test_the_owner_sets_the_week_and_the_preparation_time(client, owner, store):
    client.force_login(owner)
    page = client.get(settings_url(store))
    assert page.status_code == 200
    response = client.post(settings_url(store), hours_body())
    assert response.status_code == 302
    store.refresh_from_db()
    assert store.preparation_minutes == 45
    assert store.opening_hours["mon"] == [["09:00", "17:30"]]
    assert store.opening_hours["sat"] == [["10:00", "12:00"], ["13:00", "16:00"]]
    assert store.opening_hours["sun"] == []
    event = AuditEvent.objects.get(action="store.hours_set")
    assert event.acting_user == owner
    assert event.detail == {"fields": ["opening_hours", "preparation_minutes"]}
    # The store's page shows them.
    shown = client.get(reverse("marketplace:store_detail", args=[store.slug]))
    assert "5:30 p.m." in shown.content.decode()


def test_the_form_shows_the_hours_already_set(client, owner, store):
    store_hours_set(
        store=store,
        opening_hours={"mon": [["08:00", "12:00"]], "tue": []},
        preparation_minutes=90,
        acting_user=owner,
    )
    client.force_login(owner)
    page = client.get(settings_url(store)).content.decode()
    assert 'value="08:00"' in page and 'value="90"' in page


@pytest.mark.parametrize(
    "overrides",
    [
        {"mon_opens_1": "18:00", "mon_closes_1": "09:00"},  # closes before it opens
        {"mon_opens_1": "25:00"},  # no such time
        {"mon_closes_1": ""},  # an interval half given
        {"mon_opens_1": "", "mon_closes_1": ""},  # neither hours nor closed
        {"sat_opens_2": "11:00"},  # overlapping intervals
        {"preparation_minutes": "10"},  # below 15 minutes
        {"preparation_minutes": "481"},  # above 8 hours
    ],
)
def test_bad_hours_are_refused_and_change_nothing(client, owner, store, overrides):
    client.force_login(owner)
    response = client.post(settings_url(store), hours_body(**overrides))
    assert response.status_code == 400
    store.refresh_from_db()
    assert store.opening_hours == {} and store.preparation_minutes == 60


def test_a_store_closed_all_week_is_not_a_store_without_hours(owner, store):
    closed = {day: [] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    store_hours_set(store=store, opening_hours=closed, preparation_minutes=60, acting_user=owner)
    store.refresh_from_db()
    assert store.opening_hours == closed


def test_the_preparation_time_is_bounded_by_the_database(store):
    with pytest.raises(IntegrityError), transaction.atomic():
        Store.objects.filter(pk=store.pk).update(preparation_minutes=10)


# --- Closed days ---------------------------------------------------------------------------


def test_the_owner_adds_and_removes_closed_days(client, owner, store):
    client.force_login(owner)
    today = store_today()
    url = reverse("marketplace:store_closure_add", args=[store.slug])
    body = {
        "first_day": (today + timedelta(days=3)).isoformat(),
        "last_day": (today + timedelta(days=5)).isoformat(),
        "reason": "Vacances",
    }
    assert client.post(url, body).status_code == 302
    closure = StoreClosure.objects.get(store=store)
    assert closure.last_day - closure.first_day == timedelta(days=2)
    assert b"Vacances" in client.get(settings_url(store)).content
    overlap = {"first_day": (today + timedelta(days=5)).isoformat(), "reason": "Inventaire"}
    assert client.post(url, overlap).status_code == 400
    remove = reverse("marketplace:store_closure_remove", args=[store.slug, closure.pk])
    assert client.post(remove).status_code == 302
    assert not StoreClosure.objects.exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="store.closure").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["store.closure_add", "store.closure_remove"]


def test_closed_days_in_the_past_are_refused_and_past_ones_are_kept(owner, store):
    yesterday = store_today() - timedelta(days=1)
    with pytest.raises(ValidationError):
        store_closure_add(
            store=store, first_day=yesterday, last_day=None, reason="Trop tard", acting_user=owner
        )
    past = StoreClosure.objects.create(
        store=store, first_day=yesterday - timedelta(days=3), last_day=yesterday, reason="Congé"
    )
    with pytest.raises(ValidationError):
        store_closure_remove(closure=past, acting_user=owner)
    assert StoreClosure.objects.filter(pk=past.pk).exists()


def test_closed_days_span_at_most_a_year(owner, store):
    today = store_today()
    with pytest.raises(ValidationError):
        store_closure_add(
            store=store,
            first_day=today,
            last_day=today + timedelta(days=400),
            reason="Travaux",
            acting_user=owner,
        )


def test_a_range_that_ends_before_it_starts_is_refused_by_the_database(store):
    today = store_today()
    with pytest.raises(IntegrityError), transaction.atomic():
        StoreClosure.objects.create(
            store=store, first_day=today, last_day=today - timedelta(days=1), reason="x"
        )


def test_one_closure_per_store_and_first_day_in_the_database(store):
    today = store_today()
    StoreClosure.objects.create(store=store, first_day=today, last_day=today, reason="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        StoreClosure.objects.create(store=store, first_day=today, last_day=today, reason="b")


def test_staff_cannot_add_closed_days(clerk, store):
    with pytest.raises(PermissionDenied):
        store_closure_add(
            store=store, first_day=store_today(), last_day=None, reason="x", acting_user=clerk
        )


# --- Invitations -----------------------------------------------------------------------------


def invite(owner, store, committed, email="nouvelle@example.com", role=StoreRole.STAFF):
    with committed():
        invitation = store_invitation_create(store=store, email=email, role=role, acting_user=owner)
    link = re.search(r"https?://\S+/invitation/(\S+)/", mail.outbox[-1].body)
    return invitation, link.group(1)


def test_an_invitation_mails_a_link_and_keeps_only_its_digest(owner, store, committed):
    invitation, token = invite(owner, store, committed)
    message = mail.outbox[-1]
    assert message.to == ["nouvelle@example.com"]
    # No account for the address: in French (the catalogue is compiled after the merge,
    # so the test checks the language the mail was rendered in, not its words).
    assert token in message.body
    invitation.refresh_from_db()
    assert len(token) >= 43  # 256 bits
    assert invitation.token_digest == invitation_token_digest(token)
    assert token not in str(StoreInvitation.objects.filter(pk=invitation.pk).values().get())
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    assert AuditEvent.objects.filter(action="store.invitation_create", acting_user=owner).exists()


def test_the_mail_is_in_the_invitees_language(owner, store, committed, make_person):
    make_person("anglo@example.com", "shopper", preferred_language="en")
    invite(owner, store, committed, email="Anglo@Example.com")
    assert mail.outbox[-1].subject.startswith("Invitation to work at")


def test_the_invited_person_accepts_and_joins_the_staff(
    client, owner, store, committed, make_person
):
    _invitation, token = invite(owner, store, committed)
    newcomer = make_person("nouvelle@example.com", "shopper", given_name="Nadia")
    url = reverse("marketplace:invitation", args=[token])
    # Before signing in: whose invitation it is.
    page = client.get(url).content.decode()
    assert store.name in page and "Odile Roy" in page and "Sign in to accept" in page
    assert client.post(url).status_code == 302  # to sign in
    client.force_login(newcomer)
    assert client.post(url).status_code == 302
    membership = StoreStaff.objects.get(store=store, user=newcomer)
    assert membership.role == StoreRole.STAFF
    assert AuditEvent.objects.filter(action="store.staff_set", subject_user=newcomer).exists()
    assert AuditEvent.objects.filter(
        action="store.invitation_accept", acting_user=newcomer
    ).exists()
    # Used: the link says so, and gives nothing more.
    again = client.get(url)
    assert again.status_code == 410
    assert b"already been accepted" in again.content


def test_an_owner_invitation_makes_an_owner(owner, store, committed, make_person):
    _invitation, token = invite(owner, store, committed, role=StoreRole.OWNER)
    newcomer = make_person("nouvelle@example.com", "shopper")
    store_invitation_accept(token=token, acting_user=newcomer)
    assert StoreStaff.objects.get(store=store, user=newcomer).role == StoreRole.OWNER


def test_another_account_cannot_accept(client, owner, store, committed, make_person):
    _invitation, token = invite(owner, store, committed)
    someone = make_person("quelquun@example.com", "shopper")
    client.force_login(someone)
    url = reverse("marketplace:invitation", args=[token])
    page = client.get(url)
    assert page.status_code == 200 and b"sent to another address" in page.content
    assert client.post(url).status_code == 403
    assert not StoreStaff.objects.filter(user=someone).exists()


def test_an_unverified_address_cannot_accept(owner, store, committed, make_person):
    _invitation, token = invite(owner, store, committed)
    unverified = make_person("nouvelle@example.com", "shopper", email_verified=False)
    with translation.override("en"), pytest.raises(InvitationEmailMismatch) as refused:
        store_invitation_accept(token=token, acting_user=unverified)
    assert refused.value.message.startswith("Verify your email address first")
    assert not StoreStaff.objects.filter(user=unverified).exists()


def test_an_expired_invitation_says_so(client, owner, store, committed, make_person):
    invitation, token = invite(owner, store, committed)
    StoreInvitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(days=8), expires_at=timezone.now() - timedelta(days=1)
    )
    client.force_login(make_person("nouvelle@example.com", "shopper"))
    url = reverse("marketplace:invitation", args=[token])
    response = client.post(url)
    assert response.status_code == 410 and b"expired" in response.content
    assert not StoreStaff.objects.filter(user__email="nouvelle@example.com").exists()


def test_a_revoked_invitation_says_so(client, owner, store, committed, make_person):
    invitation, token = invite(owner, store, committed)
    client.force_login(owner)
    revoke = reverse("marketplace:store_invitation_revoke", args=[store.slug, invitation.pk])
    assert client.post(revoke).status_code == 302
    client.force_login(make_person("nouvelle@example.com", "shopper"))
    response = client.post(reverse("marketplace:invitation", args=[token]))
    assert response.status_code == 410 and b"withdrawn" in response.content
    assert AuditEvent.objects.filter(action="store.invitation_revoke").count() == 1


@pytest.mark.parametrize("token", ["x" * 43, "short", "a" * 200])
def test_an_unknown_token_is_a_clear_404(db, client, token):
    response = client.get(reverse("marketplace:invitation", args=[token]))
    assert response.status_code == 404
    with pytest.raises(InvitationNotValid):
        store_invitation_accept(token=token, acting_user=None)


def test_inviting_again_revokes_the_first_link(owner, store, committed, make_person):
    first, first_token = invite(owner, store, committed)
    second, _second_token = invite(owner, store, committed)
    first.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None
    with pytest.raises(InvitationNotValid):
        store_invitation_accept(token=first_token, acting_user=make_person("nouvelle@example.com"))


def test_one_open_invitation_per_address_in_the_database(owner, store, committed):
    invitation, _token = invite(owner, store, committed)
    with pytest.raises(IntegrityError), transaction.atomic():
        StoreInvitation.objects.create(
            store=store,
            email=invitation.email,
            role=StoreRole.STAFF,
            expires_at=timezone.now() + timedelta(days=1),
        )


def test_someone_already_on_the_staff_is_not_invited(owner, clerk, store):
    with pytest.raises(ValidationError):
        store_invitation_create(store=store, email=clerk.email, role="staff", acting_user=owner)


def test_staff_cannot_invite_or_revoke(owner, clerk, store, committed):
    with pytest.raises(PermissionDenied):
        store_invitation_create(store=store, email="x@example.com", role="staff", acting_user=clerk)
    invitation, _token = invite(owner, store, committed)
    with pytest.raises(PermissionDenied):
        store_invitation_revoke(invitation=invitation, acting_user=clerk)


def test_the_invitation_form_on_the_page(client, owner, store, django_capture_on_commit_callbacks):
    client.force_login(owner)
    url = reverse("marketplace:store_invitation_create", args=[store.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": "nouveau@example.com", "role": "staff"})
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["nouveau@example.com"]
    assert b"nouveau@example.com" in client.get(settings_url(store)).content
    assert client.post(url, {"email": "pas une adresse", "role": "staff"}).status_code == 400


# --- The team ---------------------------------------------------------------------------------


def test_the_owner_removes_staff_but_not_an_owner(client, owner, clerk, store):
    client.force_login(owner)
    remove = reverse("marketplace:store_staff_remove", args=[store.slug, clerk.pk])
    assert client.post(remove).status_code == 302
    assert not StoreStaff.objects.filter(user=clerk).exists()
    itself = reverse("marketplace:store_staff_remove", args=[store.slug, owner.pk])
    client.post(itself)
    assert StoreStaff.objects.filter(user=owner, role=StoreRole.OWNER).exists()


def test_staff_cannot_remove_staff(client, owner, clerk, store, make_person):
    other = make_person("autre@example.com", "shopper")
    store_staff_set(store=store, user=other, role=StoreRole.STAFF, acting_user=None)
    client.force_login(clerk)
    remove = reverse("marketplace:store_staff_remove", args=[store.slug, other.pk])
    assert client.post(remove).status_code == 403
    assert StoreStaff.objects.filter(user=other).exists()


# --- Express refused at checkout ---------------------------------------------------------


@pytest.fixture
def closed_today(owner, store):
    return store_closure_add(
        store=store, first_day=store_today(), last_day=None, reason="Inventaire", acting_user=owner
    )


def test_checkout_refuses_express_on_a_closed_day_and_takes_nothing(shopper, store, closed_today):
    variant = stocked(store, stock=5)[0]
    cart = cart_fill(shopper, [(variant, 2)])
    with translation.override("en"), pytest.raises(ExpressUnavailable) as refused:
        checkout_start(
            cart=cart,
            buyer=shopper,
            speed="express",
            pickup_kind="store_counter",
            idempotency_key="express-key-1",
            acting_user=shopper,
        )
    assert f"{store.name} is closed today (Inventaire)" in refused.value.message
    assert not Order.objects.exists()
    assert Variant.objects.get(pk=variant.pk).stock == 5
    # Standard pickup still goes through.
    order = checkout_start(
        cart=cart,
        buyer=shopper,
        speed="standard",
        pickup_kind="store_counter",
        idempotency_key="standard-key-1",
        acting_user=shopper,
    )
    assert order.speed == "standard"


def test_the_checkout_page_shows_express_unavailable_and_refuses_it(
    client, shopper, store, closed_today, sign_in_at
):
    sign_in_at(client, shopper, "substantial")
    cart_fill(shopper, [(stocked(store)[0], 1)])
    page = client.get(reverse("cart:checkout") + "?speed=express")
    content = page.content.decode()
    assert page.status_code == 200
    assert 'id="speed-express" value="express" disabled' in content
    assert "data-express-unavailable" in content and "closed today (Inventaire)" in content
    assert 'id="speed-standard" value="standard" checked' in content
    body = {"speed": "express", "pickup_kind": "store_counter", "idempotency_key": "page-express-1"}
    refused = client.post(reverse("cart:checkout"), body)
    assert refused.status_code == 409
    assert f"{store.name} is closed today" in refused.content.decode()
    assert not Order.objects.exists()


# --- The coop's administration ------------------------------------------------------------


def test_the_admin_shows_closed_days_and_invitations_never_writes_them(
    client, owner, store, committed
):
    from identity.models import User

    invitation, _token = invite(owner, store, committed)
    closure = store_closure_add(
        store=store, first_day=store_today(), last_day=None, reason="Inventaire", acting_user=owner
    )
    client.force_login(
        User.objects.create_superuser("root@example.com", "pw", given_name="A", family_name="B")
    )
    for model, row in ((StoreClosure, closure), (StoreInvitation, invitation)):
        name = f"admin:marketplace_{model._meta.model_name}"
        assert client.get(reverse(f"{name}_changelist"), {"q": "Magasin"}).status_code == 200
        change = client.get(reverse(f"{name}_change", args=[row.pk]))
        assert change.status_code == 200
        assert client.get(reverse(f"{name}_add")).status_code == 403
    invitation.refresh_from_db()
    assert invitation.token_digest
    assert invitation.token_digest.encode() not in change.content
