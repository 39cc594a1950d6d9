"""/api/v1/store/: the point-of-sale API, for a store's own systems (docs/store-api.md)."""

from django.urls import path

from marketplace.api import store_views

app_name = "store_api"

urlpatterns = [
    path("key/", store_views.KeyInfo.as_view(), name="key"),
    path("listings/", store_views.ListingList.as_view(), name="listing_list"),
    path("listings/<int:pk>/", store_views.ListingDetail.as_view(), name="listing_detail"),
    path("variants/", store_views.VariantList.as_view(), name="variant_list"),
    path("variants/<int:pk>/", store_views.VariantDetail.as_view(), name="variant_detail"),
    path("stock/", store_views.StockUpdate.as_view(), name="stock"),
]
