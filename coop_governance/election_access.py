"""Who may do what with a secret-ballot election: one condition per line, each tested
(coop_governance/tests/test_elections_access.py). The board creates and manages; a trustee
acts only for herself; the members vote; the public reads what is published."""

from typing import Any

from coop_governance.errors import (
    BallotAssuranceTooLow,
    ElectionNotPublished,
    MemberSuspended,
    MemberWithdrawn,
    NotAMemberToVote,
    NotATrustee,
)
from coop_governance.models import Election, ElectionTrustee, Member, MemberStatus
from coop_governance.models.elections import KEYED
from coop_governance.selectors import access_board, members_represented_by
from identity.assurance import level_satisfies


def access_election_manage(user: Any) -> Any:
    """Creating an election, starting its ceremony, cancelling it: the board's acts."""
    return access_board(user)


def access_election_trustee(user: Any, election: Election) -> ElectionTrustee:
    """A trustee's page and messages: the signed-in trustee herself, and no one else (not
    even the board: a trustee's messages are hers)."""
    if not getattr(user, "is_authenticated", False):
        raise NotATrustee()
    trustee = election.trustees.filter(user=user).first()
    if trustee is None:
        raise NotATrustee()
    return trustee


def voting_member(user: Any) -> Member:
    """The line of the register `user` votes for: their own membership, else the store
    they own. A suspended, withdrawn or absent member is refused, each with its reason."""
    if not getattr(user, "is_authenticated", False):
        raise NotAMemberToVote()
    lines = list(members_represented_by(user).order_by("store_id", "number"))
    own = [m for m in lines if m.person_id == user.pk] or lines
    active = [m for m in own if m.status == MemberStatus.ACTIVE]
    if active:
        return active[0]
    if own:
        raise MemberSuspended()
    if Member.objects.filter(person=user, status=MemberStatus.WITHDRAWN).exists():
        raise MemberWithdrawn()
    raise NotAMemberToVote()


def access_election_vote(user: Any, election: Election, acr: str | None) -> Member:
    """Casting a ballot: an active member, signed in at the election's assurance."""
    member = voting_member(user)
    if not level_satisfies(acr, election.assurance):
        raise BallotAssuranceTooLow()
    return member


def access_election_parameters(user: Any, election: Election) -> Election:
    """The manifest and the election key: public once the key ceremony made the key (the
    booth needs them, and anyone may check them)."""
    if election.status not in KEYED:
        raise ElectionNotPublished()
    return election


def access_election_board(user: Any, election: Election) -> Election:
    """The bulletin board of cast ballots: public from the opening on."""
    if election.opened_at is None:
        raise ElectionNotPublished()
    return election


def access_election_result(user: Any, election: Election) -> Election:
    """The result and the record: public once published."""
    if election.status != "published":
        raise ElectionNotPublished()
    return election
