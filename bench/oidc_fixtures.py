"""Rows the OpenID Connect benchmark needs, made under bench.settings.

Prints JSON: a confidential client, an access token for userinfo, and a file of
single-use refresh tokens (rotation makes each one good for exactly one request), one
grant each. The grants are what the consent flow leaves: the person consented to every
claim of the scope, so userinfo releases them all, as it would for a real relying party.
Run by bench/oidc_http.py; not a test fixture.
"""

import json
import os
import secrets
import sys
from datetime import date, timedelta
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from identity.models import (  # noqa: E402
    OidcAccessToken,
    OidcClaimRelease,
    OidcGrant,
    OidcRefreshToken,
    User,
)
from identity.oidc.claims import claims_requested  # noqa: E402
from identity.oidc.services import (  # noqa: E402
    digest,
    oidc_client_create,
    oidc_consent_record,
)
from identity.services import user_create  # noqa: E402

SCOPE = "openid profile email"


def main(refresh_count: int, tokens_path: Path) -> None:
    now = timezone.now()
    with transaction.atomic():
        user = User.objects.filter(email="bench@example.ca").first() or user_create(
            email="bench@example.ca",
            password=None,
            given_name="Banc",
            family_name="D'essai",
            email_verified=True,
            phone="514-555-0199",
            street_address="1200, rue Saint-Jean",
            locality="Québec",
            region="QC",
            postal_code="G1R 1S3",
            birth_date=date(1984, 6, 24),
        )
        created = oidc_client_create(
            name=f"bench-{secrets.token_hex(4)}",
            redirect_uris=["https://bench.example.ca/callback"],
        )
        client = created.client
        # What the consent page leaves when the person keeps every claim ticked.
        released = claims_requested(
            scope=SCOPE, claims_request={}, allowed_scopes=set(client.allowed_scopes.split())
        )
        oidc_consent_record(
            user=user, client=client, claims_asked=released, claims_granted=released
        )
        OidcClaimRelease.objects.create(user=user, client=client, claims=released, released_at=now)
        grants = OidcGrant.objects.bulk_create(
            OidcGrant(
                client=client, user=user, scope=SCOPE, released_claims=released, created_at=now
            )
            for _ in range(refresh_count + 1)
        )
        access_token = secrets.token_urlsafe(32)
        OidcAccessToken.objects.create(
            token_digest=digest(access_token),
            grant=grants[0],
            client=client,
            user=user,
            scope=SCOPE,
            expires_at=now + timedelta(hours=2),
        )
        # Each grant has had an access token, as in a running provider: the token tables
        # are as large as their use makes them, and so are the planner's statistics.
        OidcAccessToken.objects.bulk_create(
            OidcAccessToken(
                token_digest=digest(secrets.token_urlsafe(32)),
                grant=grant,
                client=client,
                user=user,
                scope=SCOPE,
                expires_at=now + timedelta(hours=1),
            )
            for grant in grants[1:]
        )
        refresh_tokens = [secrets.token_urlsafe(32) for _ in range(refresh_count)]
        OidcRefreshToken.objects.bulk_create(
            OidcRefreshToken(
                token_digest=digest(token),
                grant=grant,
                client=client,
                user=user,
                scope=SCOPE,
                expires_at=now + timedelta(days=1),
            )
            for token, grant in zip(refresh_tokens, grants[1:], strict=True)
        )
    # Settle the database as a running one is: planner statistics and visibility maps
    # (autovacuum keeps them; freshly loaded tables have neither, and the first reads of
    # each row would write), and the load's dirty pages on disk, so that no checkpoint
    # writes them during the measurements.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        cursor.execute("CHECKPOINT")
    tokens_path.write_text("\n".join(refresh_tokens) + "\n")
    json.dump(
        {
            "client_id": client.client_id,
            "client_secret": created.client_secret,
            "access_token": access_token,
            "refresh_tokens_file": str(tokens_path),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
