"""The city's services (namespace `civic`): calls for tenders under /ville/appels-d-offres/
(tender_urls), payables under /ville/paiements/ and their API under /api/v1/payables/
(payable_urls)."""

from django.urls import include, path

from civic import payable_urls

app_name = "civic"

urlpatterns = [
    path("ville/appels-d-offres/", include("civic.tender_urls")),
    *payable_urls.urlpatterns,
]
