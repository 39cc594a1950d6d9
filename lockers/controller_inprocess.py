"""A locker controller that follows docs/locker-protocol.md and nothing else.

`ControllerDevice` holds a controller's state (its keys, executed commands, event
sequence and history) and speaks only in protocol bytes through a `publish` callable, so
the same class is the embedded in-process controller, the `locker_sim` simulator over
MQTT, and a test double with no broker. It imports no Django.
"""

import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lockers import protocol

Publish = Callable[[str, bytes], None]


@dataclass
class ExecutedCommand:
    expires_at: int
    ack: bytes


@dataclass
class DeviceOptions:
    """What the simulator can make go wrong."""

    # Compartments whose lock is driven but whose door does not open.
    jammed: set[str] = field(default_factory=set)
    # Execute this many commands without publishing their first ack (the ack is "lost").
    acks_to_lose: int = 0
    # No heartbeats, and commands are ignored (the site's network is down).
    offline: bool = False


class ControllerDevice:
    """One site's controller. Call `message_receive` with what arrives on the commands
    topic; it publishes acks, events and heartbeats through `publish(channel, bytes)`."""

    def __init__(
        self,
        *,
        site: str,
        keys: Mapping[str, bytes],
        compartments: Iterable[str],
        publish: Publish,
        signing_kid: str | None = None,
        clock: Callable[[], float] = time.time,
        options: DeviceOptions | None = None,
        last_seq: int = 0,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.site = site
        self.keys = dict(keys)
        self.signing_kid = signing_kid or list(self.keys)[-1]
        self.compartments = set(compartments)
        self.publish = publish
        self.clock = clock
        self.options = options or DeviceOptions()
        self.boot_at = int(clock())
        self.seq = last_seq
        self.executed: dict[str, ExecutedCommand] = {}
        self.history: deque[tuple[int, bytes]] = deque(maxlen=protocol.EVENT_HISTORY_MIN)
        # What each compartment holds, as its sensor would see it.
        self.occupied: dict[str, bool] = dict.fromkeys(self.compartments, False)
        self.opened_count: dict[str, int] = dict.fromkeys(self.compartments, 0)
        self.open_doors: dict[str, str] = {}
        self.say = say or (lambda _text: None)

    # --- what the controller sends -----------------------------------------------------

    def _now(self) -> int:
        return int(self.clock())

    def _signed(self, message: dict[str, Any]) -> bytes:
        body = {"type": message.pop("type"), "site": self.site, "kid": self.signing_kid}
        body.update(message)
        return protocol.encode(protocol.sign(self.keys[self.signing_kid], body))

    def heartbeat(self) -> None:
        if self.options.offline:
            return
        raw = self._signed({"type": "heartbeat", "at": self._now(), "last_seq": self.seq})
        self.publish(protocol.CHANNEL_HEARTBEAT, raw)

    def _event(self, kind: str, compartment: str, occupied: bool | None, command_id: str) -> None:
        self.seq += 1
        raw = self._signed(
            {
                "type": "event",
                "seq": self.seq,
                "kind": kind,
                "compartment": compartment,
                "occupied": occupied,
                "command_id": command_id,
                "at": self._now(),
            }
        )
        self.history.append((self.seq, raw))
        self.say(f"event {self.seq}: {compartment} {kind}")
        self.publish(protocol.CHANNEL_EVENTS, raw)

    def _ack(self, command_id: str, result: str, reason: str = "") -> bytes:
        return self._signed(
            {
                "type": "ack",
                "command_id": command_id,
                "result": result,
                "reason": reason,
                "at": self._now(),
            }
        )

    def _refuse(self, command_id: str, reason: str) -> None:
        self.say(f"refused {command_id}: {reason}")
        self.publish(protocol.CHANNEL_ACKS, self._ack(command_id, "refused", reason))

    def door_close(self, compartment: str, *, occupied: bool | None = None) -> None:
        """The door of `compartment` shuts; its sensor sees `occupied` (by default, the
        opposite of before: a courier put a parcel in, or a shopper took it out)."""
        command_id = self.open_doors.pop(compartment, "")
        if occupied is None:
            occupied = not self.occupied.get(compartment, False)
        self.occupied[compartment] = occupied
        self._event("closed", compartment, occupied, command_id)

    # --- what the controller receives ------------------------------------------------------

    def _forget_old(self, now: int) -> None:
        for command_id in [
            key
            for key, done in self.executed.items()
            if done.expires_at + protocol.CLOCK_SKEW_SECONDS < now
        ]:
            del self.executed[command_id]

    def message_receive(self, raw: bytes) -> str:
        """Handle one message of the commands topic by §4's rules; returns what was done
        ("done", "jammed", "duplicate", "refused:<reason>", "resync", "dropped")."""
        if self.options.offline:
            return "dropped"
        now = self._now()
        self._forget_old(now)
        try:
            message = protocol.parse(raw, protocol.CHANNEL_COMMANDS)
        except protocol.ProtocolError:
            return "dropped"
        command_id = message["id"]
        if message["site"] != self.site:
            return self._refused(message, "wrong_site")
        key = self.keys.get(message["kid"])
        if key is None:
            return self._refused(message, "unknown_key")
        if not protocol.signature_valid(key, message):
            return self._refused(message, "bad_signature")
        if message["type"] == "resync":
            if message["expires_at"] > now:
                self.events_republish(message["from_seq"])
            return "resync"
        done = self.executed.get(command_id)
        if done is not None:
            self.say(f"duplicate {command_id}: ack again, door not opened")
            self.publish(protocol.CHANNEL_ACKS, done.ack)
            return "duplicate"
        if message["expires_at"] - message["issued_at"] > protocol.MAX_COMMAND_LIFETIME_SECONDS:
            return self._refused(message, "lifetime_too_long")
        if message["expires_at"] <= now:
            return self._refused(message, "expired")
        if message["issued_at"] > now + protocol.CLOCK_SKEW_SECONDS:
            return self._refused(message, "not_yet_valid")
        if message["issued_at"] < self.boot_at - protocol.CLOCK_SKEW_SECONDS:
            return self._refused(message, "issued_before_boot")
        if message["action"] != protocol.ACTION_OPEN:
            return self._refused(message, "unsupported_action")
        compartment = message["compartment"]
        if compartment not in self.compartments:
            return self._refused(message, "unknown_compartment")
        return self._open(command_id, compartment, message["expires_at"])

    def _refused(self, message: dict[str, Any], reason: str) -> str:
        if message["type"] == "command":
            self._refuse(message["id"], reason)
        return f"refused:{reason}"

    def _open(self, command_id: str, compartment: str, expires_at: int) -> str:
        result = "jammed" if compartment in self.options.jammed else "done"
        ack = self._ack(command_id, result)
        self.executed[command_id] = ExecutedCommand(expires_at=expires_at, ack=ack)
        self.opened_count[compartment] += 1
        self.say(f"open {compartment} ({command_id}): {result}")
        if self.options.acks_to_lose > 0:
            self.options.acks_to_lose -= 1
            self.say(f"ack of {command_id} lost")
        else:
            self.publish(protocol.CHANNEL_ACKS, ack)
        if result == "done":
            self.open_doors[compartment] = command_id
            self._event("opened", compartment, None, command_id)
        else:
            self._event("jammed", compartment, None, command_id)
        return result

    def events_republish(self, from_seq: int) -> int:
        """Publish again every kept event from `from_seq` on, in order (§5)."""
        count = 0
        for seq, raw in list(self.history):
            if seq >= from_seq:
                self.publish(protocol.CHANNEL_EVENTS, raw)
                count += 1
        self.say(f"resync from {from_seq}: {count} events again")
        return count
