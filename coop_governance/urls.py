"""The coop's governance pages, under /cooperative/. Each part (joining and the member's
page, assemblies, proposals, ristournes, the board's pages) has its own `<part>_urls.py`
included here."""

app_name = "governance"

urlpatterns: list = []

# Membership: the member's page, joining, withdrawal and the board's register (h1).
from coop_governance import membership_urls  # noqa: E402

urlpatterns += membership_urls.urlpatterns
