"""The person's vault, under /coffre/ (config/urls.py)."""

from django.urls import path

from identity.vault import views

app_name = "vault"

urlpatterns = [
    path("", views.vault_home, name="home"),
    path("documents/<uuid:public_id>/", views.vault_document, name="document"),
    path("documents/<uuid:public_id>/voir", views.vault_document_view, name="view"),
    path("documents/<uuid:public_id>/telecharger", views.vault_document_download, name="download"),
    path("documents/<uuid:public_id>/partager", views.vault_document_share, name="share"),
    path(
        "documents/<uuid:public_id>/partages/<int:share_id>/retirer",
        views.vault_document_unshare,
        name="unshare",
    ),
    path("documents/<uuid:public_id>/supprimer", views.vault_document_delete_view, name="delete"),
    path("journal/", views.vault_log, name="log"),
    path("exporter", views.vault_export_view, name="export"),
]
