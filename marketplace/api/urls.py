"""/api/v1/: the marketplace's JSON API (docs/api.md)."""

from django.urls import path, register_converter

from marketplace.api import cart_views, order_views, views


class OrderNumberConverter:
    """An order's number as people read it (`UQ-2026-000123`): letters, digits and
    hyphens, at most 20; anything else is no order (404 before any query)."""

    regex = "[A-Za-z0-9-]{1,20}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(OrderNumberConverter, "order_number")

app_name = "api"

urlpatterns = [
    path("stores/", views.StoreList.as_view(), name="store_list"),
    path("stores/<slug:slug>/", views.StoreDetail.as_view(), name="store_detail"),
    path("categories/", views.CategoryTree.as_view(), name="category_tree"),
    path("cart/", cart_views.CartDetail.as_view(), name="cart"),
    path("cart/lines/", cart_views.CartLines.as_view(), name="cart_lines"),
    path("cart/lines/<int:line_id>/", cart_views.CartLineDetail.as_view(), name="cart_line"),
    path("checkout/", cart_views.Checkout.as_view(), name="checkout"),
    path("lockers/nearest/", cart_views.LockersNearest.as_view(), name="lockers_nearest"),
    path("orders/", order_views.OrderList.as_view(), name="order_list"),
    path("orders/<order_number:number>/", order_views.OrderDetail.as_view(), name="order_detail"),
    path(
        "orders/<order_number:number>/cancel/",
        order_views.OrderCancel.as_view(),
        name="order_cancel",
    ),
]

from marketplace.api.catalogue import urlpatterns as catalogue_urlpatterns  # noqa: E402

urlpatterns += catalogue_urlpatterns
