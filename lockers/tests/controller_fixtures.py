"""A site wired to a `ControllerDevice` with no broker: what the device publishes goes to
`controller_message_receive` (or is kept, for tests that deliver it themselves)."""

from dataclasses import dataclass, field

import pytest

from lockers import controller_transport, controllers
from lockers.controller_inprocess import ControllerDevice, DeviceOptions
from lockers.controllers import controller_key_create, controller_message_receive
from lockers.models import Site


class Clock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@dataclass
class Wired:
    site: Site
    device: ControllerDevice
    secret: bytes
    # (channel, raw bytes) the device published, in order.
    published: list[tuple[str, bytes]] = field(default_factory=list)
    # Results of controller_message_receive, in order.
    received: list[str] = field(default_factory=list)
    deliver: bool = True

    def events(self) -> list[bytes]:
        return [raw for channel, raw in self.published if channel == "events"]


class DeviceTransport:
    """A transport whose only site is the test's device; not always online."""

    always_online = False

    def __init__(self) -> None:
        self.wired: Wired | None = None
        self.sent: list[bytes] = []

    def command_publish(self, *, site_slug: str, payload: bytes, purpose: str = "") -> None:
        self.sent.append(payload)
        if self.wired is not None:
            self.wired.device.message_receive(payload)


@pytest.fixture
def inprocess(settings):
    """The embedded default: no MQTT_URL, a fresh in-process controller per test."""
    settings.MQTT_URL = ""
    controller_transport._inprocess.forget()
    yield controller_transport._inprocess
    controller_transport._inprocess.forget()


@pytest.fixture
def device_transport(monkeypatch):
    fake = DeviceTransport()
    monkeypatch.setattr(controllers, "transport", lambda: fake)
    return fake


@pytest.fixture
def wire(make_site, device_transport):
    """wire(options=..., deliver=True) → a Wired site whose controller is a device."""

    def make(*, options: DeviceOptions | None = None, deliver: bool = True) -> Wired:
        site = make_site()
        key, secret_hex = controller_key_create(site=site, acting_user=None)
        secret = bytes.fromhex(secret_hex)
        holder: dict[str, Wired] = {}

        def publish(channel: str, raw: bytes) -> None:
            wired = holder["w"]
            wired.published.append((channel, raw))
            if wired.deliver:
                wired.received.append(
                    controller_message_receive(site_slug=site.slug, channel=channel, raw_bytes=raw)
                )

        device = ControllerDevice(
            site=site.slug,
            keys={key.kid: secret},
            compartments=set(site.compartments.values_list("label", flat=True)),
            publish=publish,
            options=options,
        )
        wired = Wired(site=site, device=device, secret=secret, deliver=deliver)
        holder["w"] = wired
        device_transport.wired = wired
        return wired

    return make
