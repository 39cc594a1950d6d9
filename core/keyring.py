"""The two identity secrets that are not SECRET_KEY, and what they were derived as before.

Until issue 8, pairwise subjects and the sealing of OIDC signing keys were both derived
from SECRET_KEY, so rotating SECRET_KEY changed every subject and made the signing keys
unreadable. They now come from OIDC_PAIRWISE_SALT and KEY_ENCRYPTION_KEY; a database made
before keeps its subjects and keys when OIDC_PAIRWISE_SALT is the old SECRET_KEY and
KEY_ENCRYPTION_KEY holds `seal_key_from_secret_key(old SECRET_KEY)` (the local settings'
defaults do exactly that).
"""

import base64
import hashlib
import hmac

SIGNING_KEY_SEAL_LABEL = b"uniqc.identity.oidc.signing-key-seal.v1"


def seal_key_from_secret_key(secret_key: str) -> str:
    """The Fernet key that sealed OIDC signing keys when it was derived from SECRET_KEY."""
    derived = hmac.new(secret_key.encode(), SIGNING_KEY_SEAL_LABEL, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(derived).decode()
