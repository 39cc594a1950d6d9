from django.urls import path

from lockers import courier_views, kiosk_views, label_views, pwa_views, views

app_name = "lockers"

urlpatterns = [
    path("", views.site_list, name="site_list"),
    path("tournee/", views.courier_sites, name="courier_sites"),
    # Labels: the keys a courier's phone checks labels with, offline.
    path("etiquettes/cles.json", label_views.label_keys, name="label_keys"),
    # The courier app as an installable web app.
    path("coursier/", courier_views.manifest_page, name="courier_app"),
    path(
        "coursier/arret/<slug:kind_slug>/<slug:key>/",
        courier_views.stop_page,
        name="courier_stop",
    ),
    path("coursier/colis/<str:code>/coince/", courier_views.jammed_report, name="courier_jammed"),
    path(
        "coursier/colis/<str:code>/endommage/",
        courier_views.damaged_report,
        name="courier_damaged",
    ),
    path("coursier/manifest.webmanifest", pwa_views.courier_manifest, name="courier_manifest"),
    path("coursier/sw.js", pwa_views.courier_service_worker, name="courier_service_worker"),
    path("coursier/hors-ligne/", pwa_views.courier_offline, name="courier_offline"),
    # The kiosk: the touch screen at a site where shoppers type or show their pickup code.
    path("kiosque/", kiosk_views.kiosk, name="kiosk"),
    path("kiosque/activer/", kiosk_views.kiosk_activate, name="kiosk_activate"),
]
