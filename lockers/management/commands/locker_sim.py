"""`manage.py locker_sim SITE`: a locker controller over MQTT that follows
docs/locker-protocol.md, for demos and tests.

Its logic is `ControllerDevice` (lockers/controller_inprocess.py), which knows only the
protocol; this command connects it to the broker, closes doors after a delay, sends
heartbeats and keeps its event counter in a file, as a controller keeps it in flash.
"""

import json
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lockers import protocol
from lockers.controller_inprocess import ControllerDevice, DeviceOptions
from lockers.controller_transport import mqtt_address, mqtt_client


class SimulatorRunner:
    """A `ControllerDevice` on the broker: commands in, acks, events and heartbeats out."""

    def __init__(
        self,
        *,
        site: str,
        keys: dict[str, bytes],
        compartments: set[str],
        options: DeviceOptions | None = None,
        close_after: float = 2.0,
        heartbeat_every: float = protocol.HEARTBEAT_INTERVAL_SECONDS,
        root: str | None = None,
        state_file: Path | None = None,
        say: Any = None,
        client_id: str | None = None,
    ) -> None:
        self.root = root or settings.LOCKERS_MQTT_TOPIC_ROOT
        self.site = site
        self.close_after = close_after
        self.heartbeat_every = heartbeat_every
        self.state_file = state_file
        self.lock = threading.RLock()
        self.stopped = threading.Event()
        self.subscribed = threading.Event()
        self.say = say or (lambda _text: None)
        # What each command on the topic came to (ControllerDevice.message_receive).
        self.results: list[str] = []
        self.client = mqtt_client(client_id or f"uniqc-locker-{site}", clean_session=False)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *_args: self.subscribed.set()
        self.client.on_message = self._on_message
        self.device = ControllerDevice(
            site=site,
            keys=keys,
            compartments=compartments,
            publish=self._publish,
            options=options,
            last_seq=self._seq_load(),
            say=self.say,
        )
        self._timers: list[threading.Timer] = []

    def _seq_load(self) -> int:
        if self.state_file and self.state_file.exists():
            return int(json.loads(self.state_file.read_text())["last_seq"])
        return 0

    def _publish(self, channel: str, raw: bytes) -> None:
        if channel == protocol.CHANNEL_EVENTS and self.state_file:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            self.state_file.write_text(json.dumps({"last_seq": self.device.seq}))
        qos = 0 if channel == protocol.CHANNEL_HEARTBEAT else 1
        self.client.publish(protocol.topic(self.root, self.site, channel), raw, qos=qos)

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            self.say(f"broker refused the connection: {reason_code}")
            return
        client.subscribe(protocol.topic(self.root, self.site, protocol.CHANNEL_COMMANDS), qos=1)
        self.heartbeat()

    def _on_message(self, _client, _userdata, message) -> None:
        with self.lock:
            result = self.device.message_receive(message.payload)
            self.results.append(result)
        if result == "done" and self.close_after >= 0:
            label = json.loads(message.payload)["compartment"]
            timer = threading.Timer(self.close_after, self._door_close, args=[label])
            timer.daemon = True
            self._timers.append(timer)
            timer.start()

    def _door_close(self, label: str) -> None:
        with self.lock:
            if label in self.device.open_doors:
                self.device.door_close(label)

    def heartbeat(self) -> None:
        with self.lock:
            self.device.heartbeat()

    def _heartbeats(self) -> None:
        while not self.stopped.wait(self.heartbeat_every):
            self.heartbeat()

    def start(self) -> None:
        host, port = mqtt_address()
        self.client.connect(host, port, keepalive=30)
        self.client.loop_start()
        threading.Thread(target=self._heartbeats, daemon=True).start()

    def stop(self) -> None:
        self.stopped.set()
        for timer in self._timers:
            timer.cancel()
        self.client.loop_stop()
        self.client.disconnect()


class Command(BaseCommand):
    help = "Run a simulated locker controller for SITE over MQTT (docs/locker-protocol.md)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("site", help="the site's slug")
        parser.add_argument(
            "--key",
            action="append",
            default=[],
            metavar="KID:HEX",
            help="a key of the site (repeat for several); by default the site's keys",
        )
        parser.add_argument(
            "--compartments", default="", help="labels, comma-separated; by default the site's"
        )
        parser.add_argument(
            "--jam", action="append", default=[], metavar="LABEL", help="a door that jams"
        )
        parser.add_argument(
            "--lose-acks",
            type=int,
            default=0,
            help="execute this many commands without sending their first ack",
        )
        parser.add_argument(
            "--close-after",
            type=float,
            default=2.0,
            help="seconds before an opened door shuts (negative: never)",
        )
        parser.add_argument(
            "--offline", action="store_true", help="connect, but send nothing and obey nothing"
        )
        parser.add_argument("--heartbeat", type=float, default=protocol.HEARTBEAT_INTERVAL_SECONDS)
        parser.add_argument(
            "--state-file", default="", help="where the event counter is kept (var/locker_sim/)"
        )
        parser.add_argument("--client-id", default="", help="by default uniqc-locker-SITE")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.MQTT_URL:
            raise CommandError("MQTT_URL is not set: the in-process controller needs no simulator.")
        site = options["site"]
        keys = self._keys(site, options["key"])
        compartments = self._compartments(site, options["compartments"])
        state_file = Path(
            options["state_file"] or settings.BASE_DIR / "var" / "locker_sim" / f"{site}.json"
        )
        runner = SimulatorRunner(
            site=site,
            keys=keys,
            compartments=compartments,
            options=DeviceOptions(
                jammed=set(options["jam"]),
                acks_to_lose=options["lose_acks"],
                offline=options["offline"],
            ),
            close_after=options["close_after"],
            heartbeat_every=options["heartbeat"],
            state_file=state_file,
            say=lambda text: self.stdout.write(f"[{site}] {text}"),
            client_id=options["client_id"] or None,
        )
        # Whoever runs this command in a thread stops it with runner.stopped.set().
        self.runner = runner
        self.stdout.write(
            f"[{site}] controller on {settings.MQTT_URL}, "
            f"{protocol.topic(runner.root, site, '#')}, doors {', '.join(sorted(compartments))}"
        )
        runner.start()
        try:
            runner.stopped.wait()
        except KeyboardInterrupt:
            pass
        finally:
            runner.stop()

    def _keys(self, site: str, given: list[str]) -> dict[str, bytes]:
        if given:
            try:
                return {kid: bytes.fromhex(value) for kid, value in (k.split(":") for k in given)}
            except ValueError as exc:
                raise CommandError("--key is KID:HEX, 64 hex digits") from exc
        from lockers.controllers import site_keys_accepted
        from lockers.models import Site

        found = Site.objects.filter(slug=site).first()
        keys = site_keys_accepted(found) if found else {}
        if not keys:
            raise CommandError(f"{site} has no controller key; pass --key KID:HEX.")
        return keys

    def _compartments(self, site: str, given: str) -> set[str]:
        if given:
            return {label.strip() for label in given.split(",") if label.strip()}
        from lockers.models import Compartment

        labels = set(Compartment.objects.filter(site__slug=site).values_list("label", flat=True))
        if not labels:
            raise CommandError(f"{site} has no compartments; pass --compartments.")
        return labels
