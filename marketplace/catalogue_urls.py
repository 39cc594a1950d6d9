from django.urls import path

from marketplace import catalogue_views

app_name = "catalogue"

# "categorie/" comes before "<store>/<listing>/"; "categorie" is a reserved store slug
# (see RESERVED_STORE_SLUGS).
urlpatterns = [
    path("", catalogue_views.catalogue, name="search"),
    path("categorie/<slug:slug>/", catalogue_views.catalogue_category, name="category"),
    path(
        "<slug:store_slug>/<slug:listing_slug>/",
        catalogue_views.catalogue_listing_detail,
        name="listing",
    ),
]
