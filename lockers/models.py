"""Locker sites and their compartments.

lockers knows nothing of orders: a higher app reserves a compartment through a lockers
service and refers to it by id.
"""

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from identity.geo import coordinate_constraints
from identity.validators import validate_postal_code


class SizeClass(models.TextChoices):
    """Compartment sizes, after InPost's A, B and C (inside: height, width, depth)."""

    SMALL = "S", _("Small (8 × 38 × 64 cm)")  # noqa: RUF001
    MEDIUM = "M", _("Medium (19 × 38 × 64 cm)")  # noqa: RUF001
    LARGE = "L", _("Large (41 × 38 × 64 cm)")  # noqa: RUF001


# Inside dimensions in centimetres (height, width, depth) and the weight every size bears.
SIZE_CLASS_DIMENSIONS_CM: dict[str, tuple[int, int, int]] = {
    SizeClass.SMALL: (8, 38, 64),
    SizeClass.MEDIUM: (19, 38, 64),
    SizeClass.LARGE: (41, 38, 64),
}
# The letter of a compartment label, as InPost names its sizes.
SIZE_CLASS_LABEL_LETTER: dict[str, str] = {
    SizeClass.SMALL: "A",
    SizeClass.MEDIUM: "B",
    SizeClass.LARGE: "C",
}
MAX_PARCEL_WEIGHT_KG = 25


class HostKind(models.TextChoices):
    DESJARDINS = "desjardins", _("Desjardins branch")
    NATIONAL_BANK = "national_bank", _("National Bank branch")
    METRO_STATION = "metro_station", _("Metro station (STM)")
    OTHER = "other", _("Other host")


class Weekday(models.TextChoices):
    """Keys of `Site.opening_hours`, in the order of `datetime.weekday()`."""

    MONDAY = "mon", _("Monday")
    TUESDAY = "tue", _("Tuesday")
    WEDNESDAY = "wed", _("Wednesday")
    THURSDAY = "thu", _("Thursday")
    FRIDAY = "fri", _("Friday")
    SATURDAY = "sat", _("Saturday")
    SUNDAY = "sun", _("Sunday")


WEEKDAY_KEYS: list[str] = list(Weekday.values)
# "HH:MM" from 00:00 to 23:59; a closing time may also be 24:00 (midnight, end of day).
_TIME_RE = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")
END_OF_DAY = "24:00"


def opening_hours_errors(value: Any) -> list[str]:
    """Why `value` is not a valid opening-hours mapping (an empty list when it is).

    The mapping goes from a weekday key ("mon" … "sun") to a list of [open, close] pairs
    of "HH:MM" strings, open before close, sorted and not overlapping. An interval never
    crosses midnight: a metro station open until 1 h closes at "24:00" and opens again at
    "00:00" the next day. A day that is absent or empty is closed.
    """
    if not isinstance(value, dict):
        return [gettext("Opening hours must map weekdays to lists of intervals.")]
    errors: list[str] = []
    for day, intervals in value.items():
        if day not in WEEKDAY_KEYS:
            errors.append(
                gettext("%(day)s is not a weekday; use one of %(days)s.")
                % {"day": day, "days": ", ".join(WEEKDAY_KEYS)}
            )
            continue
        if not isinstance(intervals, list):
            errors.append(gettext("%(day)s: intervals must be a list.") % {"day": day})
            continue
        previous_close = ""
        for interval in intervals:
            if (
                not isinstance(interval, list | tuple)
                or len(interval) != 2
                or not all(isinstance(moment, str) for moment in interval)
            ):
                errors.append(
                    gettext('%(day)s: each interval is a pair such as ["06:00", "23:00"].')
                    % {"day": day}
                )
                break
            opens, closes = interval
            if not _TIME_RE.match(opens) or not (_TIME_RE.match(closes) or closes == END_OF_DAY):
                errors.append(
                    gettext("%(day)s: times are written HH:MM, from 00:00 to 24:00.") % {"day": day}
                )
                break
            if opens >= closes:
                errors.append(
                    gettext("%(day)s: %(opens)s–%(closes)s closes before it opens.")  # noqa: RUF001
                    % {"day": day, "opens": opens, "closes": closes}
                )
                break
            if opens < previous_close:
                errors.append(
                    gettext("%(day)s: intervals must be in order and must not overlap.")
                    % {"day": day}
                )
                break
            previous_close = closes
    return errors


class Site(models.Model):
    """A bank of lockers at a bank branch or a metro station, where shoppers pick up."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    host_kind = models.CharField(_("kind of host"), max_length=20, choices=HostKind.choices)
    host_name = models.CharField(
        _("host"),
        max_length=120,
        help_text=_("The branch or station that hosts the lockers."),
    )
    street_address = models.CharField(_("street address"), max_length=200)
    locality = models.CharField(_("city"), max_length=100)
    postal_code = models.CharField(
        _("postal code"), max_length=7, validators=[validate_postal_code]
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    access_hours = models.CharField(
        _("access hours"),
        max_length=200,
        help_text=_("As people read them, for example “Lun–ven 6 h – 23 h”."),  # noqa: RUF001
    )
    opening_hours = models.JSONField(
        _("opening hours"),
        default=dict,
        blank=True,
        help_text=_('Weekday → list of ["HH:MM", "HH:MM"] intervals; an absent day is closed.'),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("locker site")
        verbose_name_plural = _("locker sites")
        ordering = ["locality", "name", "id"]
        constraints = [
            *coordinate_constraints("lockers_site"),
            models.CheckConstraint(
                condition=models.Q(host_kind__in=HostKind.values),
                name="lockers_site_host_kind_valid",
            ),
        ]
        # The finder's bounding-box prefilter (selectors.sites_nearest).
        indexes = [models.Index(fields=["latitude", "longitude"], name="lockers_site_lat_lon")]
        # Couriers carry parcels between stores and every site (given to the courier
        # role by LockersConfig.ready).
        permissions = [("carry_parcels", _("Can carry parcels between stores and lockers"))]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = opening_hours_errors(self.opening_hours)
        if errors:
            raise ValidationError({"opening_hours": errors})

    def intervals_on(self, weekday: int) -> list[list[str]]:
        """The opening intervals on `weekday` (0 is Monday, as `date.weekday()`)."""
        return [list(pair) for pair in self.opening_hours.get(WEEKDAY_KEYS[weekday], [])]

    def is_open_at(self, moment: Any = None) -> bool:
        """True when the site is open at `moment` (aware; now by default), local time."""
        local = timezone.localtime(moment)
        hhmm = local.strftime("%H:%M")
        return any(opens <= hhmm < closes for opens, closes in self.intervals_on(local.weekday()))


class CompartmentState(models.TextChoices):
    AVAILABLE = "available", _("Available")
    RESERVED = "reserved", _("Reserved")
    OCCUPIED = "occupied", _("Occupied")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")


class Compartment(models.Model):
    """One door of a site's lockers, of one size class, in one state."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="compartments", verbose_name=_("site")
    )
    label = models.CharField(
        _("label"),
        max_length=8,
        validators=[
            RegexValidator(
                r"^[A-Z][0-9]{2,3}$",
                _("A label is a capital letter and two or three digits, such as A01."),
            )
        ],
    )
    size_class = models.CharField(_("size"), max_length=1, choices=SizeClass.choices)
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=CompartmentState.choices,
        default=CompartmentState.AVAILABLE,
    )
    is_accessible = models.BooleanField(
        _("accessible"),
        default=False,
        help_text=_("Within reach from a wheelchair (door between 40 and 120 cm high)."),
    )

    class Meta:
        verbose_name = _("compartment")
        verbose_name_plural = _("compartments")
        ordering = ["site", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "label"], name="lockers_compartment_unique_label"
            ),
            models.CheckConstraint(
                condition=models.Q(size_class__in=SizeClass.values),
                name="lockers_compartment_size_class_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=CompartmentState.values),
                name="lockers_compartment_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} · {self.label}"


# --- Label signing keys ------------------------------------------------------------------


class LabelKeyAlg(models.TextChoices):
    ED25519 = "EdDSA", "Ed25519"


class LabelSigningKey(models.Model):
    """An Ed25519 key that signs parcel labels (lockers/label_keys.py), rotated like the
    OIDC keys: at most one staged key (published, not signing yet) and one active key;
    retired keys stay published until `not_after`, when no label they signed is in use."""

    kid = models.CharField(_("key identifier"), max_length=16, unique=True)
    alg = models.CharField(
        _("algorithm"), max_length=5, choices=LabelKeyAlg.choices, default=LabelKeyAlg.ED25519
    )
    # The raw 32-byte private key, encrypted (Fernet) under the first KEY_ENCRYPTION_KEY.
    private_key_sealed = models.TextField(editable=False)
    # The raw 32-byte public key, base64url without padding (the JWK's `x`).
    public_key = models.CharField(_("public key"), max_length=43, editable=False)
    # When it was staged (published).
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # When it began to sign; null while staged.
    promoted_at = models.DateTimeField(_("signs from"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    not_after = models.DateTimeField(_("published until"), null=True, blank=True)

    class Meta:
        verbose_name = _("label signing key")
        verbose_name_plural = _("label signing keys")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alg"],
                condition=models.Q(promoted_at__isnull=False, retired_at__isnull=True),
                name="lockers_labelsigningkey_one_active",
            ),
            models.UniqueConstraint(
                fields=["alg"],
                condition=models.Q(promoted_at__isnull=True, retired_at__isnull=True),
                name="lockers_labelsigningkey_one_staged",
            ),
            models.CheckConstraint(
                condition=models.Q(retired_at__isnull=True) | models.Q(promoted_at__isnull=False),
                name="lockers_labelsigningkey_retired_after_signing",
            ),
            models.CheckConstraint(
                condition=models.Q(alg__in=LabelKeyAlg.values),
                name="lockers_labelsigningkey_alg_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alg} {self.kid}"


# --- Controllers ------------------------------------------------------------------------
# The locker controllers of docs/locker-protocol.md: each site's keys, the commands sent to
# it, the events it reported, and whether it is online.


class ControllerKey(models.Model):
    """A site's HMAC key (docs/locker-protocol.md §7). The primary key signs commands;
    every key not retired is accepted on the controller's messages. The secret is sealed
    with KEY_ENCRYPTION_KEY and opened to show it to the vendor when provisioning."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="controller_keys", verbose_name=_("site")
    )
    kid = models.CharField(_("key id"), max_length=32)
    secret_sealed = models.TextField(_("sealed secret"))
    is_primary = models.BooleanField(_("primary"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        verbose_name = _("controller key")
        verbose_name_plural = _("controller keys")
        ordering = ["site", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "kid"], name="lockers_controllerkey_unique_kid"
            ),
            models.UniqueConstraint(
                fields=["site"],
                condition=models.Q(is_primary=True),
                name="lockers_controllerkey_one_primary",
            ),
            models.CheckConstraint(
                condition=~models.Q(is_primary=True, retired_at__isnull=False),
                name="lockers_controllerkey_primary_not_retired",
            ),
            models.CheckConstraint(
                condition=models.Q(kid__regex=r"^[A-Za-z0-9_-]{1,32}$"),
                name="lockers_controllerkey_kid_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} · {self.kid}"


class CommandPurpose(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    PICKUP = "pickup", _("Pickup")
    RETRIEVAL = "retrieval", _("Retrieval")
    RETURN = "return", _("Return")
    SERVICE = "service", _("Service")


class CommandStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    REFUSED = "refused", _("Refused")
    EXPIRED = "expired", _("Expired")
    FAILED = "failed", _("Failed")


class ControllerCommand(models.Model):
    """An open command sent to a site's controller, resent until acknowledged or expired.

    Failed means the controller drove the lock and the door did not open (jammed)."""

    uuid = models.UUIDField(_("command id"), unique=True)
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="controller_commands", verbose_name=_("site")
    )
    compartment_label = models.CharField(_("compartment"), max_length=8)
    action = models.CharField(_("action"), max_length=20, default="open")
    purpose = models.CharField(_("purpose"), max_length=20, choices=CommandPurpose.choices)
    parcel_id = models.BigIntegerField(_("parcel"), null=True, blank=True)
    kid = models.CharField(_("key id"), max_length=32)
    issued_at = models.DateTimeField(_("issued"))
    expires_at = models.DateTimeField(_("expires"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CommandStatus.choices,
        default=CommandStatus.PENDING,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)
    next_send_at = models.DateTimeField(_("next send"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ack_result = models.CharField(_("answer"), max_length=20, blank=True)
    ack_reason = models.CharField(_("reason"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("controller command")
        verbose_name_plural = _("controller commands")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_send_at"],
                condition=models.Q(status="pending"),
                name="lockers_command_pending_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=CommandStatus.values),
                name="lockers_controllercommand_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(purpose__in=CommandPurpose.values),
                name="lockers_controllercommand_purpose_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(action="open"), name="lockers_controllercommand_action_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("issued_at")),
                name="lockers_controllercommand_expires_after_issue",
            ),
            # An answered command has its answer; a pending or expired one has none.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        status__in=["acknowledged", "refused", "failed"],
                        acknowledged_at__isnull=False,
                    )
                    & ~models.Q(ack_result="")
                )
                | models.Q(status__in=["pending", "expired"], acknowledged_at__isnull=True),
                name="lockers_controllercommand_answer_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} · {self.compartment_label} · {self.uuid}"


class ControllerEventKind(models.TextChoices):
    OPENED = "opened", _("Door opened")
    CLOSED = "closed", _("Door closed")
    JAMMED = "jammed", _("Door jammed")


class ControllerEvent(models.Model):
    """An event a site's controller reported; (site, sequence) is received once and
    applied once, in sequence order (applied_at set), or skipped after a lasting gap."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="controller_events", verbose_name=_("site")
    )
    sequence = models.PositiveBigIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=20, choices=ControllerEventKind.choices)
    compartment_label = models.CharField(_("compartment"), max_length=8)
    occupied = models.BooleanField(_("occupied"), null=True)
    command_uuid = models.UUIDField(_("command id"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("happened"))
    payload = models.JSONField(_("message"))
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)

    class Meta:
        verbose_name = _("controller event")
        verbose_name_plural = _("controller events")
        ordering = ["site", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "sequence"], name="lockers_controllerevent_unique_sequence"
            ),
            models.CheckConstraint(
                condition=models.Q(sequence__gte=1),
                name="lockers_controllerevent_sequence_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=ControllerEventKind.values),
                name="lockers_controllerevent_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} · #{self.sequence} {self.kind} {self.compartment_label}"


class ControllerStatus(models.Model):
    """What the server knows of a site's controller: its last heartbeat and the last
    event sequence applied (events apply in order, one after the other)."""

    site = models.OneToOneField(
        Site, on_delete=models.PROTECT, related_name="controller_status", verbose_name=_("site")
    )
    last_heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    # The controller's own clock in its last heartbeat (Unix seconds): a heartbeat not
    # later than this one is a replay.
    last_heartbeat_clock = models.BigIntegerField(_("controller clock"), default=0)
    last_applied_sequence = models.PositiveBigIntegerField(_("last applied event"), default=0)
    # The highest sequence the controller said it published (its heartbeat's last_seq).
    reported_sequence = models.PositiveBigIntegerField(_("last reported event"), default=0)
    gap_since = models.DateTimeField(_("missing events since"), null=True, blank=True)
    resync_requested_at = models.DateTimeField(_("resync requested"), null=True, blank=True)

    class Meta:
        verbose_name = _("controller status")
        verbose_name_plural = _("controller statuses")

    def __str__(self) -> str:
        return str(self.site)


# --- Parcels, reservations and custody (issue 11) ------------------------------------------


class ParcelStatus(models.TextChoices):
    """Where a parcel is, as carriers say it (InPost's statuses, FACTS.md). A redirection
    is an event (CustodyEvent), not a status: the parcel stays with the courier."""

    CREATED = "created", _("Created")
    RESERVED = "reserved", _("Room reserved")
    WITH_COURIER = "with_courier", _("With the courier")
    IN_LOCKER = "in_locker", _("In the locker")
    PICKED_UP = "picked_up", _("Picked up")
    EXPIRED = "expired", _("Not picked up in time")
    RETRIEVED = "retrieved", _("Taken back by the courier")
    RETURNED = "returned", _("Returned to the store")


# Statuses during which the parcel may occupy (or be going into) a compartment.
PARCEL_STATUSES_IN_COMPARTMENT = (
    ParcelStatus.WITH_COURIER,
    ParcelStatus.IN_LOCKER,
    ParcelStatus.EXPIRED,
)


class Parcel(models.Model):
    """One box, from the store's counter to the shopper's hands. lockers knows no orders:
    the caller names the parcel by its `external_reference`.

    `compartment` is set only while the parcel is in it or being put in it (a deposit in
    progress), so a partial unique constraint keeps one parcel per compartment.
    """

    public_code = models.CharField(
        _("public code"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^[0-9A-HJKMNP-TV-Z]{12}$")],
        help_text=_("Twelve Crockford base 32 characters, printed on the signed label."),
    )
    external_reference = models.CharField(_("external reference"), max_length=120, unique=True)
    size_class = models.CharField(_("size"), max_length=1, choices=SizeClass.choices)
    destination_site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        related_name="parcels_bound",
        verbose_name=_("destination site"),
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        related_name="parcels_here",
        null=True,
        blank=True,
        verbose_name=_("site where it is"),
        help_text=_("Set while the parcel is in a locker or going into one."),
    )
    compartment = models.ForeignKey(
        Compartment,
        on_delete=models.PROTECT,
        related_name="parcels",
        null=True,
        blank=True,
        verbose_name=_("compartment"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ParcelStatus.choices, default=ParcelStatus.CREATED
    )
    # HMAC-SHA256 of the 6-digit pickup code under a key derived from the secret and the
    # site (lockers.services.pickup_code_digest): a kiosk finds the parcel in one lookup.
    pickup_code_digest = models.CharField(_("pickup code digest"), max_length=64, blank=True)
    # Where a courier collects it: lockers knows no stores, so the caller says, in words
    # and coordinates for the courier's round.
    origin_name = models.CharField(_("collect from"), max_length=120, blank=True)
    origin_address = models.CharField(_("collection address"), max_length=300, blank=True)
    origin_latitude = models.DecimalField(
        _("collection latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    origin_longitude = models.DecimalField(
        _("collection longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # When it must be in its locker (the end of the shopper's 4 h or 24 h window).
    deliver_by = models.DateTimeField(_("in the locker by"), null=True, blank=True)
    # When the store packed and labelled it: from then on a courier collects it.
    ready_at = models.DateTimeField(_("ready for collection"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    placed_at = models.DateTimeField(_("placed in the locker"), null=True, blank=True)
    expires_at = models.DateTimeField(_("pickup deadline"), null=True, blank=True)
    extended = models.BooleanField(_("extended"), default=False)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(size_class__in=SizeClass.values),
                name="lockers_parcel_size_class_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ParcelStatus.values),
                name="lockers_parcel_status_valid",
            ),
            # A compartment holds one parcel, whatever two couriers do at once.
            models.UniqueConstraint(
                fields=["compartment"],
                condition=models.Q(compartment__isnull=False),
                name="lockers_parcel_one_per_compartment",
            ),
            models.CheckConstraint(
                condition=models.Q(compartment__isnull=True)
                | models.Q(status__in=PARCEL_STATUSES_IN_COMPARTMENT),
                name="lockers_parcel_compartment_only_while_inside",
            ),
            # One pickup code means one parcel at a site.
            models.UniqueConstraint(
                fields=["site", "pickup_code_digest"],
                condition=models.Q(status=ParcelStatus.IN_LOCKER),
                name="lockers_parcel_code_unique_per_site",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ParcelStatus.IN_LOCKER)
                | (
                    models.Q(compartment__isnull=False)
                    & models.Q(expires_at__isnull=False)
                    & ~models.Q(pickup_code_digest="")
                ),
                name="lockers_parcel_in_locker_has_code_and_deadline",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="lockers_parcel_status_expiry"),
        ]

    def __str__(self) -> str:
        return self.public_code


class ReservationWindow(models.TextChoices):
    EXPRESS = "express", _("Express (4 h)")
    STANDARD = "standard", _("Standard (24 h)")
    TARGET = "target", _("At a chosen time")


class ReservationState(models.TextChoices):
    HELD = "held", _("Held")
    USED = "used", _("Used by the deposit")
    LAPSED = "lapsed", _("Lapsed")
    RELEASED = "released", _("Released")


class Reservation(models.Model):
    """Room held at a site for one parcel until `expires_at`, like a locker vendor's
    reserve call. A held row past its expiry holds nothing; the beat marks it lapsed."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("site")
    )
    size_class = models.CharField(_("size"), max_length=1, choices=SizeClass.choices)
    parcel = models.ForeignKey(
        Parcel, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("parcel")
    )
    window = models.CharField(
        _("window"),
        max_length=10,
        choices=ReservationWindow.choices,
        default=ReservationWindow.STANDARD,
    )
    window_end = models.DateTimeField(_("end of the window"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=ReservationState.choices,
        default=ReservationState.HELD,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=ReservationState.values),
                name="lockers_reservation_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(window__in=ReservationWindow.values),
                name="lockers_reservation_window_valid",
            ),
            models.UniqueConstraint(
                fields=["parcel"],
                condition=models.Q(state=ReservationState.HELD),
                name="lockers_reservation_one_held_per_parcel",
            ),
        ]
        indexes = [
            models.Index(
                fields=["site", "size_class", "state", "expires_at"],
                name="lockers_reservation_room",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} · {self.size_class} · {self.state}"


class CustodyEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    RESERVED = "reserved", _("Room reserved")
    LABELLED = "labelled", _("Packed and labelled")
    PICKED_UP_FROM_STORE = "picked_up_from_store", _("Picked up at the store")
    DEPOSITED = "deposited", _("Deposit started")
    REDIRECTED = "redirected", _("Redirected")
    DOOR_OPENED = "door_opened", _("Door opened")
    DOOR_CLOSED = "door_closed", _("Door closed")
    PICKED_UP = "picked_up", _("Picked up")
    REMINDER = "reminder", _("Reminder sent")
    EXTENDED = "extended", _("Extended")
    EXPIRED = "expired", _("Expired")
    RETRIEVED = "retrieved", _("Retrieved")
    RETURNED = "returned", _("Returned to the store")
    EXCEPTION = "exception", _("Exception")


class CustodyActor(models.TextChoices):
    STORE = "store", _("Store")
    COURIER = "courier", _("Courier")
    KIOSK = "kiosk", _("Kiosk")
    CONTROLLER = "controller", _("Locker controller")
    SHOPPER = "shopper", _("Shopper")
    SUPPORT = "support", _("Support")
    SYSTEM = "system", _("System")


class CustodyEventQuerySet(models.QuerySet):
    """The chain of custody is append-only: rows are inserted, never changed or removed."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError("custody events are append-only")

    def delete(self) -> Any:
        raise TypeError("custody events are append-only")


class CustodyEvent(models.Model):
    """Who had a parcel, where and when; one row per custody change or door event."""

    parcel = models.ForeignKey(
        Parcel, on_delete=models.PROTECT, related_name="custody_events", verbose_name=_("parcel")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=CustodyEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(
        _("actor kind"), max_length=12, choices=CustodyActor.choices, default=CustodyActor.SYSTEM
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )
    compartment_label = models.CharField(_("compartment"), max_length=8, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = CustodyEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("custody event")
        verbose_name_plural = _("custody events")
        # The order they were recorded in is the order they happened: a controller
        # reports whole seconds, so its door events may carry an earlier `at` than the
        # scan recorded just before them.
        ordering = ["parcel", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=CustodyEventKind.values),
                name="lockers_custody_event_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(actor_label__in=CustodyActor.values),
                name="lockers_custody_event_actor_valid",
            ),
        ]
        indexes = [models.Index(fields=["parcel", "at", "id"], name="lockers_custody_timeline")]

    def __str__(self) -> str:
        return f"{self.parcel_id} · {self.kind} · {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("custody events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("custody events are append-only")


class KioskLockout(models.Model):
    """Wrong pickup codes typed in a row at a site's kiosk, and until when it is locked."""

    site = models.OneToOneField(
        Site, on_delete=models.PROTECT, related_name="kiosk_lockout", verbose_name=_("site")
    )
    failed_attempts = models.PositiveSmallIntegerField(_("wrong codes in a row"), default=0)
    last_failure_at = models.DateTimeField(_("last wrong code"), null=True, blank=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("kiosk lockout")
        verbose_name_plural = _("kiosk lockouts")

    def __str__(self) -> str:
        return f"{self.site} · {self.failed_attempts}"


# --- Kiosk devices ------------------------------------------------------------------------


class KioskDevice(models.Model):
    """The touch screen at a site where shoppers type or show their pickup code. It signs
    in with a secret made once by a coop admin (shown once, stored as a SHA-256 digest),
    which opens only its own site's compartments and can be revoked."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="kiosk_devices", verbose_name=_("site")
    )
    name = models.CharField(_("name"), max_length=80)
    secret_digest = models.CharField(_("secret digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        "identity.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("kiosk device")
        verbose_name_plural = _("kiosk devices")
        ordering = ["site", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(secret_digest__regex=r"^[0-9a-f]{64}$"),  # noqa: S106
                name="lockers_kioskdevice_digest_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} · {self.name}"
