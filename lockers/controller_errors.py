"""Exceptions of the locker controllers; each carries a stable `code` (move into
lockers/errors.py once that module exists)."""

from django.utils.translation import gettext_lazy as _


class ControllerError(Exception):
    """Base class: a locker controller could not do what was asked."""

    code = "controller_error"
    message = _("The locker could not be reached.")

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


class ControllerOffline(ControllerError):
    """The site sent no heartbeat within LOCKERS_CONTROLLER_OFFLINE_SECONDS: no command is
    sent, and the person at the door is told at once."""

    code = "controller_offline"
    message = _("This locker is offline right now; no door can be opened.")


class ControllerNotProvisioned(ControllerError):
    """The site has no controller key to sign commands with."""

    code = "controller_not_provisioned"
    message = _("This locker has no controller set up yet.")
