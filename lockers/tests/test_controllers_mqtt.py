"""The controllers over the real Mosquitto: `locker_sim`'s runner and the listener in
threads, each test under its own topic root (services run only)."""

import threading
import time
import uuid
from collections.abc import Callable

import pytest
from django.conf import settings as django_settings

from lockers import protocol
from lockers.controller_inprocess import DeviceOptions
from lockers.controller_signals import compartment_door_event
from lockers.controller_transport import MqttListener, mqtt_address, mqtt_client
from lockers.controllers import (
    command_message,
    compartment_open,
    controller_key_create,
    controller_message_receive,
    site_is_online,
)
from lockers.management.commands.locker_sim import SimulatorRunner
from lockers.models import ControllerCommand

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture
def broker_site(settings, make_site):
    """A site with a key, the listener running, under a topic root of this test's own."""
    run = uuid.uuid4().hex[:10]
    settings.LOCKERS_MQTT_TOPIC_ROOT = f"test-{run}/lockers/v1"
    settings.LOCKERS_COMMAND_WAIT_SECONDS = 5
    site = make_site()
    _key, secret = controller_key_create(site=site, acting_user=None)
    listener = MqttListener(receive=controller_message_receive, client_id=f"test-listen-{run}")
    listener.start()
    assert listener.ready.wait(5)
    runners: list[SimulatorRunner] = []

    def simulator(**options) -> SimulatorRunner:
        runner = SimulatorRunner(
            site=site.slug,
            keys={"k1": bytes.fromhex(secret)},
            compartments=set(site.compartments.values_list("label", flat=True)),
            options=options.pop("device", None),
            close_after=options.pop("close_after", 0.05),
            client_id=f"test-sim-{run}",
            **options,
        )
        runner.start()
        runners.append(runner)
        assert runner.subscribed.wait(5)
        assert wait_until(lambda: site_is_online(site))
        return runner

    yield site, bytes.fromhex(secret), simulator
    for runner in runners:
        runner.stop()
    listener.stop()


def _publish_raw(site, raw: bytes) -> None:
    client = mqtt_client()
    client.connect(*mqtt_address())
    client.loop_start()
    name = protocol.topic(django_settings.LOCKERS_MQTT_TOPIC_ROOT, site.slug, "commands")
    client.publish(name, raw, qos=1).wait_for_publish(5)
    client.loop_stop()
    client.disconnect()


def test_a_door_opens_and_closes_through_the_broker(broker_site):
    site, _secret, simulator = broker_site
    seen: list[tuple] = []

    def door(sender, *, kind, compartment_label, occupied, sequence, **kwargs):
        seen.append((kind, compartment_label, occupied, sequence))

    compartment_door_event.connect(door, weak=False)
    try:
        runner = simulator()
        outcome = compartment_open(
            compartment=site.compartments.get(label="A01"), purpose="deposit"
        )
        assert outcome.status == "acknowledged"
        assert wait_until(lambda: len(seen) == 2)
        assert seen == [("opened", "A01", None, 1), ("closed", "A01", True, 2)]
        assert runner.device.opened_count["A01"] == 1
    finally:
        compartment_door_event.disconnect(door)


def test_a_lost_ack_over_the_broker_does_not_open_the_door_twice(broker_site):
    site, _secret, simulator = broker_site
    runner = simulator(device=DeviceOptions(acks_to_lose=1), close_after=-1)
    outcome = compartment_open(compartment=site.compartments.get(label="B01"), purpose="deposit")
    assert outcome.status == "acknowledged"
    assert ControllerCommand.objects.get(uuid=outcome.command_id).attempts == 2
    assert runner.device.opened_count["B01"] == 1
    assert runner.results == ["done", "duplicate"]


def test_the_simulator_refuses_replayed_expired_and_forged_commands(broker_site):
    site, secret, simulator = broker_site
    runner = simulator(close_after=-1)
    outcome = compartment_open(compartment=site.compartments.get(label="A02"), purpose="deposit")
    command = ControllerCommand.objects.get(uuid=outcome.command_id)
    _publish_raw(site, command_message(command))
    assert wait_until(lambda: len(runner.results) == 2)
    now = int(time.time())
    expired = {
        "type": "command",
        "site": site.slug,
        "kid": "k1",
        "id": str(uuid.uuid4()),
        "action": "open",
        "compartment": "A02",
        "issued_at": now - 120,
        "expires_at": now - 60,
    }
    _publish_raw(site, protocol.encode(protocol.sign(secret, expired)))
    forged = dict(expired, id=str(uuid.uuid4()), issued_at=now, expires_at=now + 60)
    _publish_raw(site, protocol.encode(protocol.sign(b"\x02" * 32, forged)))
    assert wait_until(lambda: len(runner.results) == 4)
    assert runner.results == ["done", "duplicate", "refused:expired", "refused:bad_signature"]
    assert runner.device.opened_count["A02"] == 1


def test_locker_sim_the_command_runs_a_controller(broker_site, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    from lockers.management.commands.locker_sim import Command

    site, secret, _simulator = broker_site
    command, out = Command(), StringIO()
    args = [site.slug, "--key", f"k1:{secret.hex()}", "--close-after", "0", "--jam", "C01"]
    args += [
        "--client-id",
        f"test-cmd-{uuid.uuid4().hex[:8]}",
        "--state-file",
        str(tmp_path / "sim.json"),
    ]
    thread = threading.Thread(target=call_command, args=[command, *args], kwargs={"stdout": out})
    thread.start()
    try:
        assert wait_until(lambda: site_is_online(site))
        outcome = compartment_open(
            compartment=site.compartments.get(label="C01"), purpose="deposit"
        )
        assert outcome.status == "jammed"
        outcome = compartment_open(
            compartment=site.compartments.get(label="A01"), purpose="deposit"
        )
        assert outcome.status == "acknowledged"
    finally:
        assert wait_until(lambda: hasattr(command, "runner"))
        command.runner.stopped.set()
        thread.join(10)
    assert "open C01" in out.getvalue()


def test_an_offline_simulator_makes_the_site_offline(broker_site):
    from lockers.controller_errors import ControllerOffline

    site, secret, _simulator = broker_site
    runner = SimulatorRunner(
        site=site.slug,
        keys={"k1": secret},
        compartments={"A01"},
        options=DeviceOptions(offline=True),
        client_id=f"test-off-{uuid.uuid4().hex[:8]}",
    )
    runner.start()
    try:
        assert runner.subscribed.wait(5)
        time.sleep(0.3)
        with pytest.raises(ControllerOffline):
            compartment_open(compartment=site.compartments.get(label="A01"), purpose="deposit")
    finally:
        runner.stop()
