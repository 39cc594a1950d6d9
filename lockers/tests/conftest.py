# ruff: noqa: RUF001 - French typography (en dashes, multiplication signs) is intended.
from collections.abc import Callable
from decimal import Decimal

import pytest

from lockers.models import HostKind, Site
from lockers.services import compartments_ensure, site_upsert

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY_DAY = {day: [["06:00", "23:00"]] for day in DAYS}
# A test site is open around the clock unless it says otherwise: a test that deposits or
# redirects "now" must not depend on the hour the suite runs at (23 h to 6 h in Québec,
# a site open 6 h to 23 h is closed, and a redirect finds no site to go to).
ROUND_THE_CLOCK = {day: [["00:00", "24:00"]] for day in DAYS}


@pytest.fixture
def make_site(db) -> Callable[..., Site]:
    """A site made through the services, with 2 small, 1 medium and 1 large compartment."""
    counter = {"n": 0}

    def make(
        *,
        locality: str = "Québec",
        latitude: str = "46.811820",
        longitude: str = "-71.221900",
        is_active: bool = True,
        counts: dict[str, int] | None = None,
        opening_hours: dict | None = None,
    ) -> Site:
        counter["n"] += 1
        n = counter["n"]
        site, _created = site_upsert(
            slug=f"site-{n}",
            name=f"Casiers {n}",
            host_kind=HostKind.DESJARDINS,
            host_name=f"Caisse {n}",
            street_address=f"{n}, boulevard Charest Est",
            locality=locality,
            postal_code="G1K 3G6",
            latitude=Decimal(latitude),
            longitude=Decimal(longitude),
            access_hours="Tous les jours 6 h – 23 h" if opening_hours else "Jour et nuit",
            opening_hours=opening_hours or ROUND_THE_CLOCK,
            is_active=is_active,
        )
        compartments_ensure(site=site, counts=counts or {"S": 2, "M": 1, "L": 1})
        return site

    return make


@pytest.fixture
def courier(make_person):
    return make_person("courier@example.com", "courier")


@pytest.fixture
def signals_caught(monkeypatch):
    """Every lockers signal sent during the test, as (name, kwargs) in order.

    The test's transaction never commits, so work meant for after the commit (signals,
    tasks) runs as soon as it is registered (the race tests, which commit, see the real
    order)."""
    from django.db import transaction

    monkeypatch.setattr(
        transaction, "on_commit", lambda callback, using=None, robust=False: callback()
    )
    from lockers import signals

    caught: list[tuple[str, dict]] = []
    names = [
        "parcel_in_locker",
        "parcel_picked_up",
        "parcel_redirected",
        "parcel_pickup_reminder",
        "parcel_extended",
        "parcel_expired",
        "parcel_returned",
        "reservation_lapsed",
        "kiosk_locked",
    ]
    receivers = {}
    for name in names:

        def receiver(sender, signal=None, _name=name, **kwargs):
            caught.append((_name, kwargs))

        receivers[name] = receiver
        getattr(signals, name).connect(receiver, weak=False)
    yield caught
    for name, receiver in receivers.items():
        getattr(signals, name).disconnect(receiver)


from lockers.tests.controller_fixtures import (  # noqa: E402
    device_transport,
    inprocess,
    wire,
)

__all__ = ["device_transport", "inprocess", "wire"]

from lockers.tests.courier_fixtures import (  # noqa: E402
    api,
    courier_app,
    make_ready,
    token_for,
)

__all__ += ["api", "courier_app", "make_ready", "token_for"]


@pytest.fixture
def english():
    """Messages made outside a request (selectors, services) in English, for the tests that
    read their words (the site speaks French first; HTTP tests set the language cookie)."""
    from django.utils import translation

    with translation.override("en"):
        yield
