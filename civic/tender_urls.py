"""Calls for tenders, under /ville/appels-d-offres/: the pages, and the JSON endpoints the
bid page and the officials' trustee page call."""

from django.urls import path

from civic.views import tenders as views

urlpatterns = [
    path("", views.tender_list, name="tender_list"),
    path("nouveau/", views.tender_create, name="tender_create"),
    path("fournisseurs/", views.suppliers, name="tender_suppliers"),
    path("<uuid:public_id>/", views.tender_detail, name="tender_detail"),
    path(
        "<uuid:public_id>/ceremonie/",
        views.tender_ceremony_start,
        name="tender_ceremony_start",
    ),
    path("<uuid:public_id>/parametres.json", views.parameters, name="tender_parameters"),
    path("<uuid:public_id>/soumissions/", views.bid_post, name="tender_bid"),
    path("<uuid:public_id>/dossier.json", views.record, name="tender_record"),
    path("<uuid:public_id>/ouverture/", views.opening, name="tender_opening"),
    path(
        "<uuid:public_id>/ouverture/<int:position>",
        views.opened_bid,
        name="tender_opened_bid",
    ),
    path("<uuid:public_id>/officiel/", views.official_page, name="tender_official"),
    path(
        "<uuid:public_id>/officiel/etat.json",
        views.official_state,
        name="tender_official_state",
    ),
    path("<uuid:public_id>/officiel/cle/", views.official_key, name="tender_official_key"),
    path(
        "<uuid:public_id>/officiel/distribution/",
        views.official_deal,
        name="tender_official_deal",
    ),
    path(
        "<uuid:public_id>/officiel/verification/",
        views.official_check,
        name="tender_official_check",
    ),
    path(
        "<uuid:public_id>/officiel/depouillement/",
        views.official_opening,
        name="tender_official_opening",
    ),
]
