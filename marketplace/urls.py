from django.urls import include, path

from marketplace import views

app_name = "marketplace"

# "mes-boutiques/" and "inscription/" come before "<slug>/"; their slugs are reserved
# (see RESERVED_STORE_SLUGS).
urlpatterns = [
    path("", views.store_list, name="store_list"),
    path("mes-boutiques/", views.my_stores, name="my_stores"),
    path("inscription/", views.store_application, name="store_application"),
    path("", include("marketplace.retailer_order_urls")),
    path("<slug:slug>/", views.store_detail, name="store_detail"),
]
