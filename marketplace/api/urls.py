"""/api/v1/: the marketplace's JSON API (docs/api.md)."""

from django.urls import path

from marketplace.api import views

app_name = "api"

urlpatterns = [
    path("stores/", views.StoreList.as_view(), name="store_list"),
    path("stores/<slug:slug>/", views.StoreDetail.as_view(), name="store_detail"),
    path("categories/", views.CategoryTree.as_view(), name="category_tree"),
]

from marketplace.api.catalogue import urlpatterns as catalogue_urlpatterns  # noqa: E402

urlpatterns += catalogue_urlpatterns
