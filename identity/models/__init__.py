"""The identity app's models, one module per subject, re-exported here.

`from identity.models import X` keeps working for every name below, and so do the dotted
paths the migrations name (identity.models.UserManager, identity.models.oidc_client_id_new,
identity.models.oidc_default_scopes). A new model goes in its subject's module and in
`__all__`; cross-module foreign keys import the model class (or name "identity.User").
"""

from identity.models.audit import AuditEvent
from identity.models.cards import (
    Card,
    CardRevocationReason,
    CardStatus,
    IdentityCheck,
    IdentityDocumentType,
    ServiceCertificate,
    ServiceCertificateKind,
    ServiceCertificateStatus,
)
from identity.models.membership import MembershipCategory, MembershipStatus
from identity.models.oidc import (
    OIDC_CODE_LIFETIME_SECONDS,
    OIDC_SCOPES,
    IdTokenAlg,
    OidcAccessToken,
    OidcAuthorizationCode,
    OidcClaimRelease,
    OidcClient,
    OidcConsent,
    OidcGrant,
    OidcRefreshToken,
    OidcSigningKey,
    OidcTokenMethods,
    digest_unique,
    oidc_client_id_new,
    oidc_default_scopes,
)
from identity.models.passkeys import Passkey
from identity.models.people import Language, Province, User, UserManager
from identity.models.signing import (
    SIGNING_SESSION_SECONDS,
    SignatureMode,
    SignatureRequest,
    SignatureRequestStatus,
    SigningSession,
)
from identity.models.vault import (
    VAULT_SHARE_MAX_DAYS,
    VaultAccess,
    VaultAction,
    VaultActorKind,
    VaultDocument,
    VaultDocumentKind,
    VaultShare,
)
from identity.models.webhooks import (
    ClientWebhookDelivery,
    ClientWebhookDeliveryStatus,
    ClientWebhookEndpoint,
    ClientWebhookEvent,
)

__all__ = [
    "OIDC_CODE_LIFETIME_SECONDS",
    "OIDC_SCOPES",
    "SIGNING_SESSION_SECONDS",
    "VAULT_SHARE_MAX_DAYS",
    "AuditEvent",
    "Card",
    "CardRevocationReason",
    "CardStatus",
    "ClientWebhookDelivery",
    "ClientWebhookDeliveryStatus",
    "ClientWebhookEndpoint",
    "ClientWebhookEvent",
    "IdTokenAlg",
    "IdentityCheck",
    "IdentityDocumentType",
    "Language",
    "MembershipCategory",
    "MembershipStatus",
    "OidcAccessToken",
    "OidcAuthorizationCode",
    "OidcClaimRelease",
    "OidcClient",
    "OidcConsent",
    "OidcGrant",
    "OidcRefreshToken",
    "OidcSigningKey",
    "OidcTokenMethods",
    "Passkey",
    "Province",
    "ServiceCertificate",
    "ServiceCertificateKind",
    "ServiceCertificateStatus",
    "SignatureMode",
    "SignatureRequest",
    "SignatureRequestStatus",
    "SigningSession",
    "User",
    "UserManager",
    "VaultAccess",
    "VaultAction",
    "VaultActorKind",
    "VaultDocument",
    "VaultDocumentKind",
    "VaultShare",
    "digest_unique",
    "oidc_client_id_new",
    "oidc_default_scopes",
]
