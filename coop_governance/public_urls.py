"""The coop's public pages: by-laws and results."""

from django.urls import path

from coop_governance.views import public as views

urlpatterns = [
    path("reglements/", views.bylaws_public, name="bylaws"),
    path("reglements/<int:version>/", views.bylaws_version_public, name="bylaws_version"),
    path("resultats/", views.results_public, name="results"),
]
