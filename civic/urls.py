"""The city's services, under /ville/ (namespace `civic`): calls for tenders (tender_urls)
and, beside them, the payables' module when it joins."""

from django.urls import include, path

app_name = "civic"

urlpatterns = [
    path("appels-d-offres/", include("civic.tender_urls")),
]
