"""Card addresses. `urlpatterns` (under /carte/) publish revocation for relying parties;
`sign_in_urlpatterns` (under /login/) are the card sign-in page and its endpoints."""

from django.urls import path

from identity.card import views

app_name = "card"

urlpatterns = [
    path("crl.der", views.crl, name="crl"),
    path("ocsp", views.ocsp, name="ocsp"),
    path("ocsp/<path:encoded>", views.ocsp_get, name="ocsp_get"),
]

sign_in_urlpatterns = [
    path("card", views.sign_in_page, name="sign_in"),
    path("card/nonce", views.sign_in_nonce, name="nonce"),
    path("card/token", views.sign_in_token, name="token"),
]
