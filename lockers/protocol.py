"""The locker controller protocol of docs/locker-protocol.md, with no Django and no I/O.

Every message is a flat JSON object; its signature is HMAC-SHA256, under the site's key,
of a canonical string: fixed lines in a fixed order joined by "\\n" (see `canonical_bytes`).
Both the server and the simulator (and any vendor's controller) build the same bytes.
"""

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PROTOCOL_TAG = "uniqc-locker-v1"
PROTOCOL_VERSION = 1
MAX_PAYLOAD_BYTES = 1024
# Only a flat object: one level of braces, no arrays.
MAX_DEPTH = 1

CHANNEL_COMMANDS = "commands"
CHANNEL_ACKS = "acks"
CHANNEL_EVENTS = "events"
CHANNEL_HEARTBEAT = "heartbeat"
CONTROLLER_CHANNELS = (CHANNEL_ACKS, CHANNEL_EVENTS, CHANNEL_HEARTBEAT)
DEFAULT_TOPIC_ROOT = "uniqc/lockers/v1"

HEARTBEAT_INTERVAL_SECONDS = 30
OFFLINE_AFTER_SECONDS = 90
# A command lives at most this long (expires_at - issued_at); a controller refuses longer.
MAX_COMMAND_LIFETIME_SECONDS = 300
# How far apart the two clocks may be (NTP on both sides).
CLOCK_SKEW_SECONDS = 30
# A controller keeps at least this many past events for a resync request.
EVENT_HISTORY_MIN = 256

ACTION_OPEN = "open"
ACK_RESULTS = ("done", "jammed", "refused")
REFUSAL_REASONS = (
    "bad_signature",
    "unknown_key",
    "expired",
    "not_yet_valid",
    "lifetime_too_long",
    "issued_before_boot",
    "wrong_site",
    "unknown_compartment",
    "unsupported_action",
    "malformed",
)
EVENT_KINDS = ("opened", "closed", "jammed")

# Fields of every message type, in the order they are signed (after the tag line).
SIGNED_FIELDS: dict[str, tuple[str, ...]] = {
    "command": (
        "type",
        "site",
        "kid",
        "id",
        "action",
        "compartment",
        "issued_at",
        "expires_at",
    ),
    "resync": ("type", "site", "kid", "id", "from_seq", "issued_at", "expires_at"),
    "ack": ("type", "site", "kid", "command_id", "result", "reason", "at"),
    "event": ("type", "site", "kid", "seq", "kind", "compartment", "occupied", "command_id", "at"),
    "heartbeat": ("type", "site", "kid", "at", "last_seq"),
}
# Which message types travel on which channel.
CHANNEL_TYPES: dict[str, tuple[str, ...]] = {
    CHANNEL_COMMANDS: ("command", "resync"),
    CHANNEL_ACKS: ("ack",),
    CHANNEL_EVENTS: ("event",),
    CHANNEL_HEARTBEAT: ("heartbeat",),
}

_SITE_RE = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_KID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_COMPARTMENT_RE = re.compile(r"^[A-Z][0-9]{2,3}$")
_SIG_RE = re.compile(r"^[0-9a-f]{64}$")
_MAX_INT = 2**53 - 1


class ProtocolError(ValueError):
    """A message that does not follow the protocol; `reason` is one of REFUSAL_REASONS."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def topic(root: str, site: str, channel: str) -> str:
    """The MQTT topic of `site`'s `channel`: <root>/<site>/<channel>."""
    return f"{root}/{site}/{channel}"


def topic_parse(root: str, name: str) -> tuple[str, str] | None:
    """(site, channel) of a topic under `root`, or None when it is not one of ours."""
    prefix = root + "/"
    if not name.startswith(prefix):
        return None
    parts = name[len(prefix) :].split("/")
    if len(parts) != 2 or not _SITE_RE.match(parts[0]) or parts[1] not in CHANNEL_TYPES:
        return None
    return parts[0], parts[1]


def _line(name: str, value: Any) -> str:
    """One field as a line of the canonical string (§6)."""
    if name == "occupied":
        return {True: "1", False: "0", None: "-"}[value]
    if isinstance(value, bool):
        raise ProtocolError("malformed", f"{name} must not be a boolean")
    return str(value)


def canonical_bytes(message: Mapping[str, Any]) -> bytes:
    """The exact bytes that are signed: the tag, then each signed field of the message's
    type in order, as text, joined by a line feed, no trailing line feed, ASCII."""
    message_type = message["type"]
    fields = SIGNED_FIELDS[message_type]
    lines = [PROTOCOL_TAG] + [_line(name, message[name]) for name in fields]
    return "\n".join(lines).encode("ascii")


def signature(key: bytes, message: Mapping[str, Any]) -> str:
    """Lowercase hex HMAC-SHA256 of the message's canonical bytes under `key`."""
    return hmac.new(key, canonical_bytes(message), hashlib.sha256).hexdigest()


def sign(key: bytes, message: Mapping[str, Any]) -> dict[str, Any]:
    """The message with "v" and "sig" set."""
    signed = {"v": PROTOCOL_VERSION, **{k: v for k, v in message.items() if k != "sig"}}
    signed["sig"] = signature(key, signed)
    return signed


def encode(message: Mapping[str, Any]) -> bytes:
    """Compact JSON of a signed message (any JSON encoding is accepted when read)."""
    return json.dumps(message, separators=(",", ":"), sort_keys=False).encode("utf-8")


def signature_valid(key: bytes, message: Mapping[str, Any]) -> bool:
    """True when the message's "sig" is its HMAC under `key` (constant-time compare)."""
    return hmac.compare_digest(signature(key, message), str(message.get("sig", "")))


def _depth_check(raw: bytes) -> None:
    """Refuse nesting deeper than MAX_DEPTH before the JSON parser recurses into it."""
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x7B, 0x5B):  # { [
            depth += 1
            if depth > MAX_DEPTH:
                raise ProtocolError("malformed", "nested objects or arrays")
        elif byte in (0x7D, 0x5D):
            depth -= 1


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ProtocolError("malformed", f"duplicate field {name}")
        result[name] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise ProtocolError("malformed", f"{name} is not JSON")


def _refuse_float(text: str) -> Any:
    raise ProtocolError("malformed", "numbers are integers")


def _string(message: Mapping[str, Any], name: str, pattern: re.Pattern[str] | None) -> None:
    value = message.get(name)
    if not isinstance(value, str) or (pattern is not None and not pattern.match(value)):
        raise ProtocolError("malformed", f"{name} is missing or invalid")


def _integer(message: Mapping[str, Any], name: str, minimum: int = 0) -> None:
    value = message.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= _MAX_INT:
        raise ProtocolError("malformed", f"{name} must be an integer ≥ {minimum}")


def _one_of(message: Mapping[str, Any], name: str, values: tuple[str, ...]) -> None:
    if message.get(name) not in values:
        raise ProtocolError("malformed", f"{name} must be one of {', '.join(values)}")


def _fields_check(message: Mapping[str, Any]) -> None:
    kind = message["type"]
    _string(message, "site", _SITE_RE)
    _string(message, "kid", _KID_RE)
    if kind in ("command", "resync"):
        _string(message, "id", _UUID_RE)
        _integer(message, "issued_at")
        _integer(message, "expires_at")
    if kind == "command":
        _string(message, "action", re.compile(r"^[a-z_]{1,20}$"))
        _string(message, "compartment", _COMPARTMENT_RE)
    elif kind == "resync":
        _integer(message, "from_seq", 1)
    elif kind == "ack":
        _string(message, "command_id", _UUID_RE)
        _one_of(message, "result", ACK_RESULTS)
        if message["result"] == "refused":
            _one_of(message, "reason", REFUSAL_REASONS)
        elif message.get("reason") != "":
            raise ProtocolError("malformed", "reason is empty unless refused")
        _integer(message, "at")
    elif kind == "event":
        _integer(message, "seq", 1)
        _one_of(message, "kind", EVENT_KINDS)
        _string(message, "compartment", _COMPARTMENT_RE)
        if message.get("occupied", 0) not in (True, False, None) or "occupied" not in message:
            raise ProtocolError("malformed", "occupied is true, false or null")
        command_id = message.get("command_id")
        if command_id != "":
            _string(message, "command_id", _UUID_RE)
        _integer(message, "at")
    elif kind == "heartbeat":
        _integer(message, "at")
        _integer(message, "last_seq")


def parse(raw: bytes, channel: str) -> dict[str, Any]:
    """The message in `raw`, checked for size, depth, types and field formats (not for
    its signature): a flat JSON object of a type that travels on `channel`."""
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise ProtocolError("malformed", f"larger than {MAX_PAYLOAD_BYTES} bytes")
    _depth_check(raw)
    try:
        message = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_constant=_refuse_constant,
            parse_float=_refuse_float,
        )
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ProtocolError("malformed", "not UTF-8 JSON") from exc
    if not isinstance(message, dict):
        raise ProtocolError("malformed", "not an object")
    if message.get("v") != PROTOCOL_VERSION:
        raise ProtocolError("malformed", "unknown protocol version")
    if message.get("type") not in CHANNEL_TYPES.get(channel, ()):
        raise ProtocolError("malformed", f"type is not one that travels on {channel}")
    _fields_check(message)
    _string(message, "sig", _SIG_RE)
    return message


@dataclass(frozen=True)
class Verified:
    """A parsed message whose signature checked out under key `kid`."""

    message: dict[str, Any]
    kid: str


def parse_verified(raw: bytes, channel: str, keys: Mapping[str, bytes]) -> Verified:
    """Parse `raw` and check its signature under the key its "kid" names among `keys`."""
    message = parse(raw, channel)
    key = keys.get(message["kid"])
    if key is None:
        raise ProtocolError("unknown_key", message["kid"])
    if not signature_valid(key, message):
        raise ProtocolError("bad_signature")
    return Verified(message=message, kid=message["kid"])
