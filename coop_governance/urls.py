"""The coop's governance pages, under /cooperative/. Each part (joining and the member's
page, assemblies, proposals, ristournes, the board's pages) has its own `<part>_urls.py`
included here."""

app_name = "governance"

urlpatterns: list = []

# Membership: the member's page, joining, withdrawal and the board's register (h1).
from coop_governance import membership_urls  # noqa: E402

urlpatterns += membership_urls.urlpatterns
from django.urls import include, path  # noqa: E402 - each part appends its pages

urlpatterns += [path("", include("coop_governance.proposal_urls"))]
