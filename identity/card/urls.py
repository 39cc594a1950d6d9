"""Card addresses. `urlpatterns` (under /carte/) publish revocation for relying parties;
`sign_in_urlpatterns` (under /login/) are the card sign-in page and its endpoints."""

from django.urls import path

from identity.card import registrar, views

app_name = "card"

urlpatterns = [
    path("crl.der", views.crl, name="crl"),
    path("ocsp", views.ocsp, name="ocsp"),
    path("ocsp/<path:encoded>", views.ocsp_get, name="ocsp_get"),
    path("horodatage", views.tsa, name="tsa"),
    # The registrar's counter at a partner branch.
    path("guichet/", registrar.registrar_search, name="registrar"),
    path("guichet/personne/<uuid:public_id>/", registrar.registrar_person, name="registrar_person"),
    path("guichet/verification/<int:check_id>/", registrar.registrar_issue, name="registrar_issue"),
    path(
        "guichet/verification/<int:check_id>/defi",
        registrar.registrar_challenge,
        name="registrar_challenge",
    ),
    path(
        "guichet/verification/<int:check_id>/certificat",
        registrar.registrar_certificate,
        name="registrar_certificate",
    ),
    path(
        "guichet/verification/<int:check_id>/confirmation",
        registrar.registrar_confirm,
        name="registrar_confirm",
    ),
    path(
        "guichet/verification/<int:check_id>/cle-de-signature",
        registrar.registrar_signing_key,
        name="registrar_signing_key",
    ),
    path("guichet/carte/<int:card_id>/", registrar.registrar_card, name="registrar_card"),
]

sign_in_urlpatterns = [
    path("card", views.sign_in_page, name="sign_in"),
    path("card/nonce", views.sign_in_nonce, name="nonce"),
    path("card/token", views.sign_in_token, name="token"),
]
