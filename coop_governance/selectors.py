"""Reads that carry the coop's rules: the by-laws in force, who a person may act for,
and the `access_*` checks of the board's and the members' acts."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from coop_governance.errors import BoardOnly, BylawsMissing, NotAMember
from coop_governance.models import BoardMandate, Bylaws, Member, MemberStatus


def bylaws_in_force(at: Any = None) -> Bylaws:
    """The version of the by-laws in force at `at` (now by default): the latest one whose
    `in_force_from` has come."""
    bylaws = (
        Bylaws.objects.filter(in_force_from__lte=at or timezone.now())
        .prefetch_related("board_seats")
        .order_by("-in_force_from", "-version")
        .first()
    )
    if bylaws is None:
        raise BylawsMissing()
    return bylaws


def members_represented_by(user: Any) -> QuerySet[Member]:
    """The open lines of the register `user` acts for: their own membership, and the
    memberships of the stores they own (a store votes through its owner)."""
    from marketplace.models import StoreRole

    if not getattr(user, "is_authenticated", False):
        return Member.objects.none()
    return Member.objects.filter(
        Q(person=user)
        | Q(store__staff__user=user, store__staff__role=StoreRole.OWNER, person__isnull=True)
    ).exclude(status=MemberStatus.WITHDRAWN)


def member_of(user: Any) -> Member | None:
    """The person's own open membership (not a store's), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(person=user).exclude(status=MemberStatus.WITHDRAWN).first()


def access_member_acting(user: Any, member: Member) -> Member:
    """The member `user` may act for (sign a register, vote): an active line of the
    register that is theirs or their store's. Raises NotAMember otherwise."""
    if not getattr(user, "is_authenticated", False):
        raise NotAMember()
    if member.status != MemberStatus.ACTIVE:
        raise NotAMember()
    if not members_represented_by(user).filter(pk=member.pk).exists():
        raise NotAMember()
    return member


def board_members(on: Any = None) -> QuerySet[Member]:
    """The members sitting on the board on a day (today by default)."""
    day = on or timezone.localdate()
    return Member.objects.filter(
        board_mandates__started_on__lte=day,
        status=MemberStatus.ACTIVE,
    ).filter(Q(board_mandates__ended_on__isnull=True) | Q(board_mandates__ended_on__gte=day))


def is_on_board(user: Any) -> bool:
    """True when `user` holds an open board mandate through their own active membership."""
    member = member_of(user)
    return member is not None and board_members().filter(pk=member.pk).exists()


def access_board(user: Any) -> Any:
    """The board's acts (calling an assembly, scheduling a vote, keeping the register): a
    person sitting on the board, or the coop's administrators (who answer to it)."""
    if not getattr(user, "is_authenticated", False):
        raise BoardOnly()
    if user.has_perm("coop_governance.administer_members"):
        return user
    if is_on_board(user):
        return user
    raise BoardOnly()


def access_members_only(user: Any) -> Any:
    """What the members keep among themselves (the proposals and their discussions, the
    minutes with the register's names): a person with an open line of the register, theirs
    or their store's, or the board. Raises NotAMember otherwise."""
    if not getattr(user, "is_authenticated", False):
        raise NotAMember()
    if members_represented_by(user).exists():
        return user
    try:
        return access_board(user)
    except BoardOnly as error:
        raise NotAMember() from error


def active_members_count() -> int:
    return Member.objects.filter(status=MemberStatus.ACTIVE).count()


def open_board_mandates() -> Iterable[BoardMandate]:
    return BoardMandate.objects.filter(ended_on__isnull=True).select_related("member__person")
