"""Passkey addresses, under /compte/cles/."""

from django.urls import path

from identity.passkeys import views

app_name = "passkeys"

urlpatterns = [
    path("", views.passkey_list, name="list"),
    path("ajouter/options/", views.passkey_register_options, name="register_options"),
    path("ajouter/", views.passkey_register_view, name="register"),
    path("<int:passkey_id>/renommer/", views.passkey_rename_view, name="rename"),
    path("<int:passkey_id>/retirer/", views.passkey_remove_view, name="remove"),
    path("connexion/options/", views.sign_in_options, name="sign_in_options"),
    path("connexion/", views.sign_in, name="sign_in"),
]
