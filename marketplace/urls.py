from django.urls import include, path

from marketplace import staff_views, views

app_name = "marketplace"

# A store's staff manage its listings under /boutiques/mes-boutiques/<store>/produits/.
staff_urlpatterns = [
    path("", staff_views.listing_list, name="staff_listings"),
    path("nouveau/", staff_views.listing_new, name="staff_listing_new"),
    path("<int:pk>/", staff_views.listing_edit, name="staff_listing"),
    path("<int:pk>/publication/", staff_views.listing_status, name="staff_listing_status"),
    path("<int:pk>/variantes/nouvelle/", staff_views.variant_new, name="staff_variant_new"),
    path("<int:pk>/variantes/<int:variant_pk>/", staff_views.variant_edit, name="staff_variant"),
    path("<int:pk>/photos/nouvelle/", staff_views.photo_new, name="staff_photo_new"),
    path("<int:pk>/photos/<int:photo_pk>/", staff_views.photo_edit, name="staff_photo"),
    path(
        "<int:pk>/photos/<int:photo_pk>/deplacer/",
        staff_views.photo_move,
        name="staff_photo_move",
    ),
    path(
        "<int:pk>/photos/<int:photo_pk>/retirer/",
        staff_views.photo_remove,
        name="staff_photo_remove",
    ),
]

# "mes-boutiques/" and "inscription/" come before "<slug>/"; their slugs are reserved
# (see RESERVED_STORE_SLUGS).
urlpatterns = [
    path("", views.store_list, name="store_list"),
    path("mes-boutiques/", views.my_stores, name="my_stores"),
    path("mes-boutiques/<slug:store_slug>/produits/", include(staff_urlpatterns)),
    path("mes-boutiques/<slug:store_slug>/webhooks/", include("marketplace.webhook_urls")),
    path(
        "mes-boutiques/<slug:store_slug>/catalogue/", include("marketplace.catalogue_import_urls")
    ),
    path("inscription/", views.store_application, name="store_application"),
    path("", include("marketplace.retailer_order_urls")),
    path("", include("marketplace.sales_urls")),
    path("", include("marketplace.settings_urls")),
    path("", include("marketplace.payout_report_urls")),
    path("", include("marketplace.store_key_urls")),
    path("<slug:slug>/", views.store_detail, name="store_detail"),
]
