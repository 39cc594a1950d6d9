"""A store's settings, for its owners, and the page of an invitation (under /boutiques/)."""

from django.urls import path

from marketplace import settings_views

urlpatterns = [
    path(
        "mes-boutiques/invitation/<str:token>/",
        settings_views.invitation,
        name="invitation",
    ),
    path(
        "mes-boutiques/<slug:store_slug>/reglages/",
        settings_views.store_settings,
        name="store_settings",
    ),
    path(
        "mes-boutiques/<slug:store_slug>/reglages/fermetures/",
        settings_views.closure_add,
        name="store_closure_add",
    ),
    path(
        "mes-boutiques/<slug:store_slug>/reglages/fermetures/<int:pk>/retirer/",
        settings_views.closure_remove,
        name="store_closure_remove",
    ),
    path(
        "mes-boutiques/<slug:store_slug>/reglages/invitations/",
        settings_views.invitation_create,
        name="store_invitation_create",
    ),
    path(
        "mes-boutiques/<slug:store_slug>/reglages/invitations/<int:pk>/retirer/",
        settings_views.invitation_revoke,
        name="store_invitation_revoke",
    ),
    path(
        "mes-boutiques/<slug:store_slug>/reglages/equipe/<int:user_pk>/retirer/",
        settings_views.staff_remove,
        name="store_staff_remove",
    ),
]
