"""A store owner's webhook pages (under /boutiques/mes-boutiques/<store>/webhooks/)."""

from django.urls import path

from marketplace import webhook_views

urlpatterns = [
    path("", webhook_views.webhook_settings, name="store_webhooks"),
    path("secret/", webhook_views.webhook_secret_new, name="store_webhook_secret"),
    path("essai/", webhook_views.webhook_test_send, name="store_webhook_ping"),
    path("<int:delivery_id>/", webhook_views.webhook_delivery, name="store_webhook_delivery"),
    path(
        "<int:delivery_id>/renvoyer/",
        webhook_views.webhook_delivery_replay_view,
        name="store_webhook_replay",
    ),
]
