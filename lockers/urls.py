from django.urls import path

from lockers import views

app_name = "lockers"

urlpatterns = [
    path("", views.site_list, name="site_list"),
    path("tournee/", views.courier_sites, name="courier_sites"),
]

# --- The courier app as an installable web app (lockers/pwa_views.py) --------------------
from lockers import pwa_views  # noqa: E402

urlpatterns += [
    path("coursier/", pwa_views.courier_app, name="courier_app"),
    path("coursier/manifest.webmanifest", pwa_views.courier_manifest, name="courier_manifest"),
    path("coursier/sw.js", pwa_views.courier_service_worker, name="courier_service_worker"),
    path("coursier/hors-ligne/", pwa_views.courier_offline, name="courier_offline"),
]
