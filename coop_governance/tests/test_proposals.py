"""Proposals: submitted by members, supported once per member, discussed in a thread the
board moderates, scheduled for an assembly or an online vote, or declined; each state
move once and only from an open proposal."""

import datetime
import threading
import uuid

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone

from conftest import person_create
from coop_governance.errors import (
    AgendaBusy,
    BoardOnly,
    CommentsTooFast,
    NotAMember,
    ProposalStateRefused,
    ProposalsTooFast,
    ScheduleRefused,
    SupportRefused,
    ThreadLocked,
)
from coop_governance.models import (
    AgendaItem,
    AssemblyStatus,
    CommentFlag,
    MemberStatus,
    MotionStatus,
    Proposal,
    ProposalComment,
    ProposalStatus,
    ProposalSupport,
)
from coop_governance.proposals import (
    COMMENT_LIMIT,
    access_proposals_read,
    acting_member,
    comment_flag,
    comment_hide,
    comment_post,
    proposal_decline,
    proposal_schedule_assembly,
    proposal_schedule_online,
    proposal_submit,
    proposal_support,
    proposal_support_withdraw,
    thread_lock_set,
)
from coop_governance.tests.factories import (
    assembly_make,
    board_seat_give,
    bylaws_make,
    member_make,
)
from identity.audit import audit_events_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rate_limits_forgotten():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def bylaws():
    return bylaws_make()


@pytest.fixture
def board():
    member = member_make()
    board_seat_give(member)
    return member.person


def submit(member, title="Un jardin communautaire", text="Sur le toit de l’entrepôt.", key=None):
    return proposal_submit(
        member=member,
        title=title,
        text=text,
        submit_key=key or uuid.uuid4(),
        acting_user=member.person,
    )


def in_days(days, hours=0):
    return timezone.now() + datetime.timedelta(days=days, hours=hours)


# --- Submitting ----------------------------------------------------------------------


def test_an_active_member_submits_a_proposal():
    member = member_make()
    proposal = submit(member)
    assert proposal.status == ProposalStatus.OPEN
    assert proposal.author == member and proposal.submitted_by == member.person


def test_the_same_form_sent_twice_makes_one_proposal():
    member = member_make()
    key = uuid.uuid4()
    assert submit(member, key=key).pk == submit(member, key=key).pk
    assert Proposal.objects.count() == 1


@pytest.mark.parametrize("status", [MemberStatus.SUSPENDED, MemberStatus.WITHDRAWN])
def test_a_suspended_or_withdrawn_member_cannot_submit(status):
    with pytest.raises(NotAMember):
        submit(member_make(status=status))


def test_someone_else_cannot_submit_for_a_member():
    member = member_make()
    with pytest.raises(NotAMember):
        proposal_submit(
            member=member,
            title="t",
            text="x",
            submit_key=uuid.uuid4(),
            acting_user=person_create("other@example.org"),
        )


@pytest.mark.parametrize(
    ("title", "text"),
    [("", "texte"), ("titre", "   "), ("t" * 201, "texte"), ("titre", "x" * 10_001)],
)
def test_a_proposal_needs_a_title_and_a_text_within_limits(title, text):
    with pytest.raises(ValidationError):
        submit(member_make(), title=title, text=text)


def test_a_member_submits_at_most_five_proposals_a_day():
    member = member_make()
    for _ in range(5):
        submit(member)
    with pytest.raises(ProposalsTooFast):
        submit(member)


def test_the_database_refuses_a_declined_proposal_without_a_reason():
    proposal = submit(member_make())
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=proposal.pk).update(
            status=ProposalStatus.DECLINED, decided_at=timezone.now()
        )


def test_the_database_refuses_a_scheduled_proposal_without_a_motion():
    proposal = submit(member_make())
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.filter(pk=proposal.pk).update(
            status=ProposalStatus.SCHEDULED, decided_at=timezone.now()
        )


# --- Supporting ----------------------------------------------------------------------


def test_members_support_once_and_withdraw():
    proposal = submit(member_make())
    supporter = member_make()
    proposal_support(proposal=proposal, member=supporter, acting_user=supporter.person)
    proposal_support(proposal=proposal, member=supporter, acting_user=supporter.person)
    assert ProposalSupport.objects.filter(proposal=proposal).count() == 1
    proposal_support_withdraw(proposal=proposal, member=supporter, acting_user=supporter.person)
    assert not ProposalSupport.objects.filter(proposal=proposal).exists()


def test_the_database_keeps_one_support_per_member():
    proposal = submit(member_make())
    supporter = member_make()
    proposal_support(proposal=proposal, member=supporter, acting_user=supporter.person)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProposalSupport.objects.create(
            proposal=proposal, member=supporter, given_by=supporter.person
        )


def test_an_author_cannot_support_their_own_proposal():
    author = member_make()
    proposal = submit(author)
    with pytest.raises(SupportRefused):
        proposal_support(proposal=proposal, member=author, acting_user=author.person)


def test_a_suspended_member_cannot_support():
    proposal = submit(member_make())
    suspended = member_make(status=MemberStatus.SUSPENDED)
    with pytest.raises(NotAMember):
        proposal_support(proposal=proposal, member=suspended, acting_user=suspended.person)


def test_a_declined_proposal_takes_no_support(board):
    proposal = submit(member_make())
    proposal_decline(proposal=proposal, reason="Hors mandat.", acting_user=board)
    supporter = member_make()
    with pytest.raises(ProposalStateRefused):
        proposal_support(proposal=proposal, member=supporter, acting_user=supporter.person)


# --- The discussion and its moderation ----------------------------------------------


def test_members_discuss_and_the_board_hides_a_comment_with_a_reason(board):
    proposal = submit(member_make())
    writer = member_make()
    comment = comment_post(
        proposal=proposal, member=writer, body="Hors sujet.", acting_user=writer.person
    )
    hidden = comment_hide(comment=comment, reason="Propos injurieux.", acting_user=board)
    assert hidden.is_hidden and hidden.hidden_reason == "Propos injurieux."
    assert hidden.hidden_by == board
    (event,) = audit_events_for(hidden)
    assert event.action == "proposal_comment_hide"
    assert event.subject_user == writer.person and event.acting_user == board
    # Hiding again changes nothing and writes no second event.
    again = comment_hide(comment=hidden, reason="Autre raison.", acting_user=board)
    assert again.hidden_reason == "Propos injurieux."
    assert audit_events_for(hidden).count() == 1


def test_only_the_board_hides_a_comment():
    proposal = submit(member_make())
    writer = member_make()
    comment = comment_post(proposal=proposal, member=writer, body="x", acting_user=writer.person)
    with pytest.raises(BoardOnly):
        comment_hide(comment=comment, reason="Non.", acting_user=member_make().person)


def test_hiding_needs_a_reason(board):
    proposal = submit(member_make())
    writer = member_make()
    comment = comment_post(proposal=proposal, member=writer, body="x", acting_user=writer.person)
    with pytest.raises(ValidationError):
        comment_hide(comment=comment, reason="  ", acting_user=board)
    comment.refresh_from_db()
    assert not comment.is_hidden


def test_the_database_refuses_a_hidden_comment_without_a_reason():
    proposal = submit(member_make())
    writer = member_make()
    comment = comment_post(proposal=proposal, member=writer, body="x", acting_user=writer.person)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProposalComment.objects.filter(pk=comment.pk).update(hidden_at=timezone.now())


@pytest.mark.parametrize("body", ["", "   ", "x" * 2001])
def test_a_comment_is_not_empty_and_at_most_2000_characters(body):
    proposal = submit(member_make())
    writer = member_make()
    with pytest.raises(ValidationError):
        comment_post(proposal=proposal, member=writer, body=body, acting_user=writer.person)


def test_comments_are_rate_limited_per_member():
    proposal = submit(member_make())
    writer = member_make()
    for number in range(COMMENT_LIMIT.limit):
        comment_post(proposal=proposal, member=writer, body=f"{number}", acting_user=writer.person)
    with pytest.raises(CommentsTooFast):
        comment_post(proposal=proposal, member=writer, body="encore", acting_user=writer.person)
    other = member_make()
    comment_post(proposal=proposal, member=other, body="moi", acting_user=other.person)


def test_a_suspended_member_cannot_comment():
    proposal = submit(member_make())
    suspended = member_make(status=MemberStatus.SUSPENDED)
    with pytest.raises(NotAMember):
        comment_post(proposal=proposal, member=suspended, body="x", acting_user=suspended.person)


def test_a_locked_thread_takes_no_comment_until_unlocked(board):
    proposal = submit(member_make())
    writer = member_make()
    thread_lock_set(proposal=proposal, locked=True, acting_user=board)
    with pytest.raises(ThreadLocked):
        comment_post(proposal=proposal, member=writer, body="x", acting_user=writer.person)
    thread_lock_set(proposal=proposal, locked=False, acting_user=board)
    comment_post(proposal=proposal, member=writer, body="x", acting_user=writer.person)
    actions = sorted(event.action for event in audit_events_for(proposal))
    assert actions == ["proposal_thread_lock", "proposal_thread_unlock"]


def test_only_the_board_locks_a_thread():
    proposal = submit(member_make())
    with pytest.raises(BoardOnly):
        thread_lock_set(proposal=proposal, locked=True, acting_user=member_make().person)


def test_a_declined_proposal_takes_no_comment(board):
    proposal = submit(member_make())
    proposal_decline(proposal=proposal, reason="Hors mandat.", acting_user=board)
    writer = member_make()
    with pytest.raises(ProposalStateRefused):
        comment_post(proposal=proposal, member=writer, body="x", acting_user=writer.person)


def test_a_member_flags_a_comment_once():
    proposal = submit(member_make())
    writer, reader = member_make(), member_make()
    comment = comment_post(proposal=proposal, member=writer, body="x", acting_user=writer.person)
    first = comment_flag(
        comment=comment, member=reader, reason="Insulte", acting_user=reader.person
    )
    second = comment_flag(comment=comment, member=reader, reason="", acting_user=reader.person)
    assert first.pk == second.pk
    assert CommentFlag.objects.filter(comment=comment).count() == 1


def test_a_non_member_cannot_flag():
    proposal = submit(member_make())
    writer = member_make()
    comment = comment_post(proposal=proposal, member=writer, body="x", acting_user=writer.person)
    stranger = person_create("stranger@example.org")
    with pytest.raises(NotAMember):
        comment_flag(comment=comment, member=writer, reason="", acting_user=stranger)


# --- Declining and scheduling --------------------------------------------------------


def test_the_board_declines_with_a_reason_audited_once(board):
    proposal = submit(member_make())
    declined = proposal_decline(proposal=proposal, reason="Hors mandat.", acting_user=board)
    assert declined.status == ProposalStatus.DECLINED
    assert declined.decline_reason == "Hors mandat." and declined.decided_by == board
    again = proposal_decline(proposal=proposal, reason="Autre motif.", acting_user=board)
    assert again.decline_reason == "Hors mandat."
    assert [event.action for event in audit_events_for(proposal)] == ["proposal_decline"]


@pytest.mark.parametrize("reason", [" ", "x" * 501])
def test_declining_needs_a_reason_of_at_most_500_characters(board, reason):
    proposal = submit(member_make())
    with pytest.raises(ValidationError):
        proposal_decline(proposal=proposal, reason=reason, acting_user=board)
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.OPEN


def test_only_the_board_declines_or_schedules(bylaws):
    proposal = submit(member_make())
    someone = member_make().person
    with pytest.raises(BoardOnly):
        proposal_decline(proposal=proposal, reason="Non.", acting_user=someone)
    with pytest.raises(BoardOnly):
        proposal_schedule_online(
            proposal=proposal,
            opens_at=in_days(1),
            closes_at=in_days(8),
            majority="simple",
            acting_user=someone,
        )
    assembly = assembly_make(bylaws, status=AssemblyStatus.CALLED, starts_at=in_days(30))
    with pytest.raises(BoardOnly):
        proposal_schedule_assembly(
            proposal=proposal, assembly=assembly, majority="simple", acting_user=someone
        )


def test_scheduling_an_online_vote_makes_its_motion_under_the_bylaws_in_force(board, bylaws):
    proposal = submit(member_make())
    opens, closes = in_days(1), in_days(8)
    scheduled = proposal_schedule_online(
        proposal=proposal, opens_at=opens, closes_at=closes, majority="special", acting_user=board
    )
    motion = scheduled.motion
    assert scheduled.status == ProposalStatus.SCHEDULED
    assert motion.is_online and (motion.opens_at, motion.closes_at) == (opens, closes)
    assert motion.bylaws == bylaws and motion.majority == "special"
    assert motion.title == proposal.title and motion.status == MotionStatus.SCHEDULED
    assert [event.action for event in audit_events_for(proposal)] == ["proposal_schedule_online"]


@pytest.mark.parametrize(
    ("opens", "closes"),
    [
        (-1, 5),  # opens yesterday
        (1, 1),  # closes when it opens
        (1, 62),  # longer than 60 days
    ],
)
def test_an_online_vote_needs_times_within_bounds(board, bylaws, opens, closes):
    proposal = submit(member_make())
    with pytest.raises(ScheduleRefused):
        proposal_schedule_online(
            proposal=proposal,
            opens_at=in_days(opens),
            closes_at=in_days(closes),
            majority="simple",
            acting_user=board,
        )
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.OPEN


def test_scheduling_for_a_called_assembly_adds_the_last_agenda_item(board):
    old = bylaws_make(notice_days=10)
    assembly = assembly_make(old, status=AssemblyStatus.CALLED, starts_at=in_days(20))
    bylaws_make()  # a newer version is in force now; the assembly keeps its own
    AgendaItem.objects.create(assembly=assembly, position=1, title="Ouverture")
    proposal = submit(member_make())
    scheduled = proposal_schedule_assembly(
        proposal=proposal, assembly=assembly, majority="simple", acting_user=board
    )
    item = scheduled.motion.agenda_item
    assert item.assembly == assembly and item.position == 2 and item.title == proposal.title
    assert scheduled.motion.bylaws == old and scheduled.motion.assembly == assembly
    assert [event.action for event in audit_events_for(proposal)] == ["proposal_schedule_assembly"]


@pytest.mark.parametrize("status", [AssemblyStatus.OPEN, AssemblyStatus.CLOSED])
def test_only_a_called_assembly_takes_a_proposal(board, bylaws, status):
    assembly = assembly_make(bylaws, status=status, starts_at=in_days(30))
    proposal = submit(member_make())
    with pytest.raises(ScheduleRefused):
        proposal_schedule_assembly(
            proposal=proposal, assembly=assembly, majority="simple", acting_user=board
        )


def test_an_assembly_too_close_for_the_notice_takes_no_proposal(board):
    bylaws = bylaws_make(notice_days=10)
    assembly = assembly_make(bylaws, status=AssemblyStatus.CALLED, starts_at=in_days(9))
    proposal = submit(member_make())
    with pytest.raises(ScheduleRefused):
        proposal_schedule_assembly(
            proposal=proposal, assembly=assembly, majority="simple", acting_user=board
        )
    assert not AgendaItem.objects.filter(assembly=assembly).exists()


def test_a_declined_proposal_cannot_be_scheduled(board, bylaws):
    proposal = submit(member_make())
    proposal_decline(proposal=proposal, reason="Hors mandat.", acting_user=board)
    with pytest.raises(ProposalStateRefused):
        proposal_schedule_online(
            proposal=proposal,
            opens_at=in_days(1),
            closes_at=in_days(8),
            majority="simple",
            acting_user=board,
        )
    assembly = assembly_make(bylaws, status=AssemblyStatus.CALLED, starts_at=in_days(30))
    with pytest.raises(ProposalStateRefused):
        proposal_schedule_assembly(
            proposal=proposal, assembly=assembly, majority="simple", acting_user=board
        )


def test_a_scheduled_proposal_cannot_be_declined_or_scheduled_again(board, bylaws):
    proposal = submit(member_make())
    proposal_schedule_online(
        proposal=proposal,
        opens_at=in_days(1),
        closes_at=in_days(8),
        majority="simple",
        acting_user=board,
    )
    with pytest.raises(ProposalStateRefused):
        proposal_decline(proposal=proposal, reason="Trop tard.", acting_user=board)
    with pytest.raises(ProposalStateRefused):
        proposal_schedule_online(
            proposal=proposal,
            opens_at=in_days(2),
            closes_at=in_days(9),
            majority="simple",
            acting_user=board,
        )
    assert Proposal.objects.get(pk=proposal.pk).motion.opens_at == proposal_motion_opens(proposal)


def proposal_motion_opens(proposal):
    return Proposal.objects.select_related("motion").get(pk=proposal.pk).motion.opens_at


def test_an_agenda_position_taken_meanwhile_is_a_coded_error(board, bylaws, monkeypatch):
    """Another part of the coop adds an item between our read of the last position and
    our insert: the unique position refuses it and the board is asked to try again."""
    assembly = assembly_make(bylaws, status=AssemblyStatus.CALLED, starts_at=in_days(30))
    proposal = submit(member_make())
    from coop_governance import proposals as module

    real_create = AgendaItem.objects.create

    def create_after_someone(**fields):
        real_create(assembly=fields["assembly"], position=fields["position"], title="Autre")
        return real_create(**fields)

    monkeypatch.setattr(module.AgendaItem.objects, "create", create_after_someone)
    with pytest.raises(AgendaBusy):
        proposal_schedule_assembly(
            proposal=proposal, assembly=assembly, majority="simple", acting_user=board
        )


# --- Who reads -----------------------------------------------------------------------


def test_proposals_are_read_by_members(board):
    member = member_make()
    assert access_proposals_read(member.person) == member.person


def test_proposals_are_read_by_the_board(board):
    assert access_proposals_read(board) == board


def test_proposals_are_read_by_the_coops_administrators():
    admin = person_create("coop-admin@example.org", "coop_admin")
    assert access_proposals_read(admin) == admin


def test_proposals_are_not_read_by_a_person_outside_the_register():
    with pytest.raises(NotAMember):
        access_proposals_read(person_create("visitor@example.org"))


def test_proposals_are_not_read_by_a_visitor():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAMember):
        access_proposals_read(AnonymousUser())


def test_a_store_owner_acts_for_the_store_member(make_store):
    from marketplace.services import store_staff_set

    store = make_store()
    owner = person_create("owner@example.org")
    store_staff_set(store=store, user=owner, role="owner", acting_user=None)
    member = member_make(store=store)
    assert acting_member(owner) == member
    own = member_make(owner)
    assert acting_member(owner) == own


# --- Two board members at once ------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql_only")
def test_two_board_members_scheduling_at_once_make_one_motion():
    """Two board members press "schedule" on the same proposal at the same moment: the
    conditional UPDATE lets one through; the other is refused and its motion rolled back."""
    bylaws_make()
    chair, secretary = member_make(), member_make()
    board_seat_give(chair)
    board_seat_give(secretary)
    proposal = submit(member_make())
    barrier = threading.Barrier(2)
    outcomes = []

    def schedule(person, days):
        try:
            barrier.wait()
            proposal_schedule_online(
                proposal=proposal,
                opens_at=in_days(days),
                closes_at=in_days(days + 7),
                majority="simple",
                acting_user=person,
            )
            outcomes.append("scheduled")
        except ProposalStateRefused:
            outcomes.append("refused")
        except Exception as error:  # pragma: no cover - shown if the test fails
            outcomes.append(repr(error))
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=schedule, args=(chair.person, 1)),
        threading.Thread(target=schedule, args=(secretary.person, 2)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "scheduled"]
    from coop_governance.models import Motion

    assert Motion.objects.count() == 1
    assert Proposal.objects.get(pk=proposal.pk).motion_id == Motion.objects.get().pk


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql_only")
def test_two_supports_of_one_member_at_once_leave_one():
    """A double click from two tabs: both requests insert at once; the unique constraint
    keeps one row and the loser finds it instead of failing."""
    proposal = submit(member_make())
    supporter = member_make()
    barrier = threading.Barrier(2)
    errors = []

    def support():
        try:
            barrier.wait()
            proposal_support(proposal=proposal, member=supporter, acting_user=supporter.person)
        except Exception as error:  # pragma: no cover - shown if the test fails
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=support) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert ProposalSupport.objects.filter(proposal=proposal, member=supporter).count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql_only")
def test_two_board_members_hiding_a_comment_at_once_leave_one_reason_and_one_event():
    bylaws_make()
    chair, secretary = member_make(), member_make()
    board_seat_give(chair)
    board_seat_give(secretary)
    proposal = submit(member_make())
    writer = member_make()
    comment = comment_post(proposal=proposal, member=writer, body="x", acting_user=writer.person)
    barrier = threading.Barrier(2)
    errors = []

    def hide(person, reason):
        try:
            barrier.wait()
            comment_hide(comment=comment, reason=reason, acting_user=person)
        except Exception as error:  # pragma: no cover - shown if the test fails
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=hide, args=(chair.person, "Motif A")),
        threading.Thread(target=hide, args=(secretary.person, "Motif B")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    comment.refresh_from_db()
    (event,) = audit_events_for(comment)
    assert event.detail["reason"] == comment.hidden_reason
    assert event.acting_user_id == comment.hidden_by_id
