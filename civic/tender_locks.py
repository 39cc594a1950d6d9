"""The only place the tenders lock rows (select_for_update). Order, always: the call, then
the official."""

from civic.models import TenderCall, TenderOfficial


def tender_call_lock(pk: int) -> TenderCall:
    """The call, locked alone: its board's positions are assigned under this lock."""
    return TenderCall.objects.select_for_update(of=("self",)).get(pk=pk)


def tender_official_lock(pk: int) -> TenderOfficial:
    return TenderOfficial.objects.select_for_update(of=("self",)).get(pk=pk)
