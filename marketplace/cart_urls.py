from django.urls import path

from marketplace import cart_views

app_name = "cart"

urlpatterns = [
    path("", cart_views.cart_detail, name="detail"),
    path("ajouter/", cart_views.cart_add, name="add"),
    path("accepter/", cart_views.cart_accept, name="accept"),
    path("lignes/<int:line_id>/", cart_views.cart_line_update, name="line_update"),
    path("lignes/<int:line_id>/retirer/", cart_views.cart_line_delete, name="line_remove"),
    path("paiement/", cart_views.checkout, name="checkout"),
]
