"""Two listeners receiving the same events at the same moment apply each once, in order
(PostgreSQL, real connections)."""

import threading

import pytest
from django.db import connection

from lockers.controller_signals import compartment_door_event
from lockers.controllers import controller_message_receive
from lockers.models import ControllerEvent, ControllerStatus

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_concurrent_duplicate_deliveries_apply_each_event_once_in_order(postgresql_only, wire):
    wired = wire(deliver=False)
    for _ in range(12):
        wired.device.door_close("A01")
    events = wired.events()
    slug = wired.site.slug
    applied: list[int] = []
    lock = threading.Lock()

    def record(sender, *, sequence, **kwargs):
        with lock:
            applied.append(sequence)

    compartment_door_event.connect(record, weak=False)
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def listener(order: list[bytes]) -> None:
        try:
            barrier.wait(5)
            for raw in order:
                controller_message_receive(site_slug=slug, channel="events", raw_bytes=raw)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    orders = [events, list(reversed(events)), events[::2] + events[1::2]]
    threads = [threading.Thread(target=listener, args=[order]) for order in orders]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        compartment_door_event.disconnect(record)
    assert errors == []
    # A receiver's write is rolled back with a lost claim, so record only what committed:
    # every event applied once, in order.
    assert ControllerStatus.objects.get(site=wired.site).last_applied_sequence == 12
    assert ControllerEvent.objects.filter(applied_at__isnull=False).count() == 12
    assert sorted(set(applied)) == list(range(1, 13))
    assert applied == sorted(applied)
