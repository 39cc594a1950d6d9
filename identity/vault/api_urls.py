"""The vault's API for services, mounted under /api/v1/vault/ (config/urls.py)."""

from django.urls import path

from identity.vault import api

app_name = "vault_api"

urlpatterns = [
    path("documents/<uuid:public_id>", api.vault_document_read, name="document"),
]
