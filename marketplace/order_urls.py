from django.urls import path

from marketplace import order_views

app_name = "orders"

urlpatterns = [
    path("", order_views.order_list, name="list"),
    path("<str:number>/", order_views.order_page, name="detail"),
    path("<str:number>/annuler/", order_views.order_cancel_view, name="cancel"),
    path(
        "<str:number>/casier/<int:shipment_id>/code/",
        order_views.locker_code_view,
        name="locker_code",
    ),
    path(
        "<str:number>/casier/<int:shipment_id>/prolonger/",
        order_views.locker_extend_view,
        name="locker_extend",
    ),
]
