"""Subject identifiers: pairwise per sector by default, public only for internal clients."""

import base64
import hashlib
import hmac
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from identity.models import OidcClient, User

PAIRWISE_KEY_LABEL = b"uniqc.identity.oidc.pairwise-subject.v1"


@cache
def _pairwise_key(salt: str) -> bytes:
    # The same derivation as when the salt was SECRET_KEY: a database made then keeps its
    # subjects when OIDC_PAIRWISE_SALT is set to that old SECRET_KEY.
    if not salt:
        raise ImproperlyConfigured("OIDC_PAIRWISE_SALT is not set.")
    return hmac.new(salt.encode(), PAIRWISE_KEY_LABEL, hashlib.sha256).digest()


def subject_for(*, user: User, client: OidcClient) -> str:
    """The `sub` this client sees: stable per sector (the host recorded when the client was
    registered), unlinkable across sectors, and not derivable from the user's identifiers
    without OIDC_PAIRWISE_SALT."""
    if client.is_internal:
        return str(user.public_id)
    message = f"{client.sector_identifier}|{user.public_id}".encode()
    digest = hmac.new(_pairwise_key(settings.OIDC_PAIRWISE_SALT), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
