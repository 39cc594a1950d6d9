"""The lockers' exceptions; each carries a stable `code` for logs and API clients."""

from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class LockersError(Exception):
    """Base class: a request the lockers refuse, with a message a person can read."""

    code = "lockers_error"
    message = _("This request cannot be completed.")
    http_status = 400

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message

    def problem_extensions(self) -> dict | None:
        """Members an API's problem document adds beside `code` and `detail` (none)."""
        return None


class ParcelTransitionRefused(LockersError):
    """A parcel asked to move where its current status does not lead."""

    code = "parcel_transition_refused"
    message = _("This parcel cannot do that from where it is now.")
    http_status = 409


class ReferenceTaken(LockersError):
    """Another parcel (another size or destination) already has this external reference."""

    code = "reference_taken"
    message = _("Another parcel already has this reference.")
    http_status = 409


class NoRoom(LockersError):
    """No compartment of the parcel's size is free (or unheld) at the site."""

    code = "no_room"
    message = _("This locker has no free compartment of that size.")
    http_status = 409


class NoRoomNearby(NoRoom):
    """The site is full and no open site within reach has room for a redirection."""

    code = "no_room_nearby"
    message = _("This locker is full and no locker nearby has room; bring the parcel back.")


class NotACourier(LockersError):
    code = "not_a_courier"
    message = _("Only the coop’s couriers carry parcels.")
    http_status = 403


class WrongSite(LockersError):
    """A deposit or retrieval at a site the parcel is not bound to (or not at)."""

    code = "wrong_site"
    message = _("This parcel does not belong at this locker.")
    http_status = 409


class AlreadyExtended(LockersError):
    code = "already_extended"
    message = _("This parcel has already been given its one extension.")
    http_status = 409


class PickupCodeRefused(LockersError):
    """A code that opens nothing at this site (wrong, already used, or expired)."""

    code = "pickup_code_refused"
    message = _("This code does not match a parcel waiting here. Check it and try again.")
    http_status = 400

    def __init__(self, message: str | None = None, *, attempts_left: int = 0) -> None:
        super().__init__(message)
        self.attempts_left = attempts_left

    def problem_extensions(self) -> dict | None:
        return {"attempts_left": self.attempts_left}


class KioskLocked(LockersError):
    """Too many wrong codes in a row: the kiosk refuses codes until `until`."""

    code = "kiosk_locked"
    http_status = 429

    def __init__(self, *, until: datetime) -> None:
        self.until = until
        super().__init__(
            gettext("Too many wrong codes. This kiosk accepts codes again at %(time)s.")
            % {"time": formats.time_format(timezone.localtime(until), "TIME_FORMAT")}
        )

    def problem_extensions(self) -> dict | None:
        return {"locked_until": self.until.isoformat()}


# --- The courier app and its API (issue 11, points 5 and 11) ----------------------------


class LabelRefused(LockersError):
    """A label that is not one the coop signed (forged, altered, or its key retired)."""

    code = "label_forged"
    message = _("This label is not one the coop printed; do not take the parcel.")
    http_status = 422

    def __init__(self, *, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def problem_extensions(self) -> dict | None:
        return {"reason": self.reason}


class ParcelUnknown(LockersError):
    """A code that names no parcel (a label's signature was good, or a code was typed)."""

    code = "parcel_unknown"
    message = _("No parcel has this code. Check the label and type it again.")
    http_status = 404


class ControllerUnreachable(LockersError):
    """The site's controller sent no heartbeat lately: the courier keeps the parcel."""

    code = "controller_offline"
    message = _("The locker is offline: keep the parcel and go to the next stop.")
    http_status = 503


class CourierScopeMissing(LockersError):
    """A bearer token that was not granted the `courier` scope."""

    code = "insufficient_scope"
    message = _("The access token was not granted the “courier” scope.")
    http_status = 403


# --- Kiosk pickups: the code was right, the door did not open -----------------------------


class KioskControllerOffline(LockersError):
    """The site's controller is offline: nothing was sent, and support was told."""

    code = "controller_offline"
    message = _("This locker cannot open right now; support has been told.")
    http_status = 503


class KioskCompartmentNotOpened(LockersError):
    """The controller drove the lock but the door did not open (jammed), or refused the
    command: the compartment is looked at by support, who was told."""

    code = "compartment_not_opened"
    message = _("This compartment did not open; support has been told.")
    http_status = 503

    def __init__(self, message: str | None = None, *, compartment: str = "") -> None:
        super().__init__(message)
        self.compartment = compartment

    def problem_extensions(self) -> dict | None:
        return {"compartment": self.compartment}
