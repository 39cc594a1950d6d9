"""Bids racing each other and the deadline, between real transactions on PostgreSQL: each
thread has its own connection."""

import datetime
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from django.utils import timezone

from civic import tender_crypto as tc
from civic import tenders as services
from civic.models import Bid, TenderCall
from civic.tender_errors import TenderClosed
from civic.tender_locks import tender_call_lock
from civic.tests import tender_helpers as helpers
from civic.tests.conftest import NEQ_A, NEQ_B

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgresql_only"),
]


def _submit(call, person, neq, plaintext):
    bid, ciphertext = helpers.bid_encrypt(call, neq, plaintext)
    try:
        return services.bid_submit(
            call=call,
            bid=bid,
            ciphertext=ciphertext,
            user=person,
            acr="high",
            card_id=person.card.pk,
        )
    except TenderClosed as error:
        return error
    finally:
        connection.close()


def test_a_bid_waiting_for_the_lock_when_the_deadline_passes_is_refused(open_call, representative):
    """The bid's checks pass before the deadline; it then waits for the call's lock, held
    by another transaction until after the deadline: the deadline is read after the lock."""
    deadline = timezone.now() + datetime.timedelta(seconds=3)
    TenderCall.objects.filter(pk=open_call.pk).update(deadline=deadline)
    open_call.refresh_from_db()
    locked = threading.Event()

    def hold_the_lock():
        try:
            with transaction.atomic():
                tender_call_lock(open_call.pk)
                locked.set()
                while timezone.now() <= deadline + datetime.timedelta(milliseconds=500):
                    time.sleep(0.1)
        finally:
            connection.close()

    def bid_when_locked():
        locked.wait(10)
        assert timezone.now() < deadline
        return _submit(open_call, representative, NEQ_A, b"just in time?")

    with ThreadPoolExecutor(max_workers=2) as pool:
        holder = pool.submit(hold_the_lock)
        outcome = pool.submit(bid_when_locked).result(timeout=60)
        holder.result(timeout=60)
    assert isinstance(outcome, TenderClosed)
    assert not Bid.objects.exists()


def test_two_bids_at_once_take_consecutive_positions_on_one_chain(
    open_call, representative, representative_b
):
    barrier = threading.Barrier(2, timeout=20)

    def submit(args):
        person, neq = args
        barrier.wait()
        return _submit(open_call, person, neq, neq.encode())

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(submit, [(representative, NEQ_A), (representative_b, NEQ_B)]))
    assert all(isinstance(o, Bid) for o in outcomes)
    first, second = Bid.objects.filter(call=open_call).order_by("position")
    assert (first.position, second.position) == (1, 2)
    genesis = tc.board_genesis(open_call.eid, bytes.fromhex(open_call.fingerprint))
    assert first.previous_hash == genesis.hex()
    assert second.previous_hash == first.receipt_hash
