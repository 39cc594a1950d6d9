"""The courier's world for tests: a store's ready parcels with signed labels, and a phone
app's access tokens as our OpenID Connect provider stores them."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from identity.models import OidcAccessToken, OidcClient, OidcGrant
from identity.oidc.services import digest, oidc_client_create
from lockers import services
from lockers.labels import label_sign
from lockers.models import Parcel, Site

STORE = {
    "origin_name": "Boulangerie du Faubourg",
    "origin_address": "701, rue Saint-Jean, Québec",
    "origin_latitude": Decimal("46.808900"),
    "origin_longitude": Decimal("-71.219700"),
}


@dataclass
class Ready:
    parcel: Parcel
    label: str


def label_for(parcel: Parcel, *, window_hours: int = 4) -> str:
    return label_sign(
        parcel_code=parcel.public_code,
        site_slug=parcel.destination_site.slug,
        size_class=parcel.size_class,
        window_hours=window_hours,
        issued_at=timezone.now(),
        store_name=parcel.origin_name or "Boutique",
    )


@pytest.fixture
def make_ready(db):
    """make_ready(site, reference=..., deliver_by=..., **origin) → a parcel the store
    packed (a courier's pickup) and its signed label."""
    counter = {"n": 0}

    def make(
        site: Site,
        *,
        size: str = "S",
        deliver_by: datetime | None = None,
        **origin,
    ) -> Ready:
        counter["n"] += 1
        parcel = services.parcel_create(
            external_reference=f"TEST-{counter['n']:04d}",
            size_class=size,
            destination_site=site,
            acting_user=None,
            deliver_by=deliver_by or timezone.now() + timedelta(hours=20),
            **{**STORE, **origin},
        )
        parcel = services.parcel_ready(parcel=parcel, acting_user=None)
        return Ready(parcel=parcel, label=label_for(parcel))

    return make


@pytest.fixture
def courier_app(db) -> OidcClient:
    return oidc_client_create(
        name="Uniqc Coursier",
        redirect_uris=["https://courier.example/callback"],
        is_public=True,
        allowed_scopes="openid courier marketplace",
    ).client


@pytest.fixture
def token_for(courier_app):
    """token_for(user, scope="openid courier") → a live access token's string."""

    def make(user, *, scope: str = "openid courier") -> str:
        now = timezone.now()
        grant = OidcGrant.objects.create(client=courier_app, user=user, scope=scope)
        token = secrets.token_urlsafe(32)
        OidcAccessToken.objects.create(
            token_digest=digest(token),
            grant=grant,
            client=courier_app,
            user=user,
            scope=scope,
            created_at=now,
            expires_at=now + timedelta(hours=1),
        )
        return token

    return make


@pytest.fixture
def api():
    cache.clear()
    return Client(HTTP_ACCEPT="application/json", enforce_csrf_checks=True)


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
