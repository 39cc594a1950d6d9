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


# Membership: joining and withdrawal (h1).
class SignInNeeded(GovernanceError):
    code = "sign_in_needed"
    message = _("Sign in to join the coop.")


class IdentityNotProven(GovernanceError):
    """Joining needs a registrar's check of an identity document (identity_proven)."""

    code = "identity_not_proven"
    message = _(
        "Joining the coop needs your identity checked at a registrar’s counter first, "
        "with an identity document."
    )


class NotAnAdult(GovernanceError):
    code = "not_an_adult"
    message = _("Only a person aged 18 or older, as their proven birth date says, can join.")


class NotStoreOwner(GovernanceError):
    code = "not_store_owner"
    message = _("Only the store’s owner can make the store a member.")


class CategoryRefused(GovernanceError):
    code = "category_refused"
    message = _("A person joins as a consumer, a worker or a supporter; a store as a producer.")


class SharePaymentRefused(GovernanceError):
    """The payment of shares is not the caller's, or no longer waits to be paid."""

    code = "share_payment_refused"
    message = _("This share payment is not waiting to be paid.")


class WithdrawalRefused(GovernanceError):
    """A request the withdrawal does not allow now (already pending, already decided)."""

    code = "withdrawal_refused"
    message = _("This withdrawal cannot be requested or decided now.")


class RefundRefused(GovernanceError):
    code = "refund_refused"
    message = _("This refund is not due, or it goes through the payment gateway.")


# --- Proposals and online votes (coop_governance/proposals.py) ---------------------------
class ProposalStateRefused(GovernanceError):
    """A move the proposal's state does not allow: scheduling a declined proposal, declining
    a scheduled one, supporting one that is no longer open."""

    code = "proposal_state_refused"
    message = _("This proposal cannot move that way from where it is now.")


class SupportRefused(GovernanceError):
    code = "proposal_support_refused"
    message = _("You cannot support your own proposal.")


class ThreadLocked(GovernanceError):
    code = "proposal_thread_locked"
    message = _("The board has closed this discussion.")


class CommentsTooFast(GovernanceError):
    code = "proposal_comments_too_fast"
    message = _("You have written many comments in a short time; wait a few minutes.")


class ProposalsTooFast(GovernanceError):
    code = "proposals_too_fast"
    message = _("You have submitted many proposals today; try again tomorrow.")


class ScheduleRefused(GovernanceError):
    """The assembly is not called, starts too soon for the by-laws' notice, or the online
    vote's times are out of bounds."""

    code = "proposal_schedule_refused"
    message = _("This proposal cannot be scheduled there or at those times.")


class AgendaBusy(GovernanceError):
    code = "agenda_busy"
    message = _("The agenda changed while you were adding to it; try again.")


# --- Assemblies (h2) ----------------------------------------------------------------------


class NoticeTooShort(GovernanceError):
    """The assembly starts sooner than the by-laws' notice allows."""

    code = "notice_too_short"
    message = _("The by-laws ask for a longer notice: the assembly must start later.")


class AssemblyStateRefused(GovernanceError):
    """A step the assembly's state does not allow (an agenda changed after the notice was
    sent, an assembly opened before its notice, closed while a vote is open)."""

    code = "assembly_state_refused"
    message = _("This assembly cannot do that at its present stage.")


class VideoRoomMissing(GovernanceError):
    code = "video_room_missing"
    message = _("The coop has no video room configured.")


class RegisterClosed(GovernanceError):
    code = "register_closed"
    message = _("The attendance register is not open.")


class QuorumNotMet(GovernanceError):
    code = "quorum_not_met"
    message = _("The quorum is not reached: the assembly cannot vote yet.")


class DocumentRefused(GovernanceError):
    code = "document_refused"
    message = _("Send a PDF file of at most 10 MB, or a link.")


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
        # xgettext:no-python-format
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


# --- Secret-ballot elections (coop_governance/elections.py) -------------------------------
# Each carries the HTTP status its JSON endpoint answers with (problem+json).


class ElectionError(GovernanceError):
    status = 409


class ElectionStateRefused(ElectionError):
    """A step the election's state does not allow (a trustee's message out of turn, a
    ceremony started twice, a result asked before it is published)."""

    code = "election_state_refused"
    message = _("This election cannot do that at its present stage.")


class ElectionNotPublished(ElectionError):
    status = 404
    code = "election_not_published"
    message = _("This election’s result is not published yet.")


class ElectionSetupRefused(ElectionError):
    status = 400
    code = "election_setup_refused"
    message = _("Check the election’s questions, trustees, threshold and times.")


class ElectionClosed(ElectionError):
    code = "election_closed"
    message = _("This election is not open: no ballot is accepted now.")


class MemberSuspended(ElectionError):
    status = 403
    code = "member_suspended"
    message = _("Your membership is suspended: you cannot vote while it is.")


class MemberWithdrawn(ElectionError):
    status = 403
    code = "member_withdrawn"
    message = _("You have withdrawn from the coop: only members vote.")


class NotAMemberToVote(ElectionError):
    status = 403
    code = "not_a_member"
    message = _("Only a member of the coop can vote.")


class BallotAssuranceTooLow(ElectionError):
    status = 403
    code = "assurance_too_low"
    message = _("This election asks you to sign in with more assurance before you vote.")


class BallotInvalid(ElectionError):
    """The ballot fails a check of docs/election-record.md; `path` and `reason` say which
    value and why."""

    status = 422
    code = "ballot_invalid"
    message = _("This ballot is not valid for this election.")

    def __init__(self, path: str = "", reason: str = "") -> None:
        super().__init__()
        self.path = path
        self.reason = reason


class BallotMalformed(ElectionError):
    status = 400
    code = "ballot_malformed"
    message = _("The ballot must be a JSON object.")


class BallotTooLarge(ElectionError):
    status = 413
    code = "ballot_too_large"
    message = _("This ballot is larger than any ballot of this election can be.")


class CiphertextReused(ElectionError):
    code = "ciphertext_reused"
    message = _("This ballot repeats an encrypted value already cast: encrypt it again.")


class AlreadyVotedInElection(ElectionError):
    code = "already_voted"
    message = _("You have already voted in this election, and the by-laws keep the first ballot.")


class NotATrustee(ElectionError):
    status = 403
    code = "not_a_trustee"
    message = _("Only this election’s trustees can do this.")


class TrusteeMessageTooLarge(ElectionError):
    status = 413
    code = "message_too_large"
    message = _("This message is larger than any trustee’s message can be.")


class TrusteeMessageMalformed(ElectionError):
    status = 400
    code = "message_malformed"
    message = _("The message must be a JSON object.")


class TrusteeMessageInvalid(ElectionError):
    """A trustee's message fails its check (a proof, a key that is not the one its
    commitments give, a shuffle or a decryption that does not verify)."""

    status = 422
    code = "trustee_message_invalid"
    message = _("This message does not verify; nothing was recorded.")

    def __init__(self, path: str = "", reason: str = "") -> None:
        super().__init__()
        self.path = path
        self.reason = reason
