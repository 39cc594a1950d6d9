"""The signing API (under /api/v1/ in config/urls.py)."""

from django.urls import path

from identity.signing import api

app_name = "signing_api"

urlpatterns = [
    path("signature-requests/", api.signature_requests_create, name="requests"),
    path("signature-requests/<uuid:request_id>", api.signature_request_read, name="request"),
    path(
        "signature-requests/<uuid:request_id>/document",
        api.signature_request_signed_document,
        name="document",
    ),
    path(
        "signature-requests/<uuid:request_id>/cancel",
        api.signature_request_cancel_view,
        name="cancel",
    ),
    path("signatures/verify", api.signatures_verify_view, name="verify"),
]
