"""Membership's pages under /cooperative/: the member's page (or joining), paying the
shares, withdrawal, voting from the member's page, and the board's register."""

from django.urls import path

from coop_governance.views import membership, safe

urlpatterns = [
    path("", membership.dashboard, name="dashboard"),
    path("adherer/", membership.join, name="join"),
    path("adherer/<int:pk>/", membership.join_purchase, name="join_purchase"),
    path("adherer/paiement/<int:pk>/", membership.join_pay, name="join_pay"),
    path("membres/<int:number>/retrait/", membership.withdrawal_ask, name="withdrawal_ask"),
    path(
        "membres/<int:number>/releve/coffre",
        safe.membership_statement_keep_view,
        name="membership_statement_keep",
    ),
    path(
        "membres/<int:number>/votes/<int:motion_pk>/",
        membership.vote,
        name="dashboard_vote",
    ),
    path("registre/", membership.register, name="register"),
    path("registre/registre.csv", membership.register_csv, name="register_csv"),
    path("registre/<int:number>/", membership.register_member, name="register_member"),
    path("retraits/", membership.withdrawals, name="withdrawals"),
    path("retraits/<int:pk>/decision/", membership.withdrawal_decide, name="withdrawal_decide"),
    path(
        "retraits/<int:pk>/remboursement/", membership.withdrawal_refund, name="withdrawal_refund"
    ),
]
