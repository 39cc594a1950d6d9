"""lockers' part of /api/v1/: the courier app's endpoints (and the kiosk's)."""

from lockers.api.courier_urls import courier_urlpatterns

app_name = "lockers_api"

urlpatterns = [*courier_urlpatterns]
