"""Locker controller command round trip over Mosquitto, beside bare paho round trips.

In one run, against MQTT_URL (default mqtt://127.0.0.1:1883):
- bare paho, one way: a QoS 1 publish until a subscriber receives it;
- bare paho, echo: publish, a second client answers on another topic, the first receives
  the answer (the same two broker hops as a command and its ack);
- `compartment_open`: record the command in PostgreSQL, sign, publish, the simulator
  (`locker_sim`'s runner) verifies and opens and acks, `locker_listen`'s listener verifies
  the ack and writes it, and compartment_open sees it (polling its row every 10 ms).
p50 and p95 in milliseconds over BENCH_ROUNDS (200) each. Never fails on speed.

A broker without `set_tcp_nodelay true` (Mosquitto's default is off) adds about 40 ms to
every reply that follows a PUBACK on the same connection (Nagle against delayed ACK): the
echo row shows it. Our own clients turn Nagle off.

Environment: BENCH_LOCKER_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/uniqc_bench_lockers, dropped and re-created),
MQTT_URL, BENCH_ROUNDS.
"""

import os
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.postgres import database_recreate, percentiles_ms  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_LOCKER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/uniqc_bench_lockers"
)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))


def bare_round_trips(root: str) -> tuple[list[float], list[float]]:
    """(one-way, echo) QoS 1 latencies with plain paho clients."""
    from lockers.controller_transport import mqtt_address, mqtt_client

    received = threading.Event()
    echoed = threading.Event()
    requester = mqtt_client(f"bench-req-{uuid.uuid4().hex[:8]}")
    responder = mqtt_client(f"bench-resp-{uuid.uuid4().hex[:8]}")

    def on_request(client, _userdata, message) -> None:
        if message.topic.endswith("/oneway"):
            received.set()
        else:
            client.publish(f"{root}/reply", message.payload, qos=1)

    responder.on_message = on_request
    requester.on_message = lambda *_args: echoed.set()
    for client, topics in ((responder, ["oneway", "request"]), (requester, ["reply"])):
        client.connect(*mqtt_address())
        client.loop_start()
        client.subscribe([(f"{root}/{name}", 1) for name in topics])
    time.sleep(0.5)
    one_way, echo = [], []
    for _ in range(ROUNDS):
        received.clear()
        start = time.perf_counter()
        requester.publish(f"{root}/oneway", b"x" * 300, qos=1)
        received.wait(5)
        one_way.append(time.perf_counter() - start)
        echoed.clear()
        start = time.perf_counter()
        requester.publish(f"{root}/request", b"x" * 300, qos=1)
        echoed.wait(5)
        echo.append(time.perf_counter() - start)
    for client in (requester, responder):
        client.loop_stop()
        client.disconnect()
    return one_way, echo


def command_round_trips() -> list[float]:
    from decimal import Decimal

    from django.conf import settings

    from lockers.controller_transport import MqttListener
    from lockers.controllers import (
        compartment_open,
        controller_key_create,
        controller_message_receive,
        site_is_online,
    )
    from lockers.management.commands.locker_sim import SimulatorRunner
    from lockers.services import compartments_ensure, site_upsert

    site, _created = site_upsert(
        slug="bench-site",
        name="Banc d’essai",
        host_kind="metro_station",
        host_name="Berri-UQAM",
        street_address="505, boulevard De Maisonneuve Est",
        locality="Montréal",
        postal_code="H2L 1Y4",
        latitude=Decimal("45.515"),
        longitude=Decimal("-73.561"),
        access_hours="Tous les jours",
    )
    compartments_ensure(site=site, counts={"S": 4})
    _key, secret = controller_key_create(site=site, acting_user=None)
    listener = MqttListener(
        receive=controller_message_receive, client_id=f"bench-listen-{uuid.uuid4().hex[:8]}"
    )
    listener.start()
    listener.ready.wait(5)
    runner = SimulatorRunner(
        site=site.slug,
        keys={_key.kid: bytes.fromhex(secret)},
        compartments=set(site.compartments.values_list("label", flat=True)),
        close_after=-1,
        client_id=f"bench-sim-{uuid.uuid4().hex[:8]}",
    )
    runner.start()
    runner.subscribed.wait(5)
    deadline = time.monotonic() + 5
    while not site_is_online(site) and time.monotonic() < deadline:
        time.sleep(0.02)
    compartment = site.compartments.first()
    samples = []
    statuses: dict[str, int] = {}
    for _ in range(ROUNDS):
        start = time.perf_counter()
        outcome = compartment_open(compartment=compartment, purpose="deposit")
        samples.append(time.perf_counter() - start)
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    runner.stop()
    listener.stop()
    print(f"  command outcomes: {statuses}; broker {settings.MQTT_URL}")
    return samples


def main() -> None:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("MQTT_URL", "mqtt://127.0.0.1:1883")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    database_recreate(DATABASE_URL)
    run = uuid.uuid4().hex[:8]
    os.environ["LOCKERS_MQTT_TOPIC_ROOT"] = f"bench-{run}/lockers/v1"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    one_way, echo = bare_round_trips(f"bench-{run}/bare")
    commands = command_round_trips()
    print(f"{'round trip over Mosquitto (QoS 1)':<52} {'p50 ms':>8} {'p95 ms':>8}")
    for name, samples in (
        ("bare paho publish → subscriber", one_way),
        ("bare paho publish → echo → back", echo),
        ("compartment_open → simulator → ack (DB, HMAC)", commands),
    ):
        p50, p95 = percentiles_ms(samples)
        print(f"{name:<52} {p50:>8.2f} {p95:>8.2f}")
    print(f"({ROUNDS} rounds each)")
    if percentiles_ms(echo)[0] > 20:
        print("the echo takes > 20 ms: the broker has Nagle on (mosquitto: set_tcp_nodelay true)")


if __name__ == "__main__":
    main()
