"""Signing pages (included at the site's root by config/urls.py): requests to sign under
/coffre/signatures/, the person's own PDF at /coffre/signer/, verification at
/signatures/verifier/."""

from django.urls import path

from identity.signing import views

app_name = "signing"

urlpatterns = [
    path("coffre/signer/", views.signing_own, name="own"),
    path(
        "coffre/signatures/<uuid:public_id>/",
        views.signature_request_page,
        name="request",
    ),
    path(
        "coffre/signatures/<uuid:public_id>/document",
        views.signature_request_document,
        name="document",
    ),
    path("coffre/signatures/<uuid:public_id>/preparer", views.signing_prepare, name="prepare"),
    path("coffre/signatures/<uuid:public_id>/terminer", views.signing_finish, name="finish"),
    path(
        "coffre/signatures/<uuid:public_id>/refuser",
        views.signature_request_decline_view,
        name="decline",
    ),
    path("signatures/verifier/", views.signing_verify, name="verify"),
]
