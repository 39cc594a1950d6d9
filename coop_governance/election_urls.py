"""Secret-ballot elections, under /cooperative/scrutins/: the JSON endpoints the booth and
the trustees' pages call, and the pages."""

from django.urls import path

from coop_governance.views import elections as views

urlpatterns = [
    path("", views.election_list, name="election_list"),
    path("conseil/", views.board_elections, name="election_board_list"),
    path("conseil/<uuid:public_id>/", views.election_manage, name="election_manage"),
    path("<uuid:public_id>/parametres.json", views.parameters, name="election_parameters"),
    path("<uuid:public_id>/bulletins/", views.ballot_cast, name="election_cast"),
    path("<uuid:public_id>/isoloir/", views.booth, name="election_booth"),
    path("<uuid:public_id>/urne/", views.ballot_board, name="election_board"),
    path("<uuid:public_id>/resultats/", views.results, name="election_results"),
    path("<uuid:public_id>/dossier.json", views.record, name="election_record"),
    path("<uuid:public_id>/fiduciaire/", views.trustee_page, name="election_trustee"),
    path(
        "<uuid:public_id>/fiduciaire/etat.json",
        views.trustee_state,
        name="election_trustee_state",
    ),
    path("<uuid:public_id>/fiduciaire/cle/", views.trustee_key, name="election_trustee_cle"),
    path(
        "<uuid:public_id>/fiduciaire/distribution/",
        views.trustee_deal,
        name="election_trustee_distribution",
    ),
    path(
        "<uuid:public_id>/fiduciaire/verification/",
        views.trustee_check,
        name="election_trustee_verification",
    ),
    path(
        "<uuid:public_id>/fiduciaire/melange/",
        views.trustee_shuffle,
        name="election_trustee_melange",
    ),
    path(
        "<uuid:public_id>/fiduciaire/depouillement/",
        views.trustee_decrypt,
        name="election_trustee_depouillement",
    ),
]
