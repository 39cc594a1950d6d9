"""Uniqc as an OpenID Connect provider, through Authlib's Django client.

Everything about Uniqc is read from its discovery document: endpoints, the JWKS that
ID token signatures are checked against, the end-session endpoint used to sign out.
"""

from typing import Any

from authlib.integrations.django_client import OAuth
from django.conf import settings

oauth = OAuth()
oauth.register(
    name="uniqc",
    client_id=settings.CITY_CLIENT_ID,
    client_secret=settings.CITY_CLIENT_SECRET,
    server_metadata_url=f"{settings.UNIQC_ISSUER}/.well-known/openid-configuration",
    client_kwargs={"scope": settings.UNIQC_SCOPE, "code_challenge_method": "S256"},
)
uniqc = oauth.uniqc

# The ID token must come from the issuer this service was configured with, not merely
# from whatever issuer the discovery document names.
ID_TOKEN_CLAIMS_OPTIONS: dict[str, Any] = {
    "iss": {"essential": True, "values": [settings.UNIQC_ISSUER]},
}


def callback_url() -> str:
    return f"{settings.CITY_BASE_URL}/auth/callback"


def post_logout_url() -> str:
    return f"{settings.CITY_BASE_URL}/"
