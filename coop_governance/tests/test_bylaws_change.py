"""Changing the by-laws by special resolution: adopted at two thirds of the votes cast, the
change becomes the next version, in force from the adoption; an assembly keeps the rules in
force when it was called."""

import datetime

import pytest
from django.utils import timezone

from coop_governance import assemblies as services
from coop_governance.bylaws_changes import bylaws_change_adopt, bylaws_change_propose
from coop_governance.errors import MotionStateRefused, NoticeTooShort
from coop_governance.models import Bylaws, BylawsChange, Majority
from coop_governance.selectors import bylaws_in_force
from coop_governance.tests.factories import board_seat_give, bylaws_make, member_make
from coop_governance.votes import open_vote_cast
from identity.audit import audit_events_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def founding():
    return bylaws_make(notice_days=10, quorum_count=2)


@pytest.fixture
def chair(founding):
    member = member_make(email="chair@example.org")
    board_seat_give(member)
    return member.person


def assembly_with_change(chair, **terms):
    """An assembly called under the by-laws in force, its notice sent, in session, with a
    change of the by-laws on its agenda."""
    assembly = services.assembly_call(
        kind="special",
        title="Assemblée extraordinaire",
        starts_at=timezone.now() + datetime.timedelta(days=11),
        place="Salle",
        video_room=False,
        acting_user=chair,
    )
    item = bylaws_change_propose(
        assembly=assembly,
        title="Porter l’avis à 30 jours",
        body="Pour laisser aux membres le temps de lire les documents.",
        terms=terms,
        acting_user=chair,
    )
    services.assembly_notice_send(assembly=assembly, acting_user=chair)
    assembly = services.assembly_open(assembly=assembly, acting_user=chair)
    return assembly, item.motion


def votes(assembly, motion, chair, choices):
    """Members sign the register, the chair opens the vote, each votes one choice."""
    members = [member_make() for _ in choices]
    for member in members:
        services.attendance_sign(assembly=assembly, member=member, user=member.person, acr="high")
    motion = services.assembly_motion_open(motion=motion, acting_user=chair)
    for member, choice in zip(members, choices, strict=True):
        open_vote_cast(motion=motion, member=member, choice=choice, user=member.person, acr="high")
    return services.assembly_motion_close(motion=motion, acting_user=chair)


def test_an_adopted_change_is_the_next_version_and_the_assembly_keeps_its_own(founding, chair):
    assembly, motion = assembly_with_change(chair, notice_days=30, quorum_count=4)
    assert motion.majority == Majority.SPECIAL
    assert BylawsChange.objects.get(motion=motion).share_price == founding.share_price
    motion = votes(assembly, motion, chair, ["for", "for", "against", "abstain"])
    assert motion.adopted  # 2 of 3 votes cast: exactly two thirds
    new = Bylaws.objects.get(adopted_by=motion)
    assert (new.version, new.notice_days, new.quorum_count) == (2, 30, 4)
    assert new.in_force_from == motion.closed_at
    assert sorted(new.board_seats.values_list("category", "seats")) == sorted(
        founding.board_seats.values_list("category", "seats")
    )
    assert bylaws_in_force() == new
    assert audit_events_for(new).get().action == "bylaws_adopt"
    # The assembly that adopted it keeps the version it was called under, and its quorum.
    assembly.refresh_from_db()
    assert assembly.bylaws == founding
    assert services.assembly_quorum(assembly).required == 2
    # A repeat makes nothing new.
    assert bylaws_change_adopt(motion=motion, acting_user=chair) == new
    assert Bylaws.objects.count() == 2
    # The next assembly is called under the new version: 11 days' notice is now too short.
    with pytest.raises(NoticeTooShort):
        services.assembly_call(
            kind="annual",
            title="AGA",
            starts_at=timezone.now() + datetime.timedelta(days=11),
            place="",
            video_room=False,
            acting_user=chair,
        )


def test_a_change_short_of_two_thirds_changes_nothing(founding, chair):
    assembly, motion = assembly_with_change(chair, notice_days=30)
    motion = votes(assembly, motion, chair, ["for", "for", "against", "against"])
    assert motion.adopted is False
    assert Bylaws.objects.count() == 1
    assert bylaws_in_force() == founding
    with pytest.raises(MotionStateRefused):
        bylaws_change_adopt(motion=motion, acting_user=chair)


def test_an_assembly_called_before_a_change_keeps_the_rules_in_force_when_called(founding, chair):
    earlier = services.assembly_call(
        kind="annual",
        title="AGA",
        starts_at=timezone.now() + datetime.timedelta(days=40),
        place="",
        video_room=False,
        acting_user=chair,
    )
    assembly, motion = assembly_with_change(chair, quorum_rule="share", quorum_percent=50)
    votes(assembly, motion, chair, ["for", "for", "for"])
    assert bylaws_in_force().quorum_rule == "share"
    earlier.refresh_from_db()
    assert earlier.bylaws == founding
    assert services.assembly_quorum(earlier).required == 2  # the count rule of version 1


def test_a_change_names_only_terms_of_the_bylaws(founding, chair):
    assembly = services.assembly_call(
        kind="special",
        title="AGE",
        starts_at=timezone.now() + datetime.timedelta(days=11),
        place="",
        video_room=False,
        acting_user=chair,
    )
    with pytest.raises(TypeError):
        bylaws_change_propose(
            assembly=assembly, title="x", body="", terms={"version": 9}, acting_user=chair
        )
