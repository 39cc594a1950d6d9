"""A store's payouts report, for its owner (under /boutiques/)."""

from django.urls import path

from marketplace import payout_report_views

urlpatterns = [
    path(
        "mes-boutiques/<slug:store_slug>/versements/",
        payout_report_views.payout_report_page,
        name="payout_report",
    ),
    path(
        "mes-boutiques/<slug:store_slug>/versements/csv/",
        payout_report_views.payout_report_download,
        name="payout_report_csv",
    ),
]
