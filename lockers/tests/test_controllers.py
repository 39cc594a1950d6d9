"""The controller service: commands once, events once and in order, offline, keys."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from lockers import protocol
from lockers.controller_errors import ControllerOffline
from lockers.controller_inprocess import DeviceOptions
from lockers.controller_signals import compartment_door_event, compartment_jammed
from lockers.controllers import (
    compartment_open,
    controller_commands_resend,
    controller_events_gaps_handle,
    controller_key_create,
    controller_key_promote,
    controller_key_retire,
    controller_message_receive,
    site_ids_online,
    site_is_online,
)
from lockers.models import CommandStatus, ControllerCommand, ControllerEvent, ControllerStatus


@pytest.fixture
def door_events():
    """Every compartment_door_event and compartment_jammed sent, as (kind, label, seq, occ)."""
    seen: list[tuple] = []

    def door(sender, *, site, compartment_label, kind, occupied, at, sequence, **kwargs):
        assert at.tzinfo is not None
        seen.append((kind, compartment_label, sequence, occupied))

    def jammed(sender, *, site, compartment_label, at, sequence, **kwargs):
        seen.append(("jammed", compartment_label, sequence, None))

    compartment_door_event.connect(door, weak=False)
    compartment_jammed.connect(jammed, weak=False)
    yield seen
    compartment_door_event.disconnect(door)
    compartment_jammed.disconnect(jammed)


def _online(wired) -> None:
    wired.device.heartbeat()
    assert wired.received[-1] == "applied"


# --- The in-process controller (the embedded default) ------------------------------------


def test_the_inprocess_controller_opens_and_closes_the_door_with_the_parcel_in(
    inprocess, make_site, door_events
):
    site = make_site()
    compartment = site.compartments.get(label="A01")
    outcome = compartment_open(compartment=compartment, purpose="deposit", parcel_id=7)
    assert outcome.status == "acknowledged"
    command = ControllerCommand.objects.get(uuid=outcome.command_id)
    assert (command.status, command.attempts, command.parcel_id) == ("acknowledged", 1, 7)
    assert door_events == [("opened", "A01", 1, None), ("closed", "A01", 2, True)]

    outcome = compartment_open(compartment=compartment, purpose="pickup")
    assert outcome.status == "acknowledged"
    assert door_events[2:] == [("opened", "A01", 3, None), ("closed", "A01", 4, False)]
    assert ControllerStatus.objects.get(site=site).last_applied_sequence == 4


def test_the_inprocess_controller_is_always_online(inprocess, make_site):
    site = make_site()
    assert site_is_online(site, now=timezone.now() + timedelta(days=1))


def test_a_jammed_door_is_reported(inprocess, make_site, door_events):
    site = make_site()
    compartment = site.compartments.get(label="B01")
    device = inprocess.device(site.slug)
    device.options.jammed.add("B01")
    outcome = compartment_open(compartment=compartment, purpose="deposit")
    assert outcome.status == "jammed"
    assert ControllerCommand.objects.get(uuid=outcome.command_id).status == CommandStatus.FAILED
    assert door_events == [("jammed", "B01", 1, None)]


# --- Offline ------------------------------------------------------------------------------


def test_a_site_with_no_heartbeat_is_offline_at_once(wire, device_transport):
    wired = wire()
    started = time.monotonic()
    with pytest.raises(ControllerOffline) as caught:
        compartment_open(compartment=wired.site.compartments.first(), purpose="deposit")
    assert time.monotonic() - started < 0.5
    assert caught.value.code == "controller_offline"
    assert not ControllerCommand.objects.exists()
    assert device_transport.sent == []


def test_a_site_is_offline_90_seconds_after_its_last_heartbeat(wire):
    wired = wire()
    _online(wired)
    now = timezone.now()
    assert site_is_online(wired.site, now=now + timedelta(seconds=89))
    assert not site_is_online(wired.site, now=now + timedelta(seconds=91))


def test_a_replayed_or_stale_heartbeat_keeps_no_site_online(wire):
    wired = wire(deliver=False)
    wired.device.heartbeat()
    raw = wired.published[-1][1]
    slug = wired.site.slug
    assert controller_message_receive(site_slug=slug, channel="heartbeat", raw_bytes=raw) == (
        "applied"
    )
    later = timezone.now() + timedelta(seconds=20)
    assert (
        controller_message_receive(site_slug=slug, channel="heartbeat", raw_bytes=raw, now=later)
        == "rejected:replayed"
    )
    much_later = timezone.now() + timedelta(seconds=120)
    assert (
        controller_message_receive(
            site_slug=slug, channel="heartbeat", raw_bytes=raw, now=much_later
        )
        == "rejected:clock"
    )
    assert not site_is_online(wired.site, now=much_later)


def test_a_forged_heartbeat_or_event_is_rejected(wire):
    wired = wire(deliver=False)
    message = {"type": "heartbeat", "site": wired.site.slug, "kid": "k1"}
    message.update(at=int(time.time()), last_seq=0)
    forged = protocol.encode(protocol.sign(b"\x01" * 32, message))
    slug = wired.site.slug
    assert (
        controller_message_receive(site_slug=slug, channel="heartbeat", raw_bytes=forged)
        == "rejected:bad_signature"
    )
    assert not site_is_online(wired.site)
    other = wire(deliver=False)
    other.device.heartbeat()
    # A message signed for another site, replayed on this site's topic.
    assert controller_message_receive(
        site_slug=slug, channel="heartbeat", raw_bytes=other.published[-1][1]
    ).startswith("rejected:")


# --- Commands: at least once, executed once --------------------------------------------------


def test_a_command_is_not_executed_twice_when_its_ack_is_lost(wire, settings, door_events):
    settings.LOCKERS_COMMAND_WAIT_SECONDS = 3
    wired = wire(options=DeviceOptions(acks_to_lose=1))
    _online(wired)
    outcome = compartment_open(
        compartment=wired.site.compartments.get(label="A02"), purpose="deposit"
    )
    assert outcome.status == "acknowledged"
    command = ControllerCommand.objects.get(uuid=outcome.command_id)
    assert command.attempts == 2
    assert wired.device.opened_count["A02"] == 1
    acks = [json.loads(raw) for channel, raw in wired.published if channel == "acks"]
    assert [a["result"] for a in acks] == ["done"]
    assert [e[0] for e in door_events] == ["opened"]


def test_an_unanswered_command_is_resent_with_backoff_then_expires(wire, settings):
    settings.LOCKERS_COMMAND_WAIT_SECONDS = 0
    wired = wire(options=DeviceOptions())
    _online(wired)
    wired.device.options.offline = True
    outcome = compartment_open(compartment=wired.site.compartments.first(), purpose="deposit")
    assert outcome.status == "pending"
    command = ControllerCommand.objects.get(uuid=outcome.command_id)
    assert command.attempts == 1
    assert controller_commands_resend(now=command.last_sent_at) == 0
    assert controller_commands_resend(now=command.last_sent_at + timedelta(seconds=1)) == 1
    command.refresh_from_db()
    assert command.attempts == 2
    assert command.next_send_at - command.last_sent_at == timedelta(seconds=2)
    assert controller_commands_resend(now=command.expires_at) == 0
    command.refresh_from_db()
    assert command.status == CommandStatus.EXPIRED


def test_a_late_ack_of_an_expired_command_still_counts(wire, settings):
    settings.LOCKERS_COMMAND_WAIT_SECONDS = 0
    wired = wire(options=DeviceOptions(acks_to_lose=1))
    _online(wired)
    outcome = compartment_open(compartment=wired.site.compartments.first(), purpose="deposit")
    command = ControllerCommand.objects.get(uuid=outcome.command_id)
    controller_commands_resend(now=command.expires_at)
    command.refresh_from_db()
    assert command.status == CommandStatus.EXPIRED
    # The ack the controller stored comes at last.
    ack = wired.device.executed[str(command.uuid)].ack
    slug = wired.site.slug
    assert controller_message_receive(site_slug=slug, channel="acks", raw_bytes=ack) == "applied"
    assert controller_message_receive(site_slug=slug, channel="acks", raw_bytes=ack) == "duplicate"
    command.refresh_from_db()
    assert command.status == CommandStatus.ACKNOWLEDGED


# --- Events: once and in order ------------------------------------------------------------------


def _events(wired, count: int) -> list[bytes]:
    for _ in range(count):
        wired.device.door_close("A01")
    return wired.events()


def test_events_are_applied_once_and_in_order_whatever_the_delivery(wire, door_events):
    wired = wire(deliver=False)
    one, two, three = _events(wired, 3)
    slug = wired.site.slug

    def deliver(raw: bytes) -> str:
        return controller_message_receive(site_slug=slug, channel="events", raw_bytes=raw)

    assert [deliver(raw) for raw in (two, one, one, three, two, three)] == [
        "held",
        "applied",
        "duplicate",
        "applied",
        "duplicate",
        "duplicate",
    ]
    assert [e[2] for e in door_events] == [1, 2, 3]
    assert ControllerEvent.objects.filter(applied_at__isnull=False).count() == 3
    assert ControllerStatus.objects.get(site=wired.site).gap_since is None


def test_a_gap_is_filled_by_a_resync_request(wire, device_transport, door_events):
    wired = wire(deliver=False)
    one, _two, three = _events(wired, 3)
    slug = wired.site.slug
    for raw in (one, three):
        controller_message_receive(site_slug=slug, channel="events", raw_bytes=raw)
    status = ControllerStatus.objects.get(site=wired.site)
    assert status.gap_since is not None
    assert [e[2] for e in door_events] == [1]
    wired.deliver = True
    controller_events_gaps_handle(now=status.gap_since + timedelta(seconds=11))
    resync = json.loads(device_transport.sent[-1])
    assert (resync["type"], resync["from_seq"]) == ("resync", 2)
    assert [e[2] for e in door_events] == [1, 2, 3]
    assert ControllerStatus.objects.get(site=wired.site).gap_since is None


def test_a_gap_that_never_fills_is_given_up_after_5_minutes(wire, door_events):
    wired = wire(deliver=False)
    one, _two, three = _events(wired, 3)
    wired.device.history.clear()
    slug = wired.site.slug
    for raw in (one, three):
        controller_message_receive(site_slug=slug, channel="events", raw_bytes=raw)
    status = ControllerStatus.objects.get(site=wired.site)
    controller_events_gaps_handle(now=status.gap_since + timedelta(seconds=301))
    assert [e[2] for e in door_events] == [1, 3]
    status.refresh_from_db()
    assert (status.last_applied_sequence, status.gap_since) == (3, None)


def test_a_heartbeat_reporting_unseen_events_opens_a_gap(wire):
    wired = wire(deliver=False)
    _events(wired, 1)
    wired.device.heartbeat()
    slug = wired.site.slug
    raw = wired.published[-1][1]
    controller_message_receive(site_slug=slug, channel="heartbeat", raw_bytes=raw)
    assert ControllerStatus.objects.get(site=wired.site).gap_since is not None


# --- Keys -------------------------------------------------------------------------------------


def test_a_new_key_is_accepted_before_it_signs_and_a_retired_one_is_refused(wire):
    wired = wire(deliver=False)
    old = wired.site.controller_keys.get()
    new, secret = controller_key_create(site=wired.site, acting_user=None)
    assert not new.is_primary
    wired.device.keys[new.kid] = bytes.fromhex(secret)
    wired.device.signing_kid = new.kid
    wired.device.heartbeat()
    slug = wired.site.slug
    raw = wired.published[-1][1]
    assert controller_message_receive(site_slug=slug, channel="heartbeat", raw_bytes=raw) == (
        "applied"
    )
    controller_key_promote(key=new, acting_user=None)
    old.refresh_from_db()
    controller_key_retire(key=old, acting_user=None)
    wired.device.signing_kid = old.kid
    wired.device.clock = lambda: time.time() + 1
    wired.device.heartbeat()
    raw = wired.published[-1][1]
    assert (
        controller_message_receive(site_slug=slug, channel="heartbeat", raw_bytes=raw)
        == "rejected:unknown_key"
    )
    with pytest.raises(ValueError):
        controller_key_retire(key=new, acting_user=None)


def test_an_event_whose_receiver_fails_is_held_and_applied_later(wire, door_events):
    wired = wire(deliver=False)
    (one,) = _events(wired, 1)
    calls = {"n": 0}

    def failing(sender, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the parcel service is down")

    compartment_door_event.connect(failing, weak=False)
    try:
        slug = wired.site.slug
        assert controller_message_receive(site_slug=slug, channel="events", raw_bytes=one) == (
            "held"
        )
        assert ControllerStatus.objects.get(site=wired.site).last_applied_sequence == 0
        controller_events_gaps_handle()
        assert ControllerStatus.objects.get(site=wired.site).last_applied_sequence == 1
        assert calls["n"] == 2
        # Receivers run in the applying transaction: the first try was rolled back with
        # everything they wrote (the test's recorder writes to a list, not the database).
        assert [e[2] for e in door_events] == [1, 1]
    finally:
        compartment_door_event.disconnect(failing)


def test_receiving_a_message_costs_a_few_queries(wire, django_assert_max_num_queries):
    wired = wire(deliver=False)
    _events(wired, 2)
    wired.device.heartbeat()
    slug = wired.site.slug
    (_e, one), (_e2, two), (_h, beat) = wired.published
    controller_message_receive(site_slug=slug, channel="events", raw_bytes=one)
    # Of these, 5 are the door event applied through lockers.services (receivers.py).
    with django_assert_max_num_queries(26):
        controller_message_receive(site_slug=slug, channel="events", raw_bytes=two)
    with django_assert_max_num_queries(8):
        controller_message_receive(site_slug=slug, channel="heartbeat", raw_bytes=beat)


def test_locker_key_provisions_and_rotates(make_site):
    from io import StringIO

    from django.core.management import call_command

    site = make_site()
    out = StringIO()
    call_command("locker_key", site.slug, "--create", stdout=out)
    call_command("locker_key", site.slug, "--create", stdout=out)
    call_command("locker_key", site.slug, "--promote", "k2", stdout=out)
    out = StringIO()
    call_command("locker_key", site.slug, "--retire", "k1", stdout=out)
    assert out.getvalue().splitlines() == ["k1\tretired", "k2\tprimary"]


def test_the_periodic_task_is_scheduled_and_runs(settings, wire):
    from lockers.controller_tasks import controllers_maintain

    entry = settings.CELERY_BEAT_SCHEDULE["lockers-controllers-maintain"]
    assert entry["task"] == controllers_maintain.name
    assert entry["schedule"] <= 5
    controllers_maintain.delay()


def test_sites_online_are_found_in_one_query(wire, django_assert_num_queries):
    online, offline = wire(), wire()
    _online(online)
    with django_assert_num_queries(1):
        found = site_ids_online([online.site.id, offline.site.id])
    assert found == {online.site.id}


def test_a_broker_that_cannot_be_reached_leaves_the_command_pending(
    wire, device_transport, settings
):
    settings.LOCKERS_COMMAND_WAIT_SECONDS = 0
    wired = wire()
    _online(wired)

    def refused(**kwargs):
        raise ConnectionRefusedError("broker down")

    device_transport.command_publish = refused
    outcome = compartment_open(compartment=wired.site.compartments.first(), purpose="deposit")
    assert outcome.status == "pending"


@pytest.mark.parametrize("command", ["locker_sim", "locker_listen"])
def test_the_mqtt_commands_need_a_broker(settings, command, make_site):
    from django.core.management import CommandError, call_command

    settings.MQTT_URL = ""
    args = [make_site().slug] if command == "locker_sim" else []
    with pytest.raises(CommandError, match="MQTT_URL"):
        call_command(command, *args)
