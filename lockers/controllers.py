"""The locker controllers as the rest of the app sees them (docs/locker-protocol.md).

`compartment_open` sends a signed open command and waits a moment for the answer;
`controller_message_receive` takes what a controller says (acks, door events,
heartbeats), checks its signature and applies it once, in order; `site_is_online` says
whether a site answered lately. The transport (MQTT or in-process) is chosen by settings.
"""

import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.fernet import MultiFernet
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Min, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from core.sealed import key_sealer
from identity.audit import audit_record
from lockers import protocol
from lockers.controller_errors import ControllerNotProvisioned, ControllerOffline
from lockers.controller_signals import compartment_door_event, compartment_jammed
from lockers.controller_transport import transport
from lockers.models import (
    CommandStatus,
    Compartment,
    ControllerCommand,
    ControllerEvent,
    ControllerKey,
    ControllerStatus,
    Site,
)

logger = logging.getLogger(__name__)

# A command with no ack is sent again after 1, 2, 4, 8, 16 s, then every 30 s.
RESEND_DELAYS_SECONDS = (1, 2, 4, 8, 16, 30)
# A gap in a site's events: a resync request after this long, then every this long...
EVENT_GAP_RESYNC_SECONDS = 10
# ...and the missing events are given up after this long.
EVENT_GAP_GIVE_UP_SECONDS = 300
RESYNC_TTL_SECONDS = 60
# How often compartment_open looks at the command's row while it waits for the ack
# (first, then at most).
WAIT_POLL_SECONDS = 0.01
WAIT_POLL_MAX_SECONDS = 0.1

OUTCOME_BY_STATUS = {
    CommandStatus.ACKNOWLEDGED: "acknowledged",
    CommandStatus.FAILED: "jammed",
    CommandStatus.REFUSED: "refused",
    CommandStatus.EXPIRED: "expired",
    CommandStatus.PENDING: "pending",
}
STATUS_BY_RESULT = {
    "done": CommandStatus.ACKNOWLEDGED,
    "jammed": CommandStatus.FAILED,
    "refused": CommandStatus.REFUSED,
}


@dataclass(frozen=True)
class CommandOutcome:
    """What became of an open command when compartment_open returned.

    status: "acknowledged" (the door opened), "jammed" (the lock was driven, the door did
    not open), "refused" (the controller refused it; `reason` says why), "expired", or
    "pending" (no answer yet; it is resent in the background until it expires)."""

    command_id: uuid.UUID
    status: str
    compartment_label: str
    reason: str = ""


# --- Keys ----------------------------------------------------------------------------


def _sealer() -> MultiFernet:
    return key_sealer()


def controller_key_secret(key: ControllerKey) -> bytes:
    """The 32 bytes of the key (show them as hex to the vendor when provisioning)."""
    return bytes.fromhex(_sealer().decrypt(key.secret_sealed.encode()).decode())


@transaction.atomic
def controller_key_create(
    *, site: Site, acting_user: Any, primary: bool | None = None
) -> tuple[ControllerKey, str]:
    """Give `site` a new random key; returns it with its secret in hex, to hand to the
    vendor. It is primary when asked, or when the site has no primary key yet."""
    kids = set(ControllerKey.objects.filter(site=site).values_list("kid", flat=True))
    number = len(kids) + 1
    while f"k{number}" in kids:
        number += 1
    if primary is None:
        primary = not ControllerKey.objects.filter(site=site, is_primary=True).exists()
    if primary:
        ControllerKey.objects.filter(site=site, is_primary=True).update(is_primary=False)
    secret = secrets.token_bytes(32).hex()
    key = ControllerKey.objects.create(
        site=site,
        kid=f"k{number}",
        secret_sealed=_sealer().encrypt(secret.encode()).decode(),
        is_primary=primary,
    )
    audit_record(
        acting_user=acting_user,
        action="controller_key.create",
        target=site,
        detail={"kid": key.kid, "primary": primary},
    )
    return key, secret


@transaction.atomic
def controller_key_promote(*, key: ControllerKey, acting_user: Any) -> ControllerKey:
    """Make `key` the one that signs the site's commands (§7 step 3)."""
    if key.retired_at is not None:
        raise ValueError("a retired key cannot sign")
    ControllerKey.objects.filter(site_id=key.site_id, is_primary=True).exclude(pk=key.pk).update(
        is_primary=False
    )
    ControllerKey.objects.filter(pk=key.pk).update(is_primary=True)
    key.is_primary = True
    audit_record(
        acting_user=acting_user,
        action="controller_key.promote",
        target=key.site,
        detail={"kid": key.kid},
    )
    return key


@transaction.atomic
def controller_key_retire(*, key: ControllerKey, acting_user: Any) -> ControllerKey:
    """Stop accepting `key` (§7 step 4); the primary key is never retired."""
    if key.is_primary:
        raise ValueError("promote another key before retiring the primary one")
    if ControllerKey.objects.filter(pk=key.pk, retired_at__isnull=True).update(
        retired_at=timezone.now()
    ):
        audit_record(
            acting_user=acting_user,
            action="controller_key.retire",
            target=key.site,
            detail={"kid": key.kid},
        )
    key.refresh_from_db()
    return key


def site_keys_accepted(site: Site) -> dict[str, bytes]:
    """The keys the site's messages may be signed with, oldest first, by key id."""
    return {
        key.kid: controller_key_secret(key)
        for key in ControllerKey.objects.filter(site=site, retired_at__isnull=True).order_by(
            "created_at", "id"
        )
    }


def site_controller_setup(site_slug: str) -> tuple[dict[str, bytes], set[str], int]:
    """What the in-process controller of a site is set up with: its keys (one is made if
    the site has none), its compartments and the last event sequence already applied."""
    site = Site.objects.get(slug=site_slug)
    if not ControllerKey.objects.filter(site=site, is_primary=True).exists():
        controller_key_create(site=site, acting_user=None)
    labels = set(Compartment.objects.filter(site=site).values_list("label", flat=True))
    status = ControllerStatus.objects.filter(site=site).first()
    last_seq = max(status.last_applied_sequence, status.reported_sequence) if status else 0
    return site_keys_accepted(site), labels, last_seq


# --- Online --------------------------------------------------------------------------


def site_is_online(site: Site, *, now: datetime | None = None) -> bool:
    """True when the site's controller sent an accepted heartbeat within
    LOCKERS_CONTROLLER_OFFLINE_SECONDS (the in-process controller is always online)."""
    if transport().always_online:
        return True
    now = now or timezone.now()
    last = (
        ControllerStatus.objects.filter(site=site)
        .values_list("last_heartbeat_at", flat=True)
        .first()
    )
    limit = timedelta(seconds=settings.LOCKERS_CONTROLLER_OFFLINE_SECONDS)
    return last is not None and last > now - limit


def site_ids_online(site_ids: list[int], *, now: datetime | None = None) -> set[int]:
    """The ids among `site_ids` whose controller is online, in one query (for lists)."""
    if transport().always_online:
        return set(site_ids)
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.LOCKERS_CONTROLLER_OFFLINE_SECONDS)
    return set(
        ControllerStatus.objects.filter(
            site_id__in=site_ids, last_heartbeat_at__gt=limit
        ).values_list("site_id", flat=True)
    )


# --- Commands ------------------------------------------------------------------------


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def _from_unix(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _resend_delay(attempts: int) -> timedelta:
    return timedelta(seconds=RESEND_DELAYS_SECONDS[min(attempts, len(RESEND_DELAYS_SECONDS)) - 1])


def _command_ttl_seconds() -> int:
    """LOCKERS_COMMAND_TTL_SECONDS, within what a controller accepts (1 to 300 s)."""
    return max(1, min(settings.LOCKERS_COMMAND_TTL_SECONDS, protocol.MAX_COMMAND_LIFETIME_SECONDS))


def _primary_key(site: Site) -> ControllerKey:
    key = ControllerKey.objects.filter(site=site, is_primary=True).first()
    if key is None:
        raise ControllerNotProvisioned()
    return key


def command_message(command: ControllerCommand) -> bytes:
    """The signed command as published; the same bytes on every resend."""
    key = ControllerKey.objects.get(site_id=command.site_id, kid=command.kid)
    message = {
        "type": "command",
        "site": command.site.slug,
        "kid": command.kid,
        "id": str(command.uuid),
        "action": command.action,
        "compartment": command.compartment_label,
        "issued_at": _unix(command.issued_at),
        "expires_at": _unix(command.expires_at),
    }
    return protocol.encode(protocol.sign(controller_key_secret(key), message))


def _command_send(command: ControllerCommand, *, now: datetime | None = None) -> bool:
    """Count one more attempt (a conditional UPDATE, so two senders never both send one
    attempt) and publish; no row is locked while publishing."""
    now = now or timezone.now()
    attempts = command.attempts + 1
    claimed = ControllerCommand.objects.filter(
        pk=command.pk, status=CommandStatus.PENDING, attempts=command.attempts
    ).update(attempts=attempts, last_sent_at=now, next_send_at=now + _resend_delay(attempts))
    if not claimed:
        return False
    command.attempts = attempts
    _publish(command)
    return True


def _publish(command: ControllerCommand) -> None:
    """Publish the command; a broker that cannot be reached is logged, and the command
    stays pending for the next resend."""
    try:
        transport().command_publish(
            site_slug=command.site.slug, payload=command_message(command), purpose=command.purpose
        )
    except OSError as exc:
        logger.warning("locker command %s not published: %s", command.uuid, exc)


def compartment_open(
    *, compartment: Compartment, purpose: str, parcel_id: int | None = None
) -> CommandOutcome:
    """Ask the site's controller to open `compartment` and wait up to
    LOCKERS_COMMAND_WAIT_SECONDS for its answer.

    Raises ControllerOffline at once when the site sent no heartbeat lately. The command is
    recorded and committed before it is published, so it must be called outside any
    transaction (no row may be locked while we talk to the controller); a command not
    answered in time stays pending and is resent in the background until it expires.
    """
    site = compartment.site
    if not site_is_online(site):
        raise ControllerOffline()
    if transport().always_online:
        site_controller_setup(site.slug)
    sent_at = timezone.now()
    issued_at = sent_at.replace(microsecond=0)
    with transaction.atomic(durable=True):
        key = _primary_key(site)
        command = ControllerCommand(
            uuid=uuid.uuid4(),
            site=site,
            compartment_label=compartment.label,
            purpose=purpose,
            parcel_id=parcel_id,
            kid=key.kid,
            issued_at=issued_at,
            expires_at=issued_at + timedelta(seconds=_command_ttl_seconds()),
            # The first send is counted here, in the same commit.
            attempts=1,
            last_sent_at=sent_at,
            next_send_at=sent_at + _resend_delay(1),
        )
        command.full_clean()
        command.save()
    _publish(command)
    deadline = time.monotonic() + settings.LOCKERS_COMMAND_WAIT_SECONDS
    pause = WAIT_POLL_SECONDS
    while True:
        command.refresh_from_db(
            fields=["status", "attempts", "next_send_at", "ack_result", "ack_reason"]
        )
        if command.status != CommandStatus.PENDING or time.monotonic() >= deadline:
            break
        if command.next_send_at is not None and command.next_send_at <= timezone.now():
            _command_send(command)
            continue
        time.sleep(pause)
        # An ack usually comes within tens of milliseconds; after that, look less often.
        pause = min(pause * 1.5, WAIT_POLL_MAX_SECONDS)
    return CommandOutcome(
        command_id=command.uuid,
        status=OUTCOME_BY_STATUS[CommandStatus(command.status)],
        compartment_label=command.compartment_label,
        reason=command.ack_reason,
    )


def controller_commands_resend(*, now: datetime | None = None) -> int:
    """Expire the pending commands past their expiry and resend those whose turn came;
    returns how many were sent."""
    now = now or timezone.now()
    ControllerCommand.objects.filter(status=CommandStatus.PENDING, expires_at__lte=now).update(
        status=CommandStatus.EXPIRED, next_send_at=None
    )
    due = ControllerCommand.objects.filter(
        status=CommandStatus.PENDING, next_send_at__lte=now
    ).select_related("site")
    return sum(1 for command in due[:500] if _command_send(command, now=now))


# --- What controllers say --------------------------------------------------------------


def _status_for(site: Site) -> ControllerStatus:
    status, _created = ControllerStatus.objects.get_or_create(site=site)
    return status


def controller_message_receive(
    *, site_slug: str, channel: str, raw_bytes: bytes, now: datetime | None = None
) -> str:
    """Verify and apply one message a controller published on `channel` of its site.

    Returns what happened: "applied", "held" (an event after a gap), "duplicate", or
    "rejected:<reason>" (unsigned, forged, malformed, replayed; logged, nothing changed).
    """
    now = now or timezone.now()
    site = Site.objects.filter(slug=site_slug).first()
    if site is None:
        logger.warning("locker message for unknown site %r dropped", site_slug)
        return "rejected:unknown_site"
    try:
        verified = protocol.parse_verified(raw_bytes, channel, site_keys_accepted(site))
    except protocol.ProtocolError as exc:
        logger.warning("locker message from %s on %s rejected: %s", site_slug, channel, exc)
        return f"rejected:{exc.reason}"
    message = verified.message
    if message["site"] != site_slug:
        logger.warning("locker message on %s names site %r", site_slug, message["site"])
        return "rejected:wrong_site"
    if message["type"] == "ack":
        return _ack_apply(site, message, now)
    if message["type"] == "event":
        return _event_receive(site, message, now)
    return _heartbeat_apply(site, message, now)


def _ack_apply(site: Site, message: dict[str, Any], now: datetime) -> str:
    """The first answer to a command counts; later copies change nothing. An ack of a
    command the server already expired still counts: the door did open."""
    updated = ControllerCommand.objects.filter(
        site=site,
        uuid=message["command_id"],
        status__in=[CommandStatus.PENDING, CommandStatus.EXPIRED],
    ).update(
        status=STATUS_BY_RESULT[message["result"]],
        acknowledged_at=now,
        ack_result=message["result"],
        ack_reason=message["reason"],
        next_send_at=None,
    )
    return "applied" if updated else "duplicate"


def _heartbeat_apply(site: Site, message: dict[str, Any], now: datetime) -> str:
    at = message["at"]
    if abs(at - now.timestamp()) > protocol.CLOCK_SKEW_SECONDS:
        logger.warning(
            "heartbeat of %s rejected: its clock is %s s off", site.slug, at - _unix(now)
        )
        return "rejected:clock"
    with transaction.atomic():
        status = _status_for(site)
        updated = ControllerStatus.objects.filter(pk=status.pk, last_heartbeat_clock__lt=at).update(
            last_heartbeat_at=now,
            last_heartbeat_clock=at,
            reported_sequence=Greatest(F("reported_sequence"), Value(message["last_seq"])),
        )
        if not updated:
            return "rejected:replayed"
        _gap_note(site, now)
    return "applied"


def _event_receive(site: Site, message: dict[str, Any], now: datetime) -> str:
    # One transaction (one commit) for the receipt and the events it lets through.
    with transaction.atomic():
        status = _status_for(site)
        # This UPDATE holds the status row's lock until commit: a site's events are
        # received one transaction at a time, and each sees the events committed before
        # it (else two receivers could each miss the other's event and both stop).
        ControllerStatus.objects.filter(pk=status.pk).update(
            reported_sequence=Greatest(F("reported_sequence"), Value(message["seq"]))
        )
        status.refresh_from_db(fields=["last_applied_sequence"])
        if message["seq"] <= status.last_applied_sequence:
            return "duplicate"
        try:
            with transaction.atomic():
                ControllerEvent.objects.create(
                    site=site,
                    sequence=message["seq"],
                    kind=message["kind"],
                    compartment_label=message["compartment"],
                    occupied=message["occupied"],
                    command_uuid=message["command_id"] or None,
                    occurred_at=_from_unix(message["at"]),
                    payload=message,
                    received_at=now,
                )
        except IntegrityError:
            return "duplicate"
        applied_up_to = _events_apply(site, now)
    return "applied" if applied_up_to >= message["seq"] else "held"


def _events_apply(site: Site, now: datetime) -> int:
    """Apply the site's received events that follow the last applied one, in order, each
    once: a conditional UPDATE of the last applied sequence claims each event. Returns the
    last sequence applied."""
    while True:
        last = ControllerStatus.objects.values_list("last_applied_sequence", flat=True).get(
            site=site
        )
        event = ControllerEvent.objects.filter(
            site=site, sequence=last + 1, applied_at__isnull=True
        ).first()
        if event is None:
            break
        claimed = 0
        try:
            with transaction.atomic():
                claimed = ControllerStatus.objects.filter(
                    site=site, last_applied_sequence=last
                ).update(last_applied_sequence=last + 1)
                if claimed:
                    ControllerEvent.objects.filter(pk=event.pk).update(applied_at=now)
                    _event_dispatch(site, event)
        except Exception:
            # The event stays received and unapplied (a gap); the periodic task tries again.
            logger.exception("locker site %s: event %s not applied", site.slug, event.sequence)
            break
        if claimed:
            last += 1
    _gap_note(site, now)
    return last


def _event_dispatch(site: Site, event: ControllerEvent) -> None:
    if event.kind == "jammed":
        compartment_jammed.send(
            sender=Site,
            site=site,
            compartment_label=event.compartment_label,
            at=event.occurred_at,
            sequence=event.sequence,
            command_id=event.command_uuid,
        )
        return
    compartment_door_event.send(
        sender=Site,
        site=site,
        compartment_label=event.compartment_label,
        kind=event.kind,
        occupied=event.occupied,
        at=event.occurred_at,
        sequence=event.sequence,
        command_id=event.command_uuid,
    )


def _gap_note(site: Site, now: datetime) -> None:
    """Remember since when events are missing (held events, or a heartbeat that reports
    more than was received), or forget it once the gap is filled."""
    status = ControllerStatus.objects.get(site=site)
    held = ControllerEvent.objects.filter(
        site=site, sequence__gt=status.last_applied_sequence, applied_at__isnull=True
    ).exists()
    gap = held or status.reported_sequence > status.last_applied_sequence
    if gap and status.gap_since is None:
        ControllerStatus.objects.filter(pk=status.pk, gap_since__isnull=True).update(gap_since=now)
    elif not gap and status.gap_since is not None:
        ControllerStatus.objects.filter(pk=status.pk).update(
            gap_since=None, resync_requested_at=None
        )


def _resync_publish(status: ControllerStatus, now: datetime) -> None:
    site = status.site
    key = _primary_key(site)
    issued_at = now.replace(microsecond=0)
    message = {
        "type": "resync",
        "site": site.slug,
        "kid": key.kid,
        "id": str(uuid.uuid4()),
        "from_seq": status.last_applied_sequence + 1,
        "issued_at": _unix(issued_at),
        "expires_at": _unix(issued_at) + RESYNC_TTL_SECONDS,
    }
    payload = protocol.encode(protocol.sign(controller_key_secret(key), message))
    transport().command_publish(site_slug=site.slug, payload=payload)


def controller_events_gaps_handle(*, now: datetime | None = None) -> int:
    """For each site missing events: ask the controller to resync every
    EVENT_GAP_RESYNC_SECONDS, and after EVENT_GAP_GIVE_UP_SECONDS skip the missing
    numbers (logged) and apply what was held. Returns how many sites were handled."""
    now = now or timezone.now()
    handled = 0
    for status in ControllerStatus.objects.filter(gap_since__isnull=False).select_related("site"):
        handled += 1
        # Held events whose receiver failed last time are tried again first.
        with transaction.atomic():
            _events_apply(status.site, now)
        status.refresh_from_db()
        if status.gap_since is None:
            continue
        if status.gap_since <= now - timedelta(seconds=EVENT_GAP_GIVE_UP_SECONDS):
            first_held = ControllerEvent.objects.filter(
                site=status.site,
                sequence__gt=status.last_applied_sequence,
                applied_at__isnull=True,
            ).aggregate(first=Min("sequence"))["first"]
            resume_after = first_held - 1 if first_held else status.reported_sequence
            logger.warning(
                "locker site %s: events %s to %s never came; given up",
                status.site.slug,
                status.last_applied_sequence + 1,
                resume_after,
            )
            ControllerStatus.objects.filter(
                pk=status.pk, last_applied_sequence=status.last_applied_sequence
            ).update(last_applied_sequence=resume_after, gap_since=None, resync_requested_at=None)
            _events_apply(status.site, now)
            continue
        resync_due = now - timedelta(seconds=EVENT_GAP_RESYNC_SECONDS)
        if status.gap_since <= resync_due and (
            status.resync_requested_at is None or status.resync_requested_at <= resync_due
        ):
            ControllerStatus.objects.filter(pk=status.pk).update(resync_requested_at=now)
            try:
                _resync_publish(status, now)
            except ControllerNotProvisioned:
                logger.warning("locker site %s has no key to ask for a resync", status.site.slug)
    return handled


def controllers_maintain(*, now: datetime | None = None) -> None:
    """The periodic work: resend and expire commands, chase missing events."""
    controller_commands_resend(now=now)
    controller_events_gaps_handle(now=now)
