"""How commands reach the locker controllers and their messages come back.

With MQTT_URL unset, the in-process transport: each site's controller is a
`ControllerDevice` in this process, commands are executed at once and its acks and events
go straight to `controllers.controller_message_receive`. With MQTT_URL set, commands are
published with paho-mqtt (one client per process, reused), and `MqttListener` (run by
`manage.py locker_listen`) hands the controllers' messages to the same function.
"""

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.conf import settings

from lockers import protocol

logger = logging.getLogger(__name__)

PUBLISH_TIMEOUT_SECONDS = 5.0


class Transport(Protocol):
    always_online: bool

    def command_publish(self, *, site_slug: str, payload: bytes, purpose: str = "") -> None: ...


def topic_root() -> str:
    return settings.LOCKERS_MQTT_TOPIC_ROOT


# --- In-process ----------------------------------------------------------------------


class InProcessTransport:
    """The embedded default: a controller per site in this process, always online.

    After an open it shuts the door at once, occupied for a deposit or a return and empty
    for a pickup or a retrieval, so the demo's flows run without hardware."""

    always_online = True

    def __init__(self) -> None:
        self._devices: dict[str, Any] = {}
        self._lock = threading.Lock()

    def device(self, site_slug: str) -> Any:
        from lockers.controller_inprocess import ControllerDevice
        from lockers.controllers import site_controller_setup

        keys, compartments, last_seq = site_controller_setup(site_slug)
        with self._lock:
            device = self._devices.get(site_slug)
            if device is None or device.keys != keys or device.compartments != compartments:
                device = ControllerDevice(
                    site=site_slug,
                    keys=keys,
                    compartments=compartments,
                    publish=lambda channel, raw: self._deliver(site_slug, channel, raw),
                    last_seq=last_seq,
                )
                self._devices[site_slug] = device
        return device

    def _deliver(self, site_slug: str, channel: str, raw: bytes) -> None:
        from lockers.controllers import controller_message_receive

        controller_message_receive(site_slug=site_slug, channel=channel, raw_bytes=raw)

    def command_publish(self, *, site_slug: str, payload: bytes, purpose: str = "") -> None:
        device = self.device(site_slug)
        result = device.message_receive(payload)
        if result == "done":
            message = protocol.parse(payload, protocol.CHANNEL_COMMANDS)
            occupied = purpose in ("deposit", "return")
            device.door_close(message["compartment"], occupied=occupied)

    def forget(self) -> None:
        with self._lock:
            self._devices.clear()


# --- MQTT ----------------------------------------------------------------------------


def mqtt_client(client_id: str = "", *, clean_session: bool = True, manual_ack: bool = False):
    """A paho client for MQTT_URL (not yet connected): MQTT 3.1.1, TLS for mqtts://."""
    import paho.mqtt.client as mqtt

    parts = urlsplit(settings.MQTT_URL)
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv311,
        clean_session=clean_session,
        manual_ack=manual_ack,
    )
    if parts.username:
        client.username_pw_set(parts.username, parts.password)
    if parts.scheme == "mqtts":
        client.tls_set()
    client.on_socket_open = _nodelay
    return client


def _nodelay(_client: Any, _userdata: Any, sock: Any) -> None:
    """No Nagle: a publish right after a PUBACK would otherwise wait for the broker's
    delayed TCP ack, 40 ms on Linux, on every command or ack."""
    if hasattr(sock, "setsockopt"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def mqtt_address() -> tuple[str, int]:
    parts = urlsplit(settings.MQTT_URL)
    return parts.hostname or "127.0.0.1", parts.port or (8883 if parts.scheme == "mqtts" else 1883)


class MqttTransport:
    """Publishes commands with QoS 1 through one paho client per process (made after a
    fork, never shared across one), connected on first use, its network loop in a thread."""

    always_online = False

    def __init__(self) -> None:
        self._client: Any = None
        self._pid = 0
        self._lock = threading.Lock()

    def _connected_client(self) -> Any:
        with self._lock:
            if self._client is None or self._pid != os.getpid():
                client = mqtt_client(f"uniqc-web-{uuid.uuid4().hex[:12]}")
                host, port = mqtt_address()
                client.connect(host, port, keepalive=30)  # OSError when the broker is down
                client.loop_start()
                self._client, self._pid = client, os.getpid()
            return self._client

    def command_publish(self, *, site_slug: str, payload: bytes, purpose: str = "") -> None:
        name = protocol.topic(topic_root(), site_slug, protocol.CHANNEL_COMMANDS)
        info = self._connected_client().publish(name, payload, qos=1)
        # QoS 1: paho keeps the message and sends it when connected; wait a little so a
        # broker that is down shows in the logs (the command is resent anyway).
        try:
            info.wait_for_publish(timeout=PUBLISH_TIMEOUT_SECONDS)
        except (RuntimeError, ValueError) as exc:
            logger.warning("locker command to %s not published: %s", site_slug, exc)

    def close(self) -> None:
        with self._lock:
            if self._client is not None and self._pid == os.getpid():
                self._client.loop_stop()
                self._client.disconnect()
            self._client = None


_inprocess = InProcessTransport()
_mqtt = MqttTransport()


def transport() -> Transport:
    """The transport the settings choose: MQTT when MQTT_URL is set, else in-process."""
    return _mqtt if settings.MQTT_URL else _inprocess


class MqttListener:
    """Subscribes to every site's acks, events and heartbeats and hands each message to
    `receive(site_slug=, channel=, raw_bytes=)`; the broker's PUBACK is sent only after
    it returns, so a message being handled when the process dies is delivered again."""

    def __init__(
        self,
        *,
        receive: Callable[..., Any],
        client_id: str,
        root: str | None = None,
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        self.root = root or topic_root()
        self.receive = receive
        self.on_ready = on_ready
        self.client = mqtt_client(client_id, clean_session=False, manual_ack=True)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect
        self.ready = threading.Event()

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            logger.error("locker listener: the broker refused the connection: %s", reason_code)
            return
        client.subscribe(
            [
                (protocol.topic(self.root, "+", channel), 1)
                for channel in protocol.CONTROLLER_CHANNELS
            ]
        )

    def _on_disconnect(self, *_args: Any) -> None:
        from django.db import connections

        # The network thread's own database connection; it reconnects on the next message.
        connections.close_all()

    def _on_subscribe(self, *_args: Any) -> None:
        self.ready.set()
        if self.on_ready:
            self.on_ready()

    def _on_message(self, client, _userdata, message) -> None:
        from django.db import close_old_connections

        parsed = protocol.topic_parse(self.root, message.topic)
        try:
            if parsed is not None:
                close_old_connections()
                site_slug, channel = parsed
                self.receive(site_slug=site_slug, channel=channel, raw_bytes=message.payload)
        except Exception:
            # Acknowledged anyway: the event row is kept and applied by the beat task.
            logger.exception("locker listener: message on %s not handled", message.topic)
        finally:
            client.ack(message.mid, message.qos)

    def start(self) -> None:
        """Connect and run the network loop in a thread (tests, benchmarks)."""
        self.client.on_subscribe = self._on_subscribe
        host, port = mqtt_address()
        self.client.connect(host, port, keepalive=30)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def run_forever(self) -> None:
        """Connect and handle messages until interrupted, reconnecting on its own."""
        self.client.on_subscribe = self._on_subscribe
        host, port = mqtt_address()
        self.client.connect(host, port, keepalive=30)
        self.client.loop_forever(retry_first_connection=True)
