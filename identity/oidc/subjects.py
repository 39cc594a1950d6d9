"""Subject identifiers: pairwise per sector by default, public only for internal clients."""

import base64
import hashlib
import hmac
from functools import cache

from django.conf import settings

from identity.models import OidcClient, User

PAIRWISE_KEY_LABEL = b"uniqc.identity.oidc.pairwise-subject.v1"


@cache
def _pairwise_key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), PAIRWISE_KEY_LABEL, hashlib.sha256).digest()


def subject_for(*, user: User, client: OidcClient) -> str:
    """The `sub` this client sees: stable per sector, unlinkable across sectors, and not
    derivable from the user's identifiers without the server's secret."""
    if client.is_internal:
        return str(user.public_id)
    message = f"{client.sector}|{user.public_id}".encode()
    digest = hmac.new(_pairwise_key(settings.SECRET_KEY), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
