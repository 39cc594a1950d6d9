"""The owner's page of a store's API keys (under /boutiques/)."""

from django.urls import path

from marketplace import store_key_views

urlpatterns = [
    path(
        "mes-boutiques/<slug:store_slug>/cles-api/",
        store_key_views.api_keys,
        name="store_api_keys",
    ),
    path(
        "mes-boutiques/<slug:store_slug>/cles-api/<int:pk>/revoquer/",
        store_key_views.api_key_revoke,
        name="store_api_key_revoke",
    ),
]
