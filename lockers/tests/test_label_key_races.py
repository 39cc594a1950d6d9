"""Two processes making the first label key, or staging the next, at the same moment: one
key results, and both use it (the one-active and one-staged constraints), on PostgreSQL."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from lockers import label_keys
from lockers.models import LabelSigningKey

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def both_decide_before_either_writes(monkeypatch, postgresql_only):
    """Hold each caller after it found no key, until the other has too."""
    barrier = threading.Barrier(2, timeout=10)
    create = label_keys._key_row_create

    def held(**kwargs):
        barrier.wait()
        return create(**kwargs)

    monkeypatch.setattr(label_keys, "_key_row_create", held)


def race(call) -> list:
    def run(_n: int):
        try:
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(run, range(2)))


def test_the_first_key_made_twice_at_once(both_decide_before_either_writes):
    first, second = race(label_keys.label_key_active)
    assert first.kid == second.kid
    assert LabelSigningKey.objects.count() == 1


def test_the_next_key_staged_twice_at_once(both_decide_before_either_writes):
    first, second = race(label_keys.label_key_stage)
    assert first.pk == second.pk
    assert LabelSigningKey.objects.filter(promoted_at__isnull=True).count() == 1
