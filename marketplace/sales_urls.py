"""A store's sales dashboard, for the people who work there (under /boutiques/)."""

from django.urls import path

from marketplace import sales_views

urlpatterns = [
    path(
        "mes-boutiques/<slug:store_slug>/ventes/",
        sales_views.store_sales_dashboard,
        name="store_sales",
    ),
]
