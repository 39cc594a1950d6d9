"""A store's order queue, for the people who work there (under /boutiques/)."""

from django.urls import path

from marketplace import order_views

urlpatterns = [
    path(
        "mes-boutiques/<slug:store_slug>/commandes/",
        order_views.store_orders,
        name="store_orders",
    ),
    path(
        "mes-boutiques/<slug:store_slug>/commandes/<int:shipment_id>/bordereau/",
        order_views.packing_slip,
        name="packing_slip",
    ),
    path(
        "mes-boutiques/<slug:store_slug>/commandes/<int:shipment_id>/etiquette/",
        order_views.shipment_label,
        name="shipment_label",
    ),
    path(
        "mes-boutiques/<slug:store_slug>/commandes/<int:shipment_id>/<slug:action>/",
        order_views.shipment_action,
        name="shipment_action",
    ),
]
