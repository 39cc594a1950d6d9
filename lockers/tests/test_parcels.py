"""The parcel's way from the store to the shopper, through lockers' services."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from identity.audit import audit_events_for
from lockers import services
from lockers.errors import (
    AlreadyExtended,
    KioskLocked,
    NoRoom,
    NoRoomNearby,
    NotACourier,
    ParcelTransitionRefused,
    PickupCodeRefused,
    WrongSite,
)
from lockers.models import (
    Compartment,
    CompartmentState,
    CustodyEvent,
    KioskLockout,
    Parcel,
    ParcelStatus,
    Reservation,
    ReservationState,
)
from lockers.selectors import parcel_timeline

pytestmark = pytest.mark.django_db

NEAR = {"latitude": "46.811820", "longitude": "-71.221900"}
# About 1.3 km north-west of NEAR.
NEARBY = {"latitude": "46.823770", "longitude": "-71.231470"}


def _parcel(site, n=1, size="S"):
    return services.parcel_create(
        external_reference=f"order 2026-{n:06d}/shipment 1",
        size_class=size,
        destination_site=site,
        acting_user=None,
    )


def _kinds(parcel):
    return list(
        CustodyEvent.objects.filter(parcel=parcel).order_by("id").values_list("kind", flat=True)
    )


def _placed(site, courier, n=1):
    """A parcel in a compartment at `site`; returns (parcel, code)."""
    parcel = _parcel(site, n)
    services.parcel_pickup_from_store(parcel=parcel, courier=courier)
    deposit = services.parcel_deposit_begin(parcel=parcel, site=site, courier=courier)
    outcome = services.compartment_door_event(
        compartment=deposit.compartment, kind="closed", occupied=True, at=timezone.now()
    )
    parcel.refresh_from_db()
    return parcel, outcome.pickup_code


def test_parcel_create_gives_a_public_code_and_a_retry_finds_it(make_site):
    site = make_site()
    parcel = _parcel(site)
    assert len(parcel.public_code) == 12
    assert set(parcel.public_code) <= set(services.CROCKFORD_BASE32)
    assert parcel.status == ParcelStatus.CREATED
    assert _parcel(site).pk == parcel.pk
    assert _kinds(parcel) == ["created"]
    assert [e.action for e in audit_events_for(parcel)] == ["parcel.create"]


def test_a_hold_takes_room_and_the_last_room_is_refused(make_site):
    site = make_site(counts={"S": 1, "M": 0, "L": 0})
    first, second = _parcel(site, 1), _parcel(site, 2)
    later = timezone.now() + timedelta(hours=1)
    hold = services.reservation_hold(parcel=first, site=site, expires_at=later)
    assert hold.state == ReservationState.HELD
    first.refresh_from_db()
    assert first.status == ParcelStatus.RESERVED
    with pytest.raises(NoRoom) as refused:
        services.reservation_hold(parcel=second, site=site, expires_at=later)
    assert refused.value.code == "no_room"
    # Holding again moves the expiry rather than holding twice.
    again = services.reservation_hold(parcel=first, site=site, expires_at=later + timedelta(1))
    assert again.pk == hold.pk and again.expires_at == later + timedelta(1)


def test_an_expired_hold_holds_nothing_and_beat_lapses_it(make_site, signals_caught):
    site = make_site(counts={"S": 1, "M": 0, "L": 0})
    first, second = _parcel(site, 1), _parcel(site, 2)
    hold = services.reservation_hold(
        parcel=first, site=site, expires_at=timezone.now() - timedelta(seconds=1)
    )
    # Room counts only unexpired holds, even before the beat runs.
    services.reservation_hold(parcel=second, site=site, expires_at=timezone.now() + timedelta(1))
    assert services.reservations_lapse_expired() == 1
    assert services.reservations_lapse_expired() == 0
    hold.refresh_from_db()
    first.refresh_from_db()
    assert hold.state == ReservationState.LAPSED
    assert first.status == ParcelStatus.CREATED
    assert [name for name, _kw in signals_caught] == ["reservation_lapsed"]


def test_release_gives_the_room_back(make_site):
    site = make_site(counts={"S": 1, "M": 0, "L": 0})
    first, second = _parcel(site, 1), _parcel(site, 2)
    later = timezone.now() + timedelta(hours=1)
    hold = services.reservation_hold(parcel=first, site=site, expires_at=later)
    services.reservation_release(reservation=hold)
    services.reservation_release(reservation=hold)
    assert services.reservation_hold(parcel=second, site=site, expires_at=later)


def test_only_a_courier_carries_parcels(make_site, make_person):
    site = make_site()
    shopper = make_person("someone@example.com", "shopper")
    with pytest.raises(NotACourier):
        services.parcel_pickup_from_store(parcel=_parcel(site), courier=shopper)


def test_deposit_then_door_closed_puts_the_parcel_in_the_locker_with_a_code(
    make_site, courier, signals_caught
):
    site = make_site()
    parcel = _parcel(site)
    hold = services.reservation_hold(
        parcel=parcel, site=site, expires_at=timezone.now() + timedelta(hours=4)
    )
    services.parcel_pickup_from_store(parcel=parcel, courier=courier)
    deposit = services.parcel_deposit_begin(parcel=parcel, site=site, courier=courier)
    assert deposit.redirected_from is None
    assert deposit.compartment.size_class == "S"
    assert Compartment.objects.get(pk=deposit.compartment.pk).state == CompartmentState.RESERVED
    # A repeated scan finds the same compartment.
    again = services.parcel_deposit_begin(parcel=parcel, site=site, courier=courier)
    assert again.compartment.pk == deposit.compartment.pk
    hold.refresh_from_db()
    assert hold.state == ReservationState.USED

    at = timezone.now()
    services.compartment_door_event(
        compartment=deposit.compartment, kind="opened", occupied=False, at=at
    )
    outcome = services.compartment_door_event(
        compartment=deposit.compartment, kind="closed", occupied=True, at=at
    )
    assert outcome.result == "placed"
    code = outcome.pickup_code
    assert len(code) == 6 and code.isdigit()
    parcel.refresh_from_db()
    assert parcel.status == ParcelStatus.IN_LOCKER
    assert parcel.expires_at == at + timedelta(hours=72)
    assert code not in parcel.pickup_code_digest
    assert parcel.pickup_code_digest == services.pickup_code_digest(site_id=site.pk, code=code)
    assert Compartment.objects.get(pk=deposit.compartment.pk).state == CompartmentState.OCCUPIED
    assert [(name, kw.get("pickup_code")) for name, kw in signals_caught] == [
        ("parcel_in_locker", code)
    ]
    assert _kinds(parcel) == [
        "created",
        "reserved",
        "picked_up_from_store",
        "deposited",
        "door_opened",
        "door_closed",
    ]


def test_deposit_at_another_site_than_the_destination_is_refused(make_site, courier):
    site, other = make_site(), make_site()
    parcel = _parcel(site)
    services.parcel_pickup_from_store(parcel=parcel, courier=courier)
    with pytest.raises(WrongSite):
        services.parcel_deposit_begin(parcel=parcel, site=other, courier=courier)


def test_kiosk_code_opens_and_an_empty_door_means_picked_up(make_site, courier, signals_caught):
    site = make_site()
    parcel, code = _placed(site, courier)
    opening = services.kiosk_code_enter(site=site, code=code)
    assert opening.parcel.pk == parcel.pk
    assert opening.compartment.pk == parcel.compartment_id
    at = timezone.now()
    services.compartment_door_event(
        compartment=opening.compartment, kind="opened", occupied=True, at=at
    )
    outcome = services.compartment_door_event(
        compartment=opening.compartment, kind="closed", occupied=False, at=at
    )
    assert outcome.result == "picked_up"
    parcel.refresh_from_db()
    assert parcel.status == ParcelStatus.PICKED_UP and parcel.compartment is None
    assert Compartment.objects.get(pk=opening.compartment.pk).state == CompartmentState.AVAILABLE
    assert [name for name, _kw in signals_caught][-1] == "parcel_picked_up"
    # The code opens nothing any more.
    with pytest.raises(PickupCodeRefused):
        services.kiosk_code_enter(site=site, code=code)


def test_the_code_of_one_site_opens_nothing_at_another(make_site, courier):
    site, other = make_site(), make_site()
    _parcel_in, code = _placed(site, courier)
    with pytest.raises(PickupCodeRefused):
        services.kiosk_code_enter(site=other, code=code)


def test_a_door_closed_with_the_parcel_still_inside_is_no_pickup(make_site, courier):
    site = make_site()
    parcel, code = _placed(site, courier)
    opening = services.kiosk_code_enter(site=site, code=code)
    services.compartment_door_event(
        compartment=opening.compartment, kind="closed", occupied=True, at=timezone.now()
    )
    parcel.refresh_from_db()
    assert parcel.status == ParcelStatus.IN_LOCKER


def test_five_wrong_codes_lock_the_kiosk_ten_minutes_and_alert_support(
    make_site, courier, signals_caught, settings
):
    settings.ADMINS = [("Support", "support@example.com")]
    site = make_site()
    _parcel_in, code = _placed(site, courier)
    wrong = "000000" if code != "000000" else "111111"
    now = timezone.now()
    for left in (4, 3, 2, 1):
        with pytest.raises(PickupCodeRefused) as refused:
            services.kiosk_code_enter(site=site, code=wrong, now=now)
        assert refused.value.attempts_left == left
    with pytest.raises(KioskLocked) as locked:
        services.kiosk_code_enter(site=site, code=wrong, now=now)
    assert locked.value.until == now + timedelta(minutes=10)
    assert locked.value.code == "kiosk_locked"
    # Locked: even the right code is refused, until the time is up.
    with pytest.raises(KioskLocked):
        services.kiosk_code_enter(site=site, code=code, now=now + timedelta(minutes=9))
    assert services.kiosk_code_enter(site=site, code=code, now=now + timedelta(minutes=10))
    assert len(mail.outbox) == 1 and "support@example.com" in mail.outbox[0].to
    assert [name for name, _kw in signals_caught][-1] == "kiosk_locked"
    actions = [e.action for e in audit_events_for(site)]
    assert actions.count("kiosk.code_refused") == 5 and actions.count("kiosk.locked") == 1


def test_a_right_code_resets_the_wrong_code_count(make_site, courier):
    site = make_site()
    _parcel_in, code = _placed(site, courier)
    for _ in range(4):
        with pytest.raises(PickupCodeRefused):
            services.kiosk_code_enter(site=site, code="12345x")
    services.kiosk_code_enter(site=site, code=code)
    assert KioskLockout.objects.get(site=site).failed_attempts == 0


@pytest.mark.usefixtures("english")
def test_a_full_site_redirects_to_the_nearest_site_with_room(make_site, courier, signals_caught):
    full = make_site(counts={"S": 1, "M": 0, "L": 0}, **NEAR)
    far = make_site(latitude="46.900000", longitude="-71.300000")
    near = make_site(**NEARBY)
    _placed(full, courier, 1)
    parcel = _parcel(full, 2)
    services.parcel_pickup_from_store(parcel=parcel, courier=courier)
    deposit = services.parcel_deposit_begin(parcel=parcel, site=full, courier=courier)
    assert deposit.site.pk == near.pk != far.pk
    assert deposit.redirected_from.pk == full.pk
    assert 1.0 < deposit.distance_km < 2.0
    parcel.refresh_from_db()
    assert parcel.destination_site_id == near.pk
    name, kwargs = signals_caught[-1]
    assert name == "parcel_redirected"
    assert (kwargs["from_site"].pk, kwargs["to_site"].pk, kwargs["reason"]) == (
        full.pk,
        near.pk,
        "site_full",
    )
    assert _kinds(parcel)[-2:] == ["redirected", "deposited"]
    assert "was full" in parcel_timeline(parcel)[-2].text


def test_a_site_full_of_holds_redirects_too(make_site, courier):
    site = make_site(counts={"S": 1, "M": 0, "L": 0}, **NEAR)
    make_site(**NEARBY)
    other = _parcel(site, 1)
    services.reservation_hold(parcel=other, site=site, expires_at=timezone.now() + timedelta(1))
    parcel = _parcel(site, 2)
    services.parcel_pickup_from_store(parcel=parcel, courier=courier)
    deposit = services.parcel_deposit_begin(parcel=parcel, site=site, courier=courier)
    assert deposit.redirected_from is not None


def test_no_room_anywhere_near_is_a_coded_error(make_site, courier):
    site = make_site(counts={"S": 1, "M": 0, "L": 0})
    _placed(site, courier, 1)
    parcel = _parcel(site, 2)
    services.parcel_pickup_from_store(parcel=parcel, courier=courier)
    with pytest.raises(NoRoomNearby) as refused:
        services.parcel_deposit_begin(parcel=parcel, site=site, courier=courier)
    assert refused.value.code == "no_room_nearby"
    returned = services.parcel_return_to_store(parcel=parcel, courier=courier, reason="no_room")
    assert returned.status == ParcelStatus.RETURNED


def test_a_jammed_compartment_goes_out_of_service_and_another_opens(make_site, courier):
    site = make_site(counts={"S": 2, "M": 0, "L": 0})
    parcel = _parcel(site)
    services.parcel_pickup_from_store(parcel=parcel, courier=courier)
    first = services.parcel_deposit_begin(parcel=parcel, site=site, courier=courier)
    second = services.compartment_jammed(parcel=parcel, courier=courier)
    assert second.compartment.pk != first.compartment.pk
    assert second.redirected_from is None
    states = dict(Compartment.objects.filter(site=site).values_list("pk", "state"))
    assert states == {
        first.compartment.pk: CompartmentState.OUT_OF_SERVICE,
        second.compartment.pk: CompartmentState.RESERVED,
    }
    assert _kinds(parcel)[-2:] == ["exception", "deposited"]


def test_the_last_compartment_jammed_redirects_with_that_reason(make_site, courier, signals_caught):
    site = make_site(counts={"S": 1, "M": 0, "L": 0}, **NEAR)
    make_site(**NEARBY)
    parcel = _parcel(site)
    services.parcel_pickup_from_store(parcel=parcel, courier=courier)
    services.parcel_deposit_begin(parcel=parcel, site=site, courier=courier)
    deposit = services.compartment_jammed(parcel=parcel, courier=courier)
    assert deposit.redirect_reason == "compartment_jammed"
    assert signals_caught[-1][1]["reason"] == "compartment_jammed"


def test_a_cancelled_deposit_frees_the_compartment(make_site, courier):
    site = make_site()
    parcel = _parcel(site)
    services.parcel_pickup_from_store(parcel=parcel, courier=courier)
    deposit = services.parcel_deposit_begin(parcel=parcel, site=site, courier=courier)
    services.parcel_deposit_cancel(parcel=parcel, courier=courier, reason="controller_offline")
    parcel.refresh_from_db()
    assert parcel.status == ParcelStatus.WITH_COURIER and parcel.compartment is None
    assert Compartment.objects.get(pk=deposit.compartment.pk).state == CompartmentState.AVAILABLE


def test_a_door_closed_empty_during_a_deposit_aborts_it(make_site, courier):
    site = make_site()
    parcel = _parcel(site)
    services.parcel_pickup_from_store(parcel=parcel, courier=courier)
    deposit = services.parcel_deposit_begin(parcel=parcel, site=site, courier=courier)
    outcome = services.compartment_door_event(
        compartment=deposit.compartment, kind="closed", occupied=False, at=timezone.now()
    )
    assert outcome.result == "deposit_aborted"
    parcel.refresh_from_db()
    assert parcel.status == ParcelStatus.WITH_COURIER and parcel.compartment is None


def test_extension_once_by_24_hours(make_site, courier, signals_caught):
    site = make_site()
    parcel, _code = _placed(site, courier)
    deadline = parcel.expires_at
    extended = services.parcel_extend(parcel=parcel, acting_user=None)
    assert extended.expires_at == deadline + timedelta(hours=24)
    with pytest.raises(AlreadyExtended):
        services.parcel_extend(parcel=parcel, acting_user=None)
    assert signals_caught[-1][0] == "parcel_extended"


def test_expiry_run_reminds_at_48_hours_then_expires_at_72(make_site, courier, signals_caught):
    site = make_site()
    parcel, _code = _placed(site, courier)
    placed = parcel.placed_at
    assert services.parcels_expiry_run(now=placed + timedelta(hours=47)) == services.ExpiryRun(0, 0)
    assert services.parcels_expiry_run(now=placed + timedelta(hours=48)) == services.ExpiryRun(1, 0)
    assert services.parcels_expiry_run(now=placed + timedelta(hours=49)) == services.ExpiryRun(0, 0)
    assert services.parcels_expiry_run(now=placed + timedelta(hours=72)) == services.ExpiryRun(0, 1)
    parcel.refresh_from_db()
    assert parcel.status == ParcelStatus.EXPIRED
    assert [name for name, _kw in signals_caught][-2:] == [
        "parcel_pickup_reminder",
        "parcel_expired",
    ]
    # An expired parcel no longer opens with its code.
    with pytest.raises(PickupCodeRefused):
        services.kiosk_code_enter(site=site, code=_code)


def test_an_extended_parcel_expires_a_day_later(make_site, courier):
    site = make_site()
    parcel, _code = _placed(site, courier)
    services.parcel_extend(parcel=parcel, acting_user=None)
    placed = parcel.placed_at
    assert services.parcels_expiry_run(now=placed + timedelta(hours=72)).expired == 0
    assert services.parcels_expiry_run(now=placed + timedelta(hours=96)).expired == 1


def test_retrieval_and_return_to_the_store(make_site, courier, signals_caught):
    site = make_site()
    parcel, _code = _placed(site, courier)
    with pytest.raises(ParcelTransitionRefused):
        services.parcel_retrieve(parcel=parcel, courier=courier)
    services.parcels_expiry_run(now=parcel.expires_at)
    retrieval = services.parcel_retrieve(parcel=parcel, courier=courier)
    assert Compartment.objects.get(pk=retrieval.compartment.pk).state == CompartmentState.RESERVED
    outcome = services.compartment_door_event(
        compartment=retrieval.compartment, kind="closed", occupied=False, at=timezone.now()
    )
    assert outcome.result == "emptied"
    assert Compartment.objects.get(pk=retrieval.compartment.pk).state == CompartmentState.AVAILABLE
    services.parcel_return_to_store(parcel=parcel, courier=courier)
    parcel.refresh_from_db()
    assert parcel.status == ParcelStatus.RETURNED
    assert signals_caught[-1][0] == "parcel_returned"
    assert _kinds(parcel)[-3:] == ["expired", "retrieved", "returned"]


def test_something_left_in_an_emptied_compartment_takes_it_out_of_service(make_site):
    site = make_site()
    compartment = site.compartments.first()
    outcome = services.compartment_door_event(
        compartment=compartment, kind="closed", occupied=True, at=timezone.now()
    )
    assert outcome.result == "left_inside"
    compartment.refresh_from_db()
    assert compartment.state == CompartmentState.OUT_OF_SERVICE
    services.compartment_return_to_service(compartment=compartment, acting_user=None)
    compartment.refresh_from_db()
    assert compartment.state == CompartmentState.AVAILABLE


def test_the_database_keeps_one_parcel_per_compartment(make_site, courier):
    site = make_site()
    parcel, _code = _placed(site, courier)
    other = _parcel(site, 2)
    Parcel.objects.filter(pk=other.pk).update(status=ParcelStatus.WITH_COURIER)
    with pytest.raises(IntegrityError), transaction.atomic():
        Parcel.objects.filter(pk=other.pk).update(compartment=parcel.compartment)


def test_the_database_keeps_a_compartment_only_while_the_parcel_is_inside(make_site, courier):
    site = make_site()
    parcel = _parcel(site)
    with pytest.raises(IntegrityError), transaction.atomic():
        Parcel.objects.filter(pk=parcel.pk).update(compartment=site.compartments.first())


def test_custody_events_are_append_only(make_site):
    parcel = _parcel(make_site())
    event = CustodyEvent.objects.get(parcel=parcel)
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        CustodyEvent.objects.filter(parcel=parcel).update(kind="exception")
    with pytest.raises(TypeError):
        CustodyEvent.objects.filter(parcel=parcel).delete()


@pytest.mark.usefixtures("english")
def test_timeline_in_order_with_plain_words(make_site, courier, client, settings):
    site = make_site()
    parcel, code = _placed(site, courier)
    opening = services.kiosk_code_enter(site=site, code=code)
    services.compartment_door_event(
        compartment=opening.compartment, kind="closed", occupied=False, at=timezone.now()
    )
    timeline = parcel_timeline(parcel)
    assert [entry.kind for entry in timeline] == [
        "created",
        "picked_up_from_store",
        "deposited",
        "door_closed",
        "picked_up",
    ]
    assert timeline[1].actor == courier and timeline[1].actor_label == "courier"
    assert timeline[3].text == f"Your parcel is in the locker at {site.name}."
    assert timeline[4].compartment_label == opening.compartment.label
    assert all(code not in str(entry.detail) for entry in timeline)


def test_reservation_states_are_rows_with_an_expiry(make_site):
    site = make_site()
    parcel = _parcel(site)
    services.reservation_hold(parcel=parcel, site=site, expires_at=timezone.now() + timedelta(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Reservation.objects.create(
            site=site, size_class="S", parcel=parcel, expires_at=timezone.now()
        )


def test_tasks_are_in_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"lockers.tasks.reservations_lapse", "lockers.tasks.parcels_expiry"} <= tasks


def test_the_beat_tasks_run_the_services(make_site, courier):
    from lockers import tasks

    site = make_site()
    parcel, _code = _placed(site, courier)
    Parcel.objects.filter(pk=parcel.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1),
        placed_at=timezone.now() - timedelta(hours=73),
    )
    assert tasks.parcels_expiry.delay().get() == {"reminded": 0, "expired": 1}
    assert tasks.reservations_lapse.delay().get() == 0


def test_a_reissued_code_replaces_the_old_one(make_site, courier, signals_caught):
    site = make_site()
    parcel, old = _placed(site, courier)
    new = services.parcel_pickup_code_reissue(parcel=parcel, acting_user=None)
    assert signals_caught[-1] == (
        "parcel_in_locker",
        {
            "parcel": signals_caught[-1][1]["parcel"],
            "site": site,
            "compartment": parcel.compartment,
            "pickup_code": new,
            "expires_at": parcel.expires_at,
        },
    )
    if new != old:
        with pytest.raises(PickupCodeRefused):
            services.kiosk_code_enter(site=site, code=old)
    assert services.kiosk_code_enter(site=site, code=new).parcel.pk == parcel.pk


def test_a_reference_is_one_parcel(make_site):
    from lockers.errors import ReferenceTaken

    site = make_site()
    _parcel(site)
    with pytest.raises(ReferenceTaken):
        _parcel(site, size="M")


def test_kiosk_lockout_mail_goes_to_the_support_address_when_set(make_site, settings):
    from lockers.tasks import kiosk_lockout_alert

    settings.LOCKERS_SUPPORT_EMAIL = "soutien@example.com"
    site = make_site()
    kiosk_lockout_alert(site.pk, timezone.now().isoformat())
    assert mail.outbox[0].to == ["soutien@example.com"]
    assert site.name in mail.outbox[0].subject


def test_a_parcel_knows_where_to_collect_it_and_when_it_is_due(make_site):
    site = make_site()
    due = timezone.now() + timedelta(hours=4)
    parcel = services.parcel_create(
        external_reference="UQ-2026-000009/1",
        size_class="M",
        destination_site=site,
        acting_user=None,
        origin_name="Boulangerie du Faubourg",
        origin_address="500 rue Saint-Jean, Québec G1R 1P6",
        origin_latitude="46.810000",
        origin_longitude="-71.220000",
        deliver_by=due,
    )
    parcel.refresh_from_db()
    assert (parcel.origin_name, parcel.deliver_by) == ("Boulangerie du Faubourg", due)
    assert parcel.ready_at is None


@pytest.mark.usefixtures("english")
def test_a_packed_parcel_is_ready_once_and_its_custody_says_so(make_site, courier):
    parcel = _parcel(make_site())
    ready = services.parcel_ready(parcel=parcel, acting_user=None)
    first = ready.ready_at
    assert first is not None
    assert services.parcel_ready(parcel=parcel, acting_user=None).ready_at == first
    assert _kinds(parcel).count("labelled") == 1
    assert (
        parcel_timeline(parcel)[-1].text
        == "The store packed your parcel; a courier will collect it."
    )
    carried = _parcel(make_site(), 2)
    services.parcel_pickup_from_store(parcel=carried, courier=courier)
    with pytest.raises(ParcelTransitionRefused):
        services.parcel_ready(parcel=carried, acting_user=None)
