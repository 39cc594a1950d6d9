"""The services' read endpoint: `GET /api/v1/vault/documents/<uuid>` (docs/vault.md).

A service presents one of its own live access tokens (`Authorization: Bearer …`) whose
scope holds `vault`: a client-credentials token, or a token a person gave it at sign-in.
Either way the reader is the service, and it reads only a document shared with it and
not yet expired or revoked; the read is logged in the owner's vault log as a download by
the service. Every refusal is a problem document (RFC 9457) with a `code`.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from core.problems import problem_response
from identity.models import OidcAccessToken, OidcClient, VaultAction, VaultDocument
from identity.oidc.selectors import BEARER_TOKEN_MAX_LENGTH
from identity.oidc.token_store import token_by_string, token_is_live
from identity.vault import errors
from identity.vault.services import vault_document_open

VAULT_SCOPE = "vault"


class _Refused(Exception):
    def __init__(self, *, status: int, code: str, detail: str, challenge: str = "") -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.detail = detail
        self.challenge = challenge


def _bearer_client(request: HttpRequest) -> OidcClient:
    """The service whose live access token, with the `vault` scope, the request carries."""
    scheme, _space, token_string = request.headers.get("Authorization", "").partition(" ")
    token_string = token_string.strip()
    if scheme.lower() != "bearer" or not token_string:
        raise _Refused(
            status=401,
            code="not_authenticated",
            detail=_("Send a bearer access token with the “vault” scope."),
            challenge="Bearer",
        )
    token: Any = None
    if len(token_string) <= BEARER_TOKEN_MAX_LENGTH:
        token = token_by_string(token_string, "access_token")
    if not isinstance(token, OidcAccessToken) or not token_is_live(token):
        raise _Refused(
            status=401,
            code="invalid_token",
            detail=_("The access token is not valid: it is unknown, expired or revoked."),
            challenge='Bearer error="invalid_token"',
        )
    if VAULT_SCOPE not in token.scope.split():
        raise _Refused(
            status=403,
            code="insufficient_scope",
            detail=_("The access token was not granted the “vault” scope."),
            challenge=f'Bearer error="insufficient_scope", scope="{VAULT_SCOPE}"',
        )
    return token.client


def _problem(refused: _Refused) -> HttpResponse:
    headers = {"WWW-Authenticate": refused.challenge} if refused.challenge else None
    return problem_response(
        status=refused.status, code=refused.code, detail=str(refused.detail), headers=headers
    )


@csrf_exempt
@never_cache
def vault_document_read(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The document's bytes, as deposited, to a service it is shared with."""
    if request.method != "GET":
        response = problem_response(status=405, detail=_("Only GET is allowed here."))
        response["Allow"] = "GET"
        return response
    try:
        client = _bearer_client(request)
    except _Refused as refused:
        return _problem(refused)
    document = VaultDocument.objects.select_related("owner").filter(public_id=public_id).first()
    if document is None:
        error = errors.VaultDocumentNotFound()
        return problem_response(status=error.status, code=error.code, detail=str(error))
    try:
        content = vault_document_open(
            document=document, actor_client=client, action=VaultAction.DOWNLOAD
        )
    except errors.VaultError as error:
        return problem_response(status=error.status, code=error.code, detail=str(error))
    response = HttpResponse(content, content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.public_id}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Uniqc-Document-Kind"] = document.kind
    response["Uniqc-Document-Sha256"] = document.sha256
    return response
