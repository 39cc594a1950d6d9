"""The coop's governance pages, under /cooperative/. Each part (joining and the member's
page, assemblies, proposals, ristournes, the board's pages) has its own `<part>_urls.py`
included here."""

from django.urls import include, path

app_name = "governance"

urlpatterns = [
    # Membership: the member's page, joining, withdrawal and the board's register.
    path("", include("coop_governance.membership_urls")),
    # Proposals, their discussion and online votes.
    path("", include("coop_governance.proposal_urls")),
    # Assemblies: notice, register with the live quorum, votes in session, minutes.
    path("assemblees/", include("coop_governance.assembly_urls")),
    # Public: the by-laws in force and their versions, past results.
    path("", include("coop_governance.public_urls")),
    # Ristournes: the board's fiscal years and computations, each member's statements.
    path("", include("coop_governance.ristourne_urls")),
    # Secret-ballot elections: the booth, the trustees' ceremony, the bulletin board, results.
    path("scrutins/", include("coop_governance.election_urls")),
]
