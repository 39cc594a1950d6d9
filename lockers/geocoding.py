"""Addresses to coordinates, through geopy, when a geocoder is configured.

Without one (LOCKERS_GEOCODER empty, the default), `address_geocode` answers None and the
saved coordinates or the browser's position serve. Answers are cached in Django's cache;
a geocoder that fails, is slow or answers nonsense gives None and a log line, never an
error for the person who asked.
"""

import hashlib
import logging
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from geopy.adapters import RequestsAdapter
from geopy.exc import GeopyError
from geopy.geocoders import Nominatim

logger = logging.getLogger(__name__)

# Longer addresses are not addresses; they are not sent.
ADDRESS_MAX_LENGTH = 300
GEOCODE_CACHE_SECONDS = 30 * 24 * 3600
# An address the geocoder does not know is asked again after an hour.
GEOCODE_MISS_CACHE_SECONDS = 3600
GEOCODERS = ("nominatim",)
_MISS = "-"


@dataclass(frozen=True)
class Coordinates:
    """WGS 84 degrees with six decimals, as sites store them (identity/geo.py)."""

    latitude: Decimal
    longitude: Decimal


def geocoder_configured() -> bool:
    return bool(settings.LOCKERS_GEOCODER)


def _geocoder() -> Nominatim:
    name = settings.LOCKERS_GEOCODER
    if name != "nominatim":
        raise ValueError(f"unknown LOCKERS_GEOCODER {name!r}; known: {', '.join(GEOCODERS)}")
    url = urlsplit(settings.LOCKERS_GEOCODER_URL or "https://nominatim.openstreetmap.org")
    return Nominatim(
        domain=(url.netloc + url.path).rstrip("/"),
        scheme=url.scheme or "https",
        user_agent=settings.LOCKERS_GEOCODER_USER_AGENT,
        timeout=settings.LOCKERS_GEOCODER_TIMEOUT,
        # One try: a person is waiting, and a failure only means "no coordinates yet".
        adapter_factory=partial(RequestsAdapter, max_retries=0),
    )


def _address_normalize(address: str) -> str:
    return " ".join(address.split())


def _cache_key(address: str) -> str:
    digest = hashlib.sha256(address.casefold().encode()).hexdigest()
    return f"lockers:geocode:{settings.LOCKERS_GEOCODER}:{digest}"


def _coordinates(latitude: object, longitude: object) -> Coordinates | None:
    try:
        lat = Decimal(str(latitude)).quantize(Decimal("0.000001"))
        lon = Decimal(str(longitude)).quantize(Decimal("0.000001"))
    except (ArithmeticError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return Coordinates(latitude=lat, longitude=lon)


def address_geocode(address: str) -> Coordinates | None:
    """The coordinates of `address` in Canada, or None: no geocoder configured, an empty or
    too long address, an address the geocoder does not know, or a geocoder that failed."""
    if not geocoder_configured() or not isinstance(address, str):
        return None
    address = _address_normalize(address)
    if not address or len(address) > ADDRESS_MAX_LENGTH:
        return None
    key = _cache_key(address)
    cached = cache.get(key)
    if cached == _MISS:
        return None
    if cached is not None:
        return _coordinates(*cached)
    try:
        location = _geocoder().geocode(address, exactly_one=True, country_codes="ca")
        found = None if location is None else _coordinates(location.latitude, location.longitude)
    except GeopyError as error:
        logger.warning("geocoding failed (%s): %s", type(error).__name__, error)
        return None
    except Exception:
        # An answer geopy could not read, or a configuration it refused: the person saving
        # a site or looking for a locker is never shown an error page for it.
        logger.exception("geocoding failed")
        return None
    if found is None:
        cache.set(key, _MISS, GEOCODE_MISS_CACHE_SECONDS)
        return None
    cache.set(key, (str(found.latitude), str(found.longitude)), GEOCODE_CACHE_SECONDS)
    return found


class SiteNotGeocoded(Exception):
    """A site's coordinates could not be found from its address; `reason` says why."""

    code = "site_not_geocoded"
    NO_GEOCODER = "no_geocoder"
    NOT_FOUND = "not_found"

    def __init__(self, reason: str) -> None:
        super().__init__(self.messages[reason])
        self.reason = reason

    messages = {
        NO_GEOCODER: _(
            "Enter the latitude and longitude: no geocoder is configured to find them "
            "from the address."
        ),
        NOT_FOUND: _(
            "The address could not be located; check it, or enter the latitude and longitude."
        ),
    }


def site_address_text(*, street_address: str, locality: str, postal_code: str) -> str:
    """A site's address as a geocoder reads it."""
    return f"{street_address}, {locality}, QC {postal_code}, Canada"


def site_geocode(*, street_address: str, locality: str, postal_code: str) -> Coordinates:
    """The coordinates of a site's address; `SiteNotGeocoded` when there is no geocoder or
    it did not find the address."""
    if not geocoder_configured():
        raise SiteNotGeocoded(SiteNotGeocoded.NO_GEOCODER)
    found = address_geocode(
        site_address_text(street_address=street_address, locality=locality, postal_code=postal_code)
    )
    if found is None:
        raise SiteNotGeocoded(SiteNotGeocoded.NOT_FOUND)
    return found
