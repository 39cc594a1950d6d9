"""Open votes: one member one vote whatever the shares, the by-laws' assurance and majority,
the register at an assembly, re-voting, and a count written once at closing."""

import datetime
import threading

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone

from conftest import person_create
from coop_governance.errors import (
    AlreadyVoted,
    AssuranceTooLow,
    BoardOnly,
    MotionNotOpen,
    MotionStateRefused,
    NotAMember,
    NotInRegister,
)
from coop_governance.models import (
    AssemblyStatus,
    Majority,
    MemberStatus,
    MotionStatus,
    OpenVote,
)
from coop_governance.tests.factories import (
    assembly_make,
    board_seat_give,
    bylaws_make,
    member_make,
    motion_make,
    register_sign,
)
from coop_governance.votes import (
    MotionCount,
    is_adopted,
    motion_close,
    motion_count,
    motion_open,
    online_motions_due,
    open_vote_cast,
)
from identity.audit import audit_events_for

pytestmark = pytest.mark.django_db


def cast(motion, member, choice, acr="substantial"):
    return open_vote_cast(motion=motion, member=member, choice=choice, user=member.person, acr=acr)


@pytest.fixture
def bylaws():
    return bylaws_make()


@pytest.fixture
def chair():
    member = member_make()
    board_seat_give(member)
    return member.person


def test_one_member_one_vote_whatever_the_shares(bylaws):
    motion = motion_make(bylaws)
    rich = member_make(shares=500)
    cast(motion, rich, "against")
    for _ in range(2):
        cast(motion, member_make(shares=1), "for")
    assert motion_count(motion) == MotionCount(2, 1, 0)


def test_a_new_vote_replaces_the_earlier_when_the_bylaws_allow(bylaws):
    motion = motion_make(bylaws)
    member = member_make()
    cast(motion, member, "for")
    cast(motion, member, "against")
    assert motion_count(motion) == MotionCount(0, 1, 0)
    rows = list(OpenVote.objects.filter(member=member).order_by("pk"))
    assert [row.choice for row in rows] == ["for", "against"]
    assert rows[0].replaced_at is not None and rows[1].replaced_at is None


def test_a_second_vote_is_refused_when_the_bylaws_keep_the_first():
    motion = motion_make(bylaws_make(revote_replaces=False))
    member = member_make()
    cast(motion, member, "for")
    with pytest.raises(AlreadyVoted):
        cast(motion, member, "against")
    assert motion_count(motion) == MotionCount(1, 0, 0)


def test_the_database_counts_one_vote_per_member_and_motion(bylaws):
    motion = motion_make(bylaws)
    member = member_make()
    cast(motion, member, "for")
    with pytest.raises(IntegrityError), transaction.atomic():
        OpenVote.objects.create(
            motion=motion, member=member, choice="against", cast_by=member.person, acr="high"
        )


@pytest.mark.parametrize("status", [MemberStatus.SUSPENDED, MemberStatus.WITHDRAWN])
def test_a_suspended_or_withdrawn_member_cannot_vote(bylaws, status):
    motion = motion_make(bylaws)
    with pytest.raises(NotAMember):
        cast(motion, member_make(status=status), "for")


def test_someone_else_cannot_vote_for_a_member(bylaws):
    motion = motion_make(bylaws)
    member = member_make()
    other = person_create("other@example.org")
    with pytest.raises(NotAMember):
        open_vote_cast(motion=motion, member=member, choice="for", user=other, acr="high")


def test_a_store_votes_through_its_owner_only(bylaws, make_store):
    from marketplace.services import store_staff_set

    store = make_store()
    owner = person_create("owner@example.org")
    store_staff_set(store=store, user=owner, role="owner", acting_user=None)
    member = member_make(store=store)
    motion = motion_make(bylaws)
    open_vote_cast(motion=motion, member=member, choice="for", user=owner, acr="substantial")
    clerk = person_create("clerk@example.org")
    with pytest.raises(NotAMember):
        open_vote_cast(motion=motion, member=member, choice="for", user=clerk, acr="high")


@pytest.mark.parametrize(("required", "acr"), [("substantial", "low"), ("high", "substantial")])
def test_the_bylaws_assurance_is_needed(required, acr):
    motion = motion_make(bylaws_make(vote_assurance=required))
    with pytest.raises(AssuranceTooLow):
        cast(motion, member_make(), "for", acr=acr)


def test_an_online_vote_takes_votes_only_between_its_times(bylaws):
    now = timezone.now()
    later = motion_make(
        bylaws,
        opens_at=now + datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=1),
    )
    over = motion_make(
        bylaws,
        opens_at=now - datetime.timedelta(days=2),
        closes_at=now - datetime.timedelta(days=1),
    )
    member = member_make()
    for motion in (later, over):
        with pytest.raises(MotionNotOpen):
            cast(motion, member, "for")
    assert online_motions_due() == [over.pk]


def test_at_an_assembly_only_members_in_the_register_vote(bylaws, chair):
    assembly = assembly_make(bylaws)
    motion = motion_make(bylaws, assembly=assembly)
    motion_open(motion=motion, acting_user=chair)
    present, absent = member_make(), member_make()
    register_sign(assembly, present)
    cast(motion, present, "for")
    with pytest.raises(NotInRegister):
        cast(motion, absent, "for")


def test_an_assembly_motion_takes_votes_only_while_open(bylaws, chair):
    assembly = assembly_make(bylaws)
    motion = motion_make(bylaws, assembly=assembly)
    member = member_make()
    register_sign(assembly, member)
    with pytest.raises(MotionNotOpen):
        cast(motion, member, "for")
    motion_open(motion=motion, acting_user=chair)
    cast(motion, member, "for")
    motion_close(motion=motion, acting_user=chair)
    with pytest.raises(MotionNotOpen):
        cast(motion, member, "against")


def test_only_the_board_opens_and_closes(bylaws):
    assembly = assembly_make(bylaws)
    motion = motion_make(bylaws, assembly=assembly)
    member = member_make()
    for act in (motion_open, motion_close):
        with pytest.raises(BoardOnly):
            act(motion=motion, acting_user=member.person)


def test_a_motion_opens_only_while_its_assembly_sits(bylaws, chair):
    motion = motion_make(bylaws, assembly=assembly_make(bylaws, status=AssemblyStatus.CALLED))
    with pytest.raises(MotionStateRefused):
        motion_open(motion=motion, acting_user=chair)


def test_closing_writes_the_count_once_and_is_audited(bylaws, chair):
    assembly = assembly_make(bylaws)
    motion = motion_make(bylaws, assembly=assembly)
    motion_open(motion=motion, acting_user=chair)
    voters = [member_make() for _ in range(4)]
    for member, choice in zip(voters, ["for", "for", "against", "abstain"], strict=True):
        register_sign(assembly, member)
        cast(motion, member, choice)
    closed = motion_close(motion=motion, acting_user=chair)
    assert (closed.votes_for, closed.votes_against, closed.votes_abstain) == (2, 1, 1)
    assert closed.adopted is True
    assert motion_close(motion=motion, acting_user=chair).closed_at == closed.closed_at
    assert {event.action for event in audit_events_for(motion)} == {"motion_open", "motion_close"}


def test_an_online_vote_is_closed_by_the_scheduler_only_after_its_time(bylaws):
    motion = motion_make(bylaws)
    with pytest.raises(MotionStateRefused):
        motion_close(motion=motion, acting_user=None)
    motion.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    motion.opens_at = motion.closes_at - datetime.timedelta(days=1)
    motion.save()
    assert motion_close(motion=motion, acting_user=None).status == MotionStatus.CLOSED


@pytest.mark.parametrize(
    ("majority", "votes", "adopted"),
    [
        (Majority.SIMPLE, (3, 2, 9), True),
        (Majority.SIMPLE, (2, 2, 0), False),
        (Majority.SIMPLE, (0, 0, 5), False),
        (Majority.SPECIAL, (2, 1, 0), True),  # exactly two thirds
        (Majority.SPECIAL, (199, 101, 0), False),  # 66.3 %
        (Majority.SPECIAL, (200, 100, 50), True),  # abstentions are not votes cast
    ],
)
def test_majorities(bylaws, majority, votes, adopted):
    assert is_adopted(bylaws=bylaws, majority=majority, count=MotionCount(*votes)) is adopted


def test_a_three_quarters_special_majority():
    bylaws = bylaws_make(special_majority_numerator=3, special_majority_denominator=4)
    assert not is_adopted(bylaws=bylaws, majority="special", count=MotionCount(2, 1, 0))
    assert is_adopted(bylaws=bylaws, majority="special", count=MotionCount(3, 1, 0))


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql_only")
def test_two_votes_of_one_member_at_once_leave_one_counted():
    """Two devices of one member vote at the same moment: the motion's lock serialises
    them, the later replaces the earlier, one vote is counted."""
    bylaws = bylaws_make()
    motion = motion_make(bylaws)
    member = member_make()
    barrier = threading.Barrier(2)
    errors = []

    def vote(choice):
        try:
            barrier.wait()
            cast(motion, member, choice)
        except Exception as error:
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=vote, args=(choice,)) for choice in ("for", "against")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert OpenVote.objects.filter(motion=motion, replaced_at__isnull=True).count() == 1
    assert OpenVote.objects.filter(motion=motion).count() == 2
