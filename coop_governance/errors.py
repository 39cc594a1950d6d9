"""The governance app's exceptions; each carries a stable `code` for logs and API clients."""

from django.utils.translation import gettext_lazy as _


class GovernanceError(Exception):
    """Base class: a request the coop's rules refuse, with a message a person can read."""

    code = "governance_error"
    message = _("This request cannot be completed.")

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


class BylawsMissing(GovernanceError):
    code = "bylaws_missing"
    message = _("The coop has no by-laws in force yet.")


class NotAMember(GovernanceError):
    code = "not_a_member"
    message = _("Only an active member of the coop can do this.")


class AssuranceTooLow(GovernanceError):
    """The session's assurance is below what the by-laws ask for this act."""

    code = "assurance_too_low"
    message = _("The by-laws ask you to sign in with more assurance for this.")


class MotionNotOpen(GovernanceError):
    code = "motion_not_open"
    message = _("This vote is not open.")


class NotInRegister(GovernanceError):
    code = "not_in_register"
    message = _("Sign the assembly's attendance register before you vote.")


class AlreadyVoted(GovernanceError):
    code = "already_voted"
    message = _("You have already voted on this question, and the by-laws keep the first vote.")


class MotionStateRefused(GovernanceError):
    code = "motion_state_refused"
    message = _("This vote cannot move to that state from where it is now.")


class BoardOnly(GovernanceError):
    code = "board_only"
    message = _("Only the coop's board can do this.")


class AlreadyAMember(GovernanceError):
    code = "already_a_member"
    message = _("This person or store is already in the coop’s register.")


class StatusChangeRefused(GovernanceError):
    """A move the register does not allow (a withdrawn member reinstated), or no reason."""

    code = "member_status_change_refused"
    message = _("This member’s status cannot change that way; give a reason for any change.")


# --- Ristournes (patronage dividends) ---------------------------------------------------


class FiscalYearRefused(GovernanceError):
    """Dates out of order, or overlapping another fiscal year."""

    code = "fiscal_year_refused"
    message = _("A fiscal year ends after it starts and overlaps no other fiscal year.")


class FiscalYearNotEnded(GovernanceError):
    code = "fiscal_year_not_ended"
    message = _("Ristournes are computed once the fiscal year has ended.")


class RistourneFiguresRefused(GovernanceError):
    """Figures the rules refuse: a negative amount, a rate out of range, or a reserve rate
    under the Act's minimum while equity is under 30 % of debts."""

    code = "ristourne_figures_refused"
    message = _(
        "These figures break the reserve rule: while equity is under 30% of debts, "
        "at least 20% goes to the reserve."
    )


class RistourneStateRefused(GovernanceError):
    code = "ristourne_state_refused"
    message = _("This ristourne computation cannot do that in its present state.")


class RistourneNotAdopted(GovernanceError):
    code = "ristourne_not_adopted"
    message = _("The members have not adopted this ristourne proposal.")


class NotYourRistourne(GovernanceError):
    code = "not_your_ristourne"
    message = _("This ristourne statement is not yours.")
