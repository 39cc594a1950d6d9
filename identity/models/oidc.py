"""The OpenID Connect provider's clients, grants, codes, tokens, keys and consents.

Secrets, codes and tokens are stored as SHA-256 digests (hex), never as values. The
protocol methods on these models are the ones Authlib calls (identity.oidc.server).
"""

import hashlib
import hmac
import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity.models.people import User

# Scopes that open one of the coop's JSON APIs to the client (a permission, not claims):
# the coop grants them to a client on purpose, never by default.
OIDC_API_SCOPES = ("marketplace", "courier", "signature_requests", "vault", "payables")
OIDC_SCOPES = (
    "openid",
    "profile",
    "email",
    "address",
    "phone",
    "age",
    "membership",
    "locale",
    *OIDC_API_SCOPES,
)
OIDC_CODE_LIFETIME_SECONDS = 60


def oidc_client_id_new() -> str:
    return secrets.token_urlsafe(24)


def oidc_default_scopes() -> str:
    return " ".join(scope for scope in OIDC_SCOPES if scope not in OIDC_API_SCOPES)


class IdTokenAlg(models.TextChoices):
    ES256 = "ES256", "ES256"
    RS256 = "RS256", "RS256"


class OidcClient(models.Model):
    """A relying party: a service that signs people in with Uniqc."""

    client_id = models.CharField(
        _("client identifier"), max_length=64, unique=True, default=oidc_client_id_new
    )
    client_secret_digest = models.CharField(
        _("client secret digest"), max_length=64, blank=True, editable=False
    )
    name = models.CharField(_("name"), max_length=150)
    is_public = models.BooleanField(
        _("public client"), default=False, help_text=_("Cannot keep a secret; must use PKCE.")
    )
    is_internal = models.BooleanField(
        _("internal service"),
        default=False,
        help_text=_("A coop service: receives the public subject identifier, no consent asked."),
    )
    # The host whose clients share pairwise subjects: the redirect URIs' one host, or the
    # host of sector_identifier_uri. Recorded at registration and never changed, since
    # every `sub` the client has received is derived from it (identity.oidc.subjects).
    sector_identifier = models.CharField(
        _("sector identifier"), max_length=253, blank=True, editable=False
    )
    sector_identifier_uri = models.URLField(
        _("sector identifier URI"),
        blank=True,
        help_text=_(
            "Required when the redirect URIs are on more than one host: an https address "
            "serving a JSON array of the client’s redirect URIs. Its host is the sector."
        ),
    )
    pkce_required = models.BooleanField(
        _("PKCE required"),
        default=True,
        help_text=_(
            "Every authorization request must carry an S256 code challenge (OAuth 2.1). "
            "Untick only for an old confidential service that cannot send one; a public "
            "client always needs PKCE."
        ),
    )
    id_token_alg = models.CharField(
        _("ID token signing algorithm"),
        max_length=5,
        choices=IdTokenAlg.choices,
        default=IdTokenAlg.ES256,
    )
    redirect_uris = models.JSONField(_("redirect URIs"), default=list)
    post_logout_redirect_uris = models.JSONField(
        _("post-logout redirect URIs"), default=list, blank=True
    )
    allowed_scopes = models.CharField(
        _("allowed scopes"), max_length=200, default=oidc_default_scopes
    )
    logo_url = models.URLField(_("logo URL"), blank=True)
    policy_url = models.URLField(_("privacy policy URL"), blank=True)
    terms_url = models.URLField(_("terms of service URL"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Every change moves it: the token endpoint's copies of a client are checked against
    # it (identity.oidc.clients).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("OpenID Connect client")
        verbose_name_plural = _("OpenID Connect clients")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_public=True, client_secret_digest="")
                | (models.Q(is_public=False) & ~models.Q(client_secret_digest="")),
                name="identity_oidcclient_secret_iff_confidential",
            ),
            models.CheckConstraint(
                condition=~models.Q(sector_identifier=""),
                name="identity_oidcclient_sector_identifier_set",
            ),
            models.CheckConstraint(
                condition=models.Q(is_public=False) | models.Q(pkce_required=True),
                name="identity_oidcclient_public_requires_pkce",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from identity.oidc.validation import client_sector_validate, redirect_uris_validate

        errors = {}
        for field in ("redirect_uris", "post_logout_redirect_uris"):
            try:
                redirect_uris_validate(getattr(self, field), required=field == "redirect_uris")
            except ValidationError as error:
                errors[field] = error.messages
        unknown = set(self.allowed_scopes.split()) - set(OIDC_SCOPES)
        if unknown:
            errors["allowed_scopes"] = [_("Unknown scopes: %s") % " ".join(sorted(unknown))]
        if "redirect_uris" not in errors:
            try:
                client_sector_validate(self)
            except ValidationError as error:
                errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude: set[str] | None = None) -> None:
        # An empty sector means clean() could not derive it and has said why; the
        # constraint would only repeat it (the database still enforces it on save).
        if not self.sector_identifier:
            exclude = {*(exclude or ()), "sector_identifier"}
        super().validate_constraints(exclude=exclude)

    # Authlib ClientMixin.
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None

    def get_allowed_scope(self, scope: str) -> str:
        allowed = set(self.allowed_scopes.split())
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        if self.is_public or not client_secret:
            return False
        digest = hashlib.sha256(client_secret.encode()).hexdigest()
        return hmac.compare_digest(digest, self.client_secret_digest)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.is_public:
            return method == "none" and endpoint in ("token", "revocation")
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type == "client_credentials":
            return not self.is_public
        return grant_type in ("authorization_code", "refresh_token")


def digest_unique(table: str, field: str) -> models.UniqueConstraint:
    """A unique digest column. A constraint rather than `unique=True`: on PostgreSQL the
    field option also builds a `varchar_pattern_ops` index for LIKE queries, which digests
    never see and every insert and update of a token would pay for."""
    return models.UniqueConstraint(fields=[field], name=f"{table}_{field}_unique")


class OidcGrant(models.Model):
    """One authorization and every token issued from it: revoked together."""

    client = models.ForeignKey(OidcClient, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="oidc_grants"
    )
    scope = models.CharField(max_length=200)
    claims = models.JSONField(default=dict, blank=True)
    # Names of the claims the person agreed to release under this grant.
    released_claims = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("authorization grant")
        verbose_name_plural = _("authorization grants")

    def __str__(self) -> str:
        return f"{self.client} / {self.user_id or '-'} #{self.pk}"


class OidcAuthorizationCode(models.Model):
    """An authorization code, single use, valid at most 60 seconds."""

    code_digest = models.CharField(max_length=64)
    grant = models.OneToOneField(OidcGrant, on_delete=models.CASCADE, related_name="code")
    client = models.ForeignKey(OidcClient, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    redirect_uri = models.CharField(max_length=500)
    scope = models.CharField(max_length=200)
    nonce = models.CharField(max_length=255, blank=True)
    code_challenge = models.CharField(max_length=128, blank=True)
    code_challenge_method = models.CharField(max_length=5, blank=True, choices=[("S256", "S256")])
    claims = models.JSONField(default=dict, blank=True)
    acr = models.CharField(max_length=20)
    amr = models.JSONField(default=list)
    auth_time = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("authorization code")
        verbose_name_plural = _("authorization codes")
        constraints = [
            digest_unique("identity_oidcauthorizationcode", "code_digest"),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="identity_oidcauthorizationcode_expires_after_creation",
            ),
            models.CheckConstraint(
                condition=models.Q(code_challenge="", code_challenge_method="")
                | (~models.Q(code_challenge="") & models.Q(code_challenge_method="S256")),
                name="identity_oidcauthorizationcode_pkce_s256",
            ),
        ]

    def __str__(self) -> str:
        return f"code #{self.pk}"

    # Authlib AuthorizationCodeMixin and OIDC AuthorizationCodeMixin.
    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce or None

    def get_auth_time(self) -> int:
        return int(self.auth_time.timestamp())

    def get_acr(self) -> str:
        return self.acr

    def get_amr(self) -> list[str]:
        return list(self.amr)


class OidcTokenMethods:
    """What Authlib asks of a stored token (its TokenMixin), shared by both token models."""

    def check_client(self, client: OidcClient) -> bool:
        return self.client_id == client.pk

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int((self.expires_at - self.created_at).total_seconds())

    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    def get_user(self) -> "User | None":
        return self.user

    def get_client(self) -> OidcClient:
        return self.client


class OidcAccessToken(OidcTokenMethods, models.Model):
    """A bearer access token, known by its digest."""

    token_digest = models.CharField(max_length=64)
    grant = models.ForeignKey(OidcGrant, on_delete=models.CASCADE, related_name="access_tokens")
    client = models.ForeignKey(OidcClient, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    scope = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")
        constraints = [digest_unique("identity_oidcaccesstoken", "token_digest")]

    def __str__(self) -> str:
        return f"access token #{self.pk}"

    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class OidcRefreshToken(OidcTokenMethods, models.Model):
    """A refresh token, rotated on use; presenting a used one revokes its grant."""

    token_digest = models.CharField(max_length=64)
    grant = models.ForeignKey(OidcGrant, on_delete=models.CASCADE, related_name="refresh_tokens")
    client = models.ForeignKey(OidcClient, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("refresh token")
        verbose_name_plural = _("refresh tokens")
        constraints = [
            digest_unique("identity_oidcrefreshtoken", "token_digest"),
            models.UniqueConstraint(
                fields=["grant"],
                condition=models.Q(used_at__isnull=True, revoked_at__isnull=True),
                name="identity_oidcrefreshtoken_one_live_per_grant",
            ),
        ]

    def __str__(self) -> str:
        return f"refresh token #{self.pk}"

    def is_revoked(self) -> bool:
        return self.revoked_at is not None or self.used_at is not None


class OidcSigningKey(models.Model):
    """A key that signs ID tokens (identity/oidc/keys.py). Per algorithm: at most one staged
    key (published, not signing yet), one active key; retired keys stay in the JWKS until
    `not_after`, when no token they signed is still valid."""

    kid = models.CharField(max_length=64, unique=True)
    alg = models.CharField(max_length=5, choices=IdTokenAlg.choices)
    # The private key's PEM, encrypted (Fernet) under the first KEY_ENCRYPTION_KEY.
    private_key_sealed = models.TextField(editable=False)
    public_jwk = models.JSONField()
    # When it was staged (published).
    created_at = models.DateTimeField(default=timezone.now)
    # When it began to sign; null while staged.
    promoted_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    not_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alg"],
                condition=models.Q(promoted_at__isnull=False, retired_at__isnull=True),
                name="identity_oidcsigningkey_one_active_per_alg",
            ),
            models.UniqueConstraint(
                fields=["alg"],
                condition=models.Q(promoted_at__isnull=True, retired_at__isnull=True),
                name="identity_oidcsigningkey_one_staged_per_alg",
            ),
            models.CheckConstraint(
                condition=models.Q(retired_at__isnull=True) | models.Q(promoted_at__isnull=False),
                name="identity_oidcsigningkey_retired_after_signing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alg} {self.kid}"


class OidcConsent(models.Model):
    """What a person agreed to release to a client, remembered until revoked."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="oidc_consents")
    client = models.ForeignKey(OidcClient, on_delete=models.CASCADE, related_name="consents")
    # Every claim the person was asked about, and those they agreed to release.
    claims_asked = models.JSONField(default=list, blank=True)
    claims_granted = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "client"], name="identity_oidcconsent_one_per_user_client"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.client}"


class OidcClaimRelease(models.Model):
    """One release of claims to a client, for the person's log of who received what."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="oidc_claim_releases")
    client = models.ForeignKey(OidcClient, on_delete=models.CASCADE, related_name="+")
    claims = models.JSONField(default=list, blank=True)
    # What else was released, for releases that are not claims: a signed or shared
    # document is `claims = ["signed_document"]`, `detail = {"document": "<uuid>"}`.
    detail = models.JSONField(default=dict, blank=True)
    released_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("claim release")
        verbose_name_plural = _("claim releases")
        indexes = [models.Index(fields=["user", "-released_at"], name="identity_claimrelease_user")]

    def __str__(self) -> str:
        return f"{self.client} {self.released_at:%Y-%m-%d %H:%M}"
