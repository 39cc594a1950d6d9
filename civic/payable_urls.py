"""Payables' URLs: the person's pages under /ville/paiements/ and the services' API under
/api/v1/payables/, in the `civic` namespace through civic/urls.py."""

from django.urls import path

from civic import payable_api, payable_views

page_urlpatterns = [
    path("ville/paiements/", payable_views.payable_search, name="payable_search"),
    path("ville/paiements/<uuid:payable_id>/", payable_views.payable, name="payable"),
    path("ville/paiements/<uuid:payable_id>/payer", payable_views.payable_pay, name="payable_pay"),
]

api_urlpatterns = [
    path("api/v1/payables/", payable_api.payables_create, name="api_payables"),
    path("api/v1/payables/<uuid:payable_id>", payable_api.payable_read, name="api_payable"),
    path(
        "api/v1/payables/<uuid:payable_id>/cancel",
        payable_api.payable_cancel_view,
        name="api_payable_cancel",
    ),
]

urlpatterns = page_urlpatterns + api_urlpatterns
