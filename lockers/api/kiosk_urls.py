"""/api/v1/kiosk/: the API for vendor-built kiosk screens (docs/kiosk.md)."""

from django.urls import path

from lockers.api import kiosk_views

app_name = "kiosk_api"

urlpatterns = [
    path("pickup/", kiosk_views.KioskPickupView.as_view(), name="pickup"),
    path("status/", kiosk_views.KioskStatusView.as_view(), name="status"),
]
