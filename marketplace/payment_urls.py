from django.urls import path

from marketplace import payment_views

app_name = "payments"

urlpatterns = [
    path("webhooks/<slug:gateway>/", payment_views.webhook, name="webhook"),
    path("test/<str:intent_id>/", payment_views.test_payment, name="test_payment"),
    path("carte/<str:intent_id>/", payment_views.card_payment, name="card_payment"),
    path("boutiques/<slug:store_slug>/", payment_views.payout_account, name="payout_account"),
]
