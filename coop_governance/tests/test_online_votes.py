"""Online votes of a scheduled proposal: members vote between the opening and closing
times at the by-laws' assurance, a new vote replaces the earlier one when the by-laws say
so, and the beat task (vote_tasks.online_motions_close) opens and closes the motions on
time, once, whatever how often or how many workers run it."""

import datetime
import threading
import uuid
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import close_old_connections, connection
from django.utils import timezone

from coop_governance.errors import AlreadyVoted, AssuranceTooLow, MotionNotOpen
from coop_governance.models import Motion, MotionStatus, OpenVote
from coop_governance.proposals import (
    online_motion_open,
    online_motions_sweep,
    proposal_schedule_online,
    proposal_submit,
)
from coop_governance.tests.factories import board_seat_give, bylaws_make, member_make
from coop_governance.vote_tasks import online_motions_close
from coop_governance.votes import open_vote_cast
from identity.audit import audit_events_for

pytestmark = pytest.mark.django_db

# Tomorrow: the board's mandates and the by-laws are dated from today.
START = (timezone.now() + datetime.timedelta(days=1)).replace(second=0, microsecond=0)


@pytest.fixture(autouse=True)
def _rate_limits_forgotten():
    cache.clear()
    yield
    cache.clear()


def frozen_at(moment):
    """Every `timezone.now()` of the app answers `moment` (the model defaults too)."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


def online_motion(*, bylaws=None, majority="simple", opens=START, hours=48):
    """A proposal scheduled by the board, an hour before, for an online vote from `opens`."""
    bylaws = bylaws or bylaws_make(in_force_from=START - datetime.timedelta(days=30))
    chair = member_make()
    board_seat_give(chair)
    author = member_make()
    with frozen_at(opens - datetime.timedelta(hours=1)):
        proposal = proposal_submit(
            member=author,
            title="Heures d’ouverture du dimanche",
            text="Ouvrir le dimanche de 10 h à 16 h.",
            submit_key=uuid.uuid4(),
            acting_user=author.person,
        )
        proposal = proposal_schedule_online(
            proposal=proposal,
            opens_at=opens,
            closes_at=opens + datetime.timedelta(hours=hours),
            majority=majority,
            acting_user=chair.person,
        )
    return proposal.motion


def vote(motion, member, choice, acr="substantial"):
    return open_vote_cast(motion=motion, member=member, choice=choice, user=member.person, acr=acr)


def test_the_task_opens_the_vote_when_its_time_comes():
    motion = online_motion()
    with frozen_at(START - datetime.timedelta(minutes=1)):
        assert online_motions_close() == {"opened": 0, "closed": 0}
    motion.refresh_from_db()
    assert motion.status == MotionStatus.SCHEDULED
    with frozen_at(START + datetime.timedelta(seconds=30)):
        assert online_motions_close() == {"opened": 1, "closed": 0}
        assert online_motions_close() == {"opened": 0, "closed": 0}
    motion.refresh_from_db()
    assert motion.status == MotionStatus.OPEN and motion.opened_at == START + datetime.timedelta(
        seconds=30
    )
    assert [event.action for event in audit_events_for(motion)] == ["motion_open"]


def test_members_vote_only_between_the_times():
    motion = online_motion()
    member = member_make()
    with frozen_at(START - datetime.timedelta(seconds=1)), pytest.raises(MotionNotOpen):
        vote(motion, member, "for")
    with frozen_at(START + datetime.timedelta(hours=1)):
        vote(motion, member, "for")
    with frozen_at(START + datetime.timedelta(hours=48)), pytest.raises(MotionNotOpen):
        vote(motion, member, "against")


def test_the_task_closes_the_vote_once_with_its_count_and_majority():
    motion = online_motion()
    voters = [member_make() for _ in range(5)]
    with frozen_at(START + datetime.timedelta(hours=2)):
        online_motions_close()
        for member, choice in zip(voters, ["for", "for", "for", "against", "abstain"], strict=True):
            vote(motion, member, choice)
    with frozen_at(START + datetime.timedelta(hours=47, minutes=59)):
        assert online_motions_close() == {"opened": 0, "closed": 0}
    closing = START + datetime.timedelta(hours=48, minutes=1)
    with frozen_at(closing):
        assert online_motions_close() == {"opened": 0, "closed": 1}
    with frozen_at(closing + datetime.timedelta(minutes=1)):
        assert online_motions_close() == {"opened": 0, "closed": 0}
    motion.refresh_from_db()
    assert motion.status == MotionStatus.CLOSED and motion.closed_at == closing
    assert (motion.votes_for, motion.votes_against, motion.votes_abstain) == (3, 1, 1)
    assert motion.adopted is True
    closes = [event for event in audit_events_for(motion) if event.action == "motion_close"]
    assert len(closes) == 1 and closes[0].acting_user is None


def test_a_vote_missed_by_the_scheduler_is_closed_late_without_opening():
    """The workers were down for the whole vote: the next run counts it (no votes: not
    adopted) and does not open it."""
    motion = online_motion(hours=2)
    with frozen_at(START + datetime.timedelta(days=1)):
        assert online_motions_close() == {"opened": 0, "closed": 1}
    motion.refresh_from_db()
    assert motion.status == MotionStatus.CLOSED and motion.adopted is False
    assert motion.opened_at is None


def test_a_special_resolution_needs_the_bylaws_majority():
    motion = online_motion(majority="special")
    with frozen_at(START + datetime.timedelta(hours=1)):
        for choice in ["for", "for", "for", "against", "against"]:
            vote(motion, member_make(), choice)
    with frozen_at(START + datetime.timedelta(days=3)):
        online_motions_close()
    motion.refresh_from_db()
    assert (motion.votes_for, motion.votes_against) == (3, 2)
    assert motion.adopted is False  # 60 % is under two thirds


def test_a_new_vote_replaces_the_earlier_when_the_bylaws_allow():
    motion = online_motion()
    member = member_make()
    with frozen_at(START + datetime.timedelta(hours=1)):
        vote(motion, member, "against")
    with frozen_at(START + datetime.timedelta(hours=3)):
        vote(motion, member, "for")
    with frozen_at(START + datetime.timedelta(days=3)):
        online_motions_close()
    motion.refresh_from_db()
    assert (motion.votes_for, motion.votes_against) == (1, 0)
    assert OpenVote.objects.filter(motion=motion, member=member).count() == 2


def test_the_first_vote_stays_when_the_bylaws_keep_it():
    bylaws = bylaws_make(revote_replaces=False, in_force_from=START - datetime.timedelta(days=30))
    motion = online_motion(bylaws=bylaws)
    member = member_make()
    with frozen_at(START + datetime.timedelta(hours=1)):
        vote(motion, member, "against")
        with pytest.raises(AlreadyVoted):
            vote(motion, member, "for")


def test_the_vote_needs_the_bylaws_assurance():
    bylaws = bylaws_make(vote_assurance="high", in_force_from=START - datetime.timedelta(days=30))
    motion = online_motion(bylaws=bylaws)
    with frozen_at(START + datetime.timedelta(hours=1)), pytest.raises(AssuranceTooLow):
        vote(motion, member_make(), "for", acr="substantial")


def test_the_motion_keeps_the_bylaws_in_force_when_it_was_scheduled():
    first = bylaws_make(in_force_from=START - datetime.timedelta(days=30))
    motion = online_motion(bylaws=first)
    bylaws_make(in_force_from=START - datetime.timedelta(minutes=30), revote_replaces=False)
    assert Motion.objects.get(pk=motion.pk).bylaws == first


def test_opening_twice_opens_once():
    motion = online_motion()
    with frozen_at(START + datetime.timedelta(minutes=1)):
        assert online_motion_open(motion_id=motion.pk) is True
        assert online_motion_open(motion_id=motion.pk) is False
    assert online_motions_sweep(START + datetime.timedelta(minutes=2)) == (0, 0)


def test_a_motion_that_fails_to_close_does_not_hold_the_others_back(monkeypatch, caplog):
    first = online_motion(hours=2)
    second = online_motion(hours=2)
    from coop_governance import proposals as module

    real_close = module.motion_close

    def close_but_first(*, motion, acting_user):
        if motion.pk == first.pk:
            raise RuntimeError("the database went away")
        return real_close(motion=motion, acting_user=acting_user)

    monkeypatch.setattr(module, "motion_close", close_but_first)
    with frozen_at(START + datetime.timedelta(days=1)):
        assert online_motions_close() == {"opened": 0, "closed": 1}
    assert Motion.objects.get(pk=second.pk).status == MotionStatus.CLOSED
    assert Motion.objects.get(pk=first.pk).status == MotionStatus.SCHEDULED
    assert f"online motion {first.pk} could not be counted" in caplog.text
    monkeypatch.setattr(module, "motion_close", real_close)
    with frozen_at(START + datetime.timedelta(days=1, minutes=1)):
        assert online_motions_close() == {"opened": 0, "closed": 1}
    assert Motion.objects.get(pk=first.pk).status == MotionStatus.CLOSED


def test_the_beat_schedule_runs_the_task_every_minute():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["coop-governance-online-motions"]
    assert entry["task"] == "coop_governance.vote_tasks.online_motions_close"
    assert entry["schedule"].minute == set(range(60))
    assert "coop_governance.vote_tasks" in settings.CELERY_IMPORTS


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql_only")
def test_two_schedulers_at_once_open_and_close_each_motion_once():
    """Two beat workers (a restart overlapping, or two beats by mistake) sweep at the same
    moment: each motion is opened once and counted once, with one audit event each."""
    now = timezone.now()
    to_open = online_motion(opens=now - datetime.timedelta(seconds=10))
    to_close = online_motion(opens=now - datetime.timedelta(hours=3), hours=2)
    voter = member_make()
    OpenVote.objects.create(
        motion=to_close, member=voter, choice="for", cast_by=voter.person, acr="high"
    )
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait()
            results.append(online_motions_sweep())
        except Exception as error:  # pragma: no cover - shown if the test fails
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(opened for opened, _closed in results) == 1
    to_open.refresh_from_db()
    to_close.refresh_from_db()
    assert to_open.status == MotionStatus.OPEN
    assert to_close.status == MotionStatus.CLOSED and to_close.votes_for == 1
    assert [e.action for e in audit_events_for(to_open)] == ["motion_open"]
    assert [e.action for e in audit_events_for(to_close)] == ["motion_close"]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_counts_a_due_vote_from_the_broker(celery_worker_process, real_broker):
    """Beat's message, through Redis, to a worker process on the same database: the task
    is registered under the name the schedule gives and counts the vote."""
    motion = online_motion(opens=timezone.now() - datetime.timedelta(hours=3), hours=2)
    result = real_broker.send_task("coop_governance.vote_tasks.online_motions_close")
    assert result.get(timeout=30) == {"opened": 0, "closed": 1}
    motion.refresh_from_db()
    assert motion.status == MotionStatus.CLOSED
