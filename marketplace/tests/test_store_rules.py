"""A store's application and the coop's decision: the database constraints, the
services that write them, and who may do what (one test per refusal)."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from identity.audit import audit_events_for
from marketplace.errors import (
    StoreApplicationPending,
    StoreDecisionInvalid,
    StoreStaffChangeRefused,
)
from marketplace.models import Store, StoreRole, StoreStaff, StoreStatus
from marketplace.selectors import access_store_decide, access_store_staff_manage
from marketplace.services import (
    store_apply,
    store_approve,
    store_refuse,
    store_staff_add,
    store_staff_dismiss,
    store_staff_set,
    store_suspend,
)

pytestmark = pytest.mark.django_db

APPLICATION = {
    "name": "Friperie du Coin",
    "legal_name": "Friperie du Coin enr.",
    "neq": "2270 123 384",
    "neighbourhood": "Villeray",
    "street_address": "541, rue Jarry Est",
    "locality": "Montréal",
    "postal_code": "h2p1v4",
    "phone": "514 555-0113",
    "small_supplier": True,
}


@pytest.fixture
def applicant(make_person):
    return make_person("retailer@example.com", "shopper", preferred_language="en")


@pytest.fixture
def coop_admin(make_person):
    return make_person("admin@example.com", "coop_admin")


@pytest.fixture
def application(applicant):
    return store_apply(applicant=applicant, **APPLICATION)


def _update(store: Store, **values) -> None:
    # A value longer than the column is a DataError on PostgreSQL (SQLite has no lengths).
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Store.objects.filter(pk=store.pk).update(**values)


# --- Constraints -----------------------------------------------------------------------


def test_the_neq_is_ten_digits_in_the_database(make_store):
    store = make_store(listings=0)
    _update(store, neq="123456789")
    _update(store, neq="12345678901")
    _update(store, neq="12345abcde")


def test_a_small_supplier_has_no_tax_numbers(make_store):
    store = make_store(listings=0)
    _update(store, small_supplier=True)  # it still has both numbers


def test_a_registered_store_has_both_numbers_in_their_format(make_store):
    store = make_store(listings=0)
    _update(store, gst_number="")
    _update(store, qst_number="")
    _update(store, gst_number="123456789RC0001")
    _update(store, qst_number="1234567890RT0001")


def test_a_refused_or_suspended_store_says_why(application, make_store):
    _update(application, status=StoreStatus.REFUSED, decided_at=timezone.now())
    approved = make_store(listings=0)
    _update(approved, status=StoreStatus.SUSPENDED, decision_reason="")


def test_only_a_pending_store_has_no_decision_time(application, make_store):
    _update(application, decided_at=timezone.now())
    _update(make_store(listings=0), decided_at=None)


def test_one_pending_application_per_person(application, applicant):
    with pytest.raises(IntegrityError), transaction.atomic():
        Store.objects.create(
            slug="seconde",
            name="Seconde",
            legal_name="Seconde",
            neq="1170000009",
            small_supplier=True,
            neighbourhood="Villeray",
            street_address="1, rue Jarry",
            locality="Montréal",
            postal_code="H2P 1V4",
            applicant=applicant,
        )


def test_coordinates_are_both_given_or_neither(application):
    _update(application, latitude=Decimal("45.5"))
    Store.objects.filter(pk=application.pk).update(
        latitude=Decimal("45.5"), longitude=Decimal("-73.6")
    )


def test_opening_hours_are_checked_as_the_lockers_check_a_site(make_store):
    store = make_store(listings=0)
    store.opening_hours = {"lundi": [["09:00", "17:00"]]}
    with pytest.raises(ValidationError):
        store.full_clean()
    store.opening_hours = {"mon": [["09:00", "17:00"]], "sat": [["10:00", "16:00"]]}
    store.full_clean()
    assert store.weekly_hours()[0][1] == [["09:00", "17:00"]]
    assert store.weekly_hours()[6][1] == []


# --- Applying ------------------------------------------------------------------------


def test_applying_creates_a_pending_store_with_the_applicant_as_owner(application, applicant):
    assert application.status == StoreStatus.PENDING
    assert application.applicant == applicant
    assert (application.neq, application.postal_code, application.phone) == (
        "2270123384",
        "H2P 1V4",
        "+15145550113",
    )
    assert application.latitude is None
    assert application.slug == "friperie-du-coin"
    assert StoreStaff.objects.get(store=application).role == StoreRole.OWNER
    actions = [event.action for event in audit_events_for(application)]
    assert set(actions) == {"store.create", "store.staff_set"}


def test_a_second_application_waits_for_the_first_decision(application, applicant, coop_admin):
    with pytest.raises(StoreApplicationPending):
        store_apply(applicant=applicant, **{**APPLICATION, "name": "Autre"})
    store_refuse(store=application, reason="NEQ inconnu au registre.", acting_user=coop_admin)
    again = store_apply(applicant=applicant, **APPLICATION)
    assert again.slug == "friperie-du-coin-2"


def test_an_invalid_application_writes_nothing(applicant):
    with pytest.raises(ValidationError):
        store_apply(applicant=applicant, **{**APPLICATION, "neq": "12345"})
    assert not Store.objects.exists()
    assert not StoreStaff.objects.exists()


# --- Deciding ------------------------------------------------------------------------


def test_approving_is_recorded_audited_and_mailed_in_the_owners_language(
    application, coop_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        store_approve(store=application, acting_user=coop_admin)
    application.refresh_from_db()
    assert application.status == StoreStatus.APPROVED
    assert application.decided_by == coop_admin
    assert application.decided_at is not None
    event = audit_events_for(application).get(action="store.approve")
    assert event.acting_user == coop_admin
    assert event.subject_user == application.applicant
    [message] = mail.outbox
    assert message.to == ["retailer@example.com"]
    assert message.subject == "Friperie du Coin is approved on Uniqc Coop"


def test_refusing_needs_a_reason_and_mails_it(
    application, coop_admin, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError):
        store_refuse(store=application, reason="   ", acting_user=coop_admin)
    with django_capture_on_commit_callbacks(execute=True):
        store_refuse(store=application, reason="Le NEQ est inconnu.", acting_user=coop_admin)
    application.refresh_from_db()
    assert (application.status, application.decision_reason) == (
        StoreStatus.REFUSED,
        "Le NEQ est inconnu.",
    )
    assert "Le NEQ est inconnu." in mail.outbox[0].body


def test_a_decision_that_rolls_back_mails_nothing(
    application, coop_admin, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        store_approve(store=application, acting_user=coop_admin)
        raise RuntimeError
    assert mail.outbox == []
    application.refresh_from_db()
    assert application.status == StoreStatus.PENDING


def test_a_repeated_decision_does_nothing_more(application, coop_admin):
    store_approve(store=application, acting_user=coop_admin)
    store_approve(store=application, acting_user=coop_admin)
    assert audit_events_for(application).filter(action="store.approve").count() == 1


@pytest.mark.parametrize(
    ("status", "decide"),
    [
        (StoreStatus.APPROVED, "refuse"),
        (StoreStatus.PENDING, "suspend"),
        (StoreStatus.REFUSED, "approve"),
        (StoreStatus.REFUSED, "suspend"),
    ],
)
def test_a_decision_that_does_not_fit_the_status_is_refused(make_store, coop_admin, status, decide):
    store = make_store(status=status, listings=0)
    services = {
        "approve": lambda: store_approve(store=store, acting_user=coop_admin),
        "refuse": lambda: store_refuse(store=store, reason="Non.", acting_user=coop_admin),
        "suspend": lambda: store_suspend(store=store, reason="Non.", acting_user=coop_admin),
    }
    with pytest.raises(StoreDecisionInvalid):
        services[decide]()
    store.refresh_from_db()
    assert store.status == status


def test_a_suspended_store_is_reinstated_by_approving_it(make_store, coop_admin):
    store = make_store(listings=0)
    store_suspend(store=store, reason="Plaintes.", acting_user=coop_admin)
    store_approve(store=store, acting_user=coop_admin)
    store.refresh_from_db()
    assert (store.status, store.decision_reason) == (StoreStatus.APPROVED, "")


# --- Who decides ---------------------------------------------------------------------


def test_a_coop_admin_decides(application, coop_admin):
    access_store_decide(acting_user=coop_admin, store=application)


def test_a_visitor_does_not_decide(application):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        access_store_decide(acting_user=AnonymousUser(), store=application)


def test_a_shopper_does_not_decide(application, shopper):
    with pytest.raises(PermissionDenied):
        store_approve(store=application, acting_user=shopper)


def test_a_registrar_does_not_decide(application, make_person):
    registrar = make_person("registrar@example.com", "registrar")
    with pytest.raises(PermissionDenied):
        store_approve(store=application, acting_user=registrar)


def test_the_applicant_does_not_decide_on_their_own_store(application, applicant):
    with pytest.raises(PermissionDenied):
        store_approve(store=application, acting_user=applicant)


def test_a_coop_admin_does_not_decide_on_a_store_they_work_for(application, coop_admin):
    store_staff_set(store=application, user=coop_admin, role=StoreRole.OWNER, acting_user=None)
    with pytest.raises(PermissionDenied):
        store_approve(store=application, acting_user=coop_admin)
    application.refresh_from_db()
    assert application.status == StoreStatus.PENDING


# --- Staff ---------------------------------------------------------------------------


@pytest.fixture
def owner(application, applicant):
    return applicant


def test_an_owner_adds_and_removes_staff_audited(application, owner, store_worker):
    membership = store_staff_add(store=application, user=store_worker, acting_user=owner)
    assert membership.role == StoreRole.STAFF
    store_staff_dismiss(store=application, user=store_worker, acting_user=owner)
    assert not StoreStaff.objects.filter(user=store_worker).exists()
    events = audit_events_for(application).filter(subject_user=store_worker)
    assert {(event.action, event.acting_user) for event in events} == {
        ("store.staff_set", owner),
        ("store.staff_remove", owner),
    }


def test_an_owner_is_not_added_or_removed_by_another_owner(application, owner, make_person):
    other_owner = make_person("other@example.com", "shopper")
    store_staff_set(store=application, user=other_owner, role=StoreRole.OWNER, acting_user=None)
    with pytest.raises(StoreStaffChangeRefused):
        store_staff_dismiss(store=application, user=other_owner, acting_user=owner)
    with pytest.raises(StoreStaffChangeRefused):
        store_staff_add(store=application, user=other_owner, acting_user=owner)
    assert StoreStaff.objects.get(user=other_owner).role == StoreRole.OWNER


def test_a_visitor_does_not_manage_staff(application):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        access_store_staff_manage(acting_user=AnonymousUser(), store=application)


def test_a_shopper_does_not_manage_staff(application, shopper, store_worker):
    with pytest.raises(PermissionDenied):
        store_staff_add(store=application, user=store_worker, acting_user=shopper)


def test_staff_do_not_manage_staff(application, owner, store_worker, shopper):
    store_staff_add(store=application, user=store_worker, acting_user=owner)
    with pytest.raises(PermissionDenied):
        store_staff_add(store=application, user=shopper, acting_user=store_worker)


def test_the_owner_of_another_store_does_not_manage_staff(
    application, make_store, owner, store_worker
):
    other = make_store(listings=0)
    store_staff_set(store=other, user=store_worker, acting_user=None)
    with pytest.raises(PermissionDenied):
        store_staff_dismiss(store=other, user=store_worker, acting_user=owner)
    assert StoreStaff.objects.filter(store=other, user=store_worker).exists()


def test_a_coop_admin_does_not_manage_a_stores_staff(application, coop_admin, store_worker):
    with pytest.raises(PermissionDenied):
        store_staff_add(store=application, user=store_worker, acting_user=coop_admin)
