from django.urls import include, path

from identity import views
from identity.card import views as card_views
from identity.oidc import connected

app_name = "identity"

urlpatterns = [
    path("", views.account, name="account"),
    path("inscription/", views.signup, name="signup"),
    path("inscription/envoye/", views.signup_done, name="signup_done"),
    path("connexion/", views.login_view, name="login"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("profil/", views.profile, name="profile"),
    path("carte/", card_views.card_account, name="card"),
    path("carte/perdue/", card_views.card_declare_lost_view, name="card_declare_lost"),
    path("cles/", include("identity.passkeys.urls")),
    path("services-connectes/", connected.connected_services, name="connected_services"),
    path(
        "services-connectes/<str:client_id>/revoquer/",
        connected.connected_service_revoke,
        name="connected_service_revoke",
    ),
    path("verifier/nouveau-lien/", views.verify_email_resend, name="verify_email_resend"),
    path("verifier/<uidb64>/<token>/", views.verify_email, name="verify_email"),
    path("mot-de-passe/oubli/", views.password_reset, name="password_reset"),
    path("mot-de-passe/oubli/envoye/", views.password_reset_done, name="password_reset_done"),
    path(
        "mot-de-passe/reinitialise/",
        views.password_reset_complete,
        name="password_reset_complete",
    ),
    path("mot-de-passe/modifier/", views.password_change, name="password_change"),
    path("mot-de-passe/modifie/", views.password_change_done, name="password_change_done"),
    path(
        "mot-de-passe/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
]
