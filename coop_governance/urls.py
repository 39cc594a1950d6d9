"""The coop's governance pages, under /cooperative/. Each part (joining and the member's
page, assemblies, proposals, ristournes, the board's pages) has its own `<part>_urls.py`
included here."""

app_name = "governance"

urlpatterns: list = []

# Assemblies and the public pages (h2).
from django.urls import include, path  # noqa: E402

urlpatterns += [
    path("assemblees/", include("coop_governance.assembly_urls")),
    path("", include("coop_governance.public_urls")),
]
