"""The coop's governance pages, under /cooperative/. Each part (joining and the member's
page, assemblies, proposals, ristournes, the board's pages) has its own `<part>_urls.py`
included here."""

app_name = "governance"

urlpatterns: list = []

from coop_governance import ristourne_urls  # noqa: E402 - each part appends its own

urlpatterns += ristourne_urls.urlpatterns
