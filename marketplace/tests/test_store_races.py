"""One application waiting per person, between real transactions on PostgreSQL: each
thread has its own connection."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from marketplace import services
from marketplace.errors import StoreApplicationPending
from marketplace.models import Store, StoreStatus
from marketplace.tests.test_store_rules import APPLICATION

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgresql_only"),
]


def test_two_applications_at_once_leave_one_waiting(make_person, monkeypatch):
    retailer = make_person("retailer@example.com", "shopper")
    # Both requests find no application waiting before either inserts its store.
    barrier = threading.Barrier(2, timeout=10)
    pending = services.store_application_pending

    def pending_then_wait(user):
        found = pending(user)
        barrier.wait()
        return found

    monkeypatch.setattr(services, "store_application_pending", pending_then_wait)

    def apply(n: int):
        try:
            return services.store_apply(
                applicant=retailer, **{**APPLICATION, "name": f"Boutique {n}"}
            )
        except StoreApplicationPending as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(apply, range(2)))

    assert sum(isinstance(o, StoreApplicationPending) for o in outcomes) == 1
    assert Store.objects.filter(applicant=retailer, status=StoreStatus.PENDING).count() == 1
