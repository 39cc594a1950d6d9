"""Geocoding through geopy, with Nominatim faked at the HTTP boundary."""

import logging
from decimal import Decimal

import pytest
from django.core.cache import cache

from lockers.geocoding import ADDRESS_MAX_LENGTH, Coordinates, address_geocode
from lockers.tests.fake_nominatim import FakeNominatim

ADDRESS = "550, rue Saint-Joseph Est, Québec, QC G1K 3B6"


@pytest.fixture
def nominatim(settings):
    fake = FakeNominatim().start()
    fake.places[ADDRESS.casefold()] = ("46.8139021", "-71.2248735")
    settings.LOCKERS_GEOCODER = "nominatim"
    settings.LOCKERS_GEOCODER_URL = fake.url
    settings.LOCKERS_GEOCODER_USER_AGENT = "uniqc-coop-tests/1 (tests@uniqc.coop)"
    settings.LOCKERS_GEOCODER_TIMEOUT = 0.5
    cache.clear()
    yield fake
    fake.stop()
    cache.clear()


def test_no_geocoder_by_default_means_none(settings):
    assert settings.LOCKERS_GEOCODER == ""
    assert address_geocode(ADDRESS) is None


def test_an_address_is_geocoded_through_geopy(nominatim):
    assert address_geocode(ADDRESS) == Coordinates(
        latitude=Decimal("46.813902"), longitude=Decimal("-71.224874")
    )
    ((path, params, user_agent),) = nominatim.requests
    assert path == "/nominatim/search"
    assert params["q"] == [ADDRESS]
    assert params["countrycodes"] == ["ca"]
    assert params["limit"] == ["1"]
    assert user_agent == "uniqc-coop-tests/1 (tests@uniqc.coop)"


def test_answers_are_cached(nominatim):
    first = address_geocode(ADDRESS)
    assert address_geocode("  " + ADDRESS.upper().replace(" ", "  ") + " ") == first
    assert len(nominatim.requests) == 1


def test_an_unknown_address_is_none_and_cached_for_a_while(nominatim):
    assert address_geocode("1, rue Nulle Part, Atlantide") is None
    assert address_geocode("1, rue Nulle Part, Atlantide") is None
    assert len(nominatim.requests) == 1


@pytest.mark.parametrize("mode", ["error", "garbage", "odd", "slow"])
def test_a_failing_geocoder_gives_none_and_a_log_line(nominatim, mode, caplog):
    nominatim.mode = mode
    with caplog.at_level(logging.WARNING, logger="lockers.geocoding"):
        result = address_geocode(ADDRESS)
    assert result is None
    if mode != "odd":
        assert "geocoding failed" in caplog.text
    # Failures are not cached: the next try asks again.
    nominatim.mode = "ok"
    assert address_geocode(ADDRESS) is not None


def test_a_geocoder_out_of_reach_gives_none(nominatim, settings, caplog):
    nominatim.stop()
    with caplog.at_level(logging.WARNING, logger="lockers.geocoding"):
        assert address_geocode(ADDRESS) is None
    assert "geocoding failed" in caplog.text


@pytest.mark.parametrize("address", ["", "   ", "x" * (ADDRESS_MAX_LENGTH + 1), None, 12])
def test_empty_or_oversized_addresses_are_not_sent(nominatim, address):
    assert address_geocode(address) is None
    assert nominatim.requests == []


def test_an_unknown_geocoder_name_gives_none(nominatim, settings, caplog):
    settings.LOCKERS_GEOCODER = "mapquest"
    with caplog.at_level(logging.WARNING, logger="lockers.geocoding"):
        assert address_geocode(ADDRESS) is None
    assert "unknown LOCKERS_GEOCODER" in caplog.text
