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


# Membership (h1): a share purchase or a withdrawal is locked before its member.
from coop_governance.models import SharePurchase, Withdrawal  # noqa: E402


def share_purchase_lock(pk: int) -> SharePurchase:
    return SharePurchase.objects.select_for_update().get(pk=pk)


def withdrawal_lock(pk: int) -> Withdrawal:
    return Withdrawal.objects.select_for_update().get(pk=pk)


def ristourne_computation_lock(pk: int) -> "RistourneComputation":  # noqa: F821
    """A ristourne computation, locked alone; taken before its motion and its members."""
    from coop_governance.models import RistourneComputation

    return RistourneComputation.objects.select_for_update(of=("self",)).get(pk=pk)


def fiscal_year_lock(pk: int) -> "FiscalYear":  # noqa: F821
    """A fiscal year, locked: its computations are written one at a time."""
    from coop_governance.models import FiscalYear

    return FiscalYear.objects.select_for_update().get(pk=pk)


# Secret-ballot elections: the election, then the trustee or the member.
def election_lock(pk: int) -> "Election":  # noqa: F821
    """The election, locked for a change of state (its ceremony, its opening and closing,
    its count)."""
    from coop_governance.models import Election

    return Election.objects.select_for_update(of=("self",)).select_related("bylaws").get(pk=pk)


def election_share_lock(pk: int) -> "Election":  # noqa: F821
    """The election, held in share mode while a ballot is cast: casts do not wait for each
    other, but closing (election_lock) waits for every cast in progress, so no ballot
    lands after the count's input is taken. SQLite has one writer and needs no lock."""
    from django.db import connection

    from coop_governance.models import Election

    if connection.vendor == "postgresql":
        table = Election._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT id FROM "{table}" WHERE id = %s FOR SHARE', [pk])  # noqa: S608
    return Election.objects.get(pk=pk)


def trustee_lock(pk: int) -> "ElectionTrustee":  # noqa: F821
    from coop_governance.models import ElectionTrustee

    return ElectionTrustee.objects.select_for_update().get(pk=pk)
