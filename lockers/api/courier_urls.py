"""/api/v1/courier/ (docs/courier-api.md)."""

from django.urls import path

from lockers.api import courier_views as views

courier_urlpatterns = [
    path("courier/manifest/", views.CourierManifest.as_view(), name="courier_manifest"),
    path(
        "courier/scan-at-store/", views.CourierScanAtStore.as_view(), name="courier_scan_at_store"
    ),
    path("courier/deposit/", views.CourierDeposit.as_view(), name="courier_deposit"),
    path("courier/jammed/", views.CourierJammed.as_view(), name="courier_jammed"),
    path("courier/damaged/", views.CourierDamaged.as_view(), name="courier_damaged"),
    path("courier/retrieve/", views.CourierRetrieve.as_view(), name="courier_retrieve"),
    path(
        "courier/return-to-store/",
        views.CourierReturnToStore.as_view(),
        name="courier_return_to_store",
    ),
]
