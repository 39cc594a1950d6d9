"""Signing's row locks, the only place that calls select_for_update for its models.

Order: a signature request before its signing session (ADR 0011, "Signing a PDF")."""

from identity.models import SignatureRequest, SigningSession


def signature_request_lock(*, request_id: int) -> SignatureRequest:
    """Lock one request row and return it fresh."""
    return (
        SignatureRequest.objects.select_for_update(of=("self",))
        .select_related("client", "person", "document", "signed_document", "card")
        .get(pk=request_id)
    )


def signing_session_lock(*, request: SignatureRequest, session_public_id: object) -> SigningSession:
    """Lock the request's session `session_public_id` (after the request) and return it
    fresh; SigningSession.DoesNotExist if it is not this request's."""
    return (
        SigningSession.objects.select_for_update(of=("self",))
        .select_related("card")
        .get(request=request, public_id=session_public_id)
    )
