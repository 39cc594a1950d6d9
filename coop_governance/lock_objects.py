"""The only place the governance app locks rows (select_for_update). Order, always: the
motion, then the member."""

from coop_governance.models import Member, Motion


def motion_lock(pk: int) -> Motion:
    """The motion, locked alone (of=self: its by-laws and assembly are read, not locked)."""
    return (
        Motion.objects.select_for_update(of=("self",))
        .select_related("bylaws", "assembly")
        .get(pk=pk)
    )


def member_lock(pk: int) -> Member:
    return Member.objects.select_for_update().get(pk=pk)
