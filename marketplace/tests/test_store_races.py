"""One application waiting per person, between real transactions on PostgreSQL: each
thread has its own connection."""

import pytest

from core.tests.races import all_at_once, barrier_after
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
    barrier_after(monkeypatch, services, "store_application_pending", 2)

    def apply(n: int):
        return services.store_apply(applicant=retailer, **{**APPLICATION, "name": f"Boutique {n}"})

    outcomes = all_at_once(apply, 2)

    assert sum(isinstance(o, StoreApplicationPending) for o in outcomes) == 1
    assert Store.objects.filter(applicant=retailer, status=StoreStatus.PENDING).count() == 1
