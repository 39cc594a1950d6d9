"""Ristourne pages, under /cooperative/ristournes/."""

from django.urls import path

from coop_governance.views import ristournes as views
from coop_governance.views import safe

urlpatterns = [
    path("ristournes/", views.my_ristournes, name="ristournes_mine"),
    path("ristournes/<int:pk>/releve.pdf", views.ristourne_statement, name="ristourne_statement"),
    path(
        "ristournes/<int:pk>/releve/coffre",
        safe.ristourne_statement_keep_view,
        name="ristourne_statement_keep",
    ),
    path("ristournes/conseil/", views.board_ristournes, name="ristournes_board"),
    path(
        "ristournes/conseil/exercices/",
        views.board_fiscal_year_create,
        name="fiscal_year_create",
    ),
    path(
        "ristournes/conseil/exercices/<int:year_pk>/calcul/",
        views.board_ristourne_compute,
        name="ristourne_compute",
    ),
    path("ristournes/conseil/<int:pk>/", views.board_ristourne_detail, name="ristourne_detail"),
    path(
        "ristournes/conseil/<int:pk>/proposer/",
        views.board_ristourne_propose,
        name="ristourne_propose",
    ),
    path(
        "ristournes/conseil/<int:pk>/inscrire/",
        views.board_ristourne_record,
        name="ristourne_record",
    ),
    path(
        "ristournes/conseil/<int:pk>/ristournes.csv",
        views.board_ristourne_csv,
        name="ristourne_csv",
    ),
]
