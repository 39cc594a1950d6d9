"""The payables' only row lock (select_for_update): one payable at a time, never with a
gateway call in flight."""

from django.db import connection

from civic.models import Payable


def payable_lock(payable_pk: int) -> Payable:
    """Lock one payable and return it as it is now; inside a transaction only."""
    if not connection.in_atomic_block:
        raise RuntimeError("payable_lock runs inside a transaction")
    return (
        Payable.objects.select_for_update(of=("self",)).select_related("client").get(pk=payable_pk)
    )
