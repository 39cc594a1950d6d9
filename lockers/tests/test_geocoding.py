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


# --- A site saved in the admin without coordinates ------------------------------------

SITE_ADDRESS = "550, boulevard Charest Est, Québec, QC G1K 3J3, Canada"


@pytest.fixture
def admin(client):
    from identity.models import User

    client.force_login(
        User.objects.create_superuser(
            "root@example.com", "pw", given_name="A", family_name="B", preferred_language="en"
        )
    )
    return client


def _site_form(**overrides):
    from lockers.tests.test_admin import SITE_FORM

    return {**SITE_FORM, "latitude": "", "longitude": "", **overrides}


def _add(admin, data):
    from django.urls import reverse

    from tests.admin_forms import admin_post_data

    url = reverse("admin:lockers_site_add")
    return admin.post(url, admin_post_data(admin, url, data))


@pytest.mark.django_db
def test_a_site_without_coordinates_gets_them_from_the_geocoder(admin, nominatim):
    from lockers.models import Site

    nominatim.places[SITE_ADDRESS.casefold()] = ("46.8120451", "-71.2219874")
    response = _add(admin, _site_form())
    assert response.status_code == 302
    site = Site.objects.get(slug="casiers-saint-roch")
    assert (site.latitude, site.longitude) == (Decimal("46.812045"), Decimal("-71.221987"))
    assert nominatim.requests[0][1]["q"] == [SITE_ADDRESS]


@pytest.mark.django_db
def test_without_a_geocoder_the_admin_is_told_to_enter_coordinates(admin, settings):
    settings.LOCKERS_GEOCODER = ""
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _add(admin, _site_form())
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert errors == [
        "Enter the latitude and longitude: no geocoder is configured to find them from the address."
    ]


@pytest.mark.django_db
def test_an_address_the_geocoder_does_not_know_is_a_clear_error(admin, nominatim, settings):
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _add(admin, _site_form())
    assert response.status_code == 200
    assert "The address could not be located" in str(
        response.context["adminform"].form.non_field_errors()
    )


@pytest.mark.django_db
def test_a_failing_geocoder_is_a_clear_error_not_a_500(admin, nominatim, settings):
    nominatim.mode = "error"
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _add(admin, _site_form())
    assert response.status_code == 200
    assert "could not be located" in str(response.context["adminform"].form.non_field_errors())


@pytest.mark.django_db
def test_coordinates_typed_in_are_kept_and_the_geocoder_not_asked(admin, nominatim):
    from lockers.models import Site

    response = _add(admin, _site_form(latitude="46.800000", longitude="-71.200000"))
    assert response.status_code == 302
    assert Site.objects.get().latitude == Decimal("46.800000")
    assert nominatim.requests == []


@pytest.mark.django_db
def test_one_coordinate_alone_is_refused(admin, nominatim, settings):
    admin.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _add(admin, _site_form(latitude="46.800000"))
    assert response.status_code == 200
    assert "Enter both the latitude and the longitude, or neither." in response.content.decode()
    assert nominatim.requests == []
