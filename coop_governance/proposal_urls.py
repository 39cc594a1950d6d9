"""The members' proposals and online votes (under /cooperative/)."""

from django.urls import path

from coop_governance.views import proposals, votes

urlpatterns = [
    path("propositions/", proposals.proposal_list, name="proposal_list"),
    path("propositions/nouvelle/", proposals.proposal_new, name="proposal_new"),
    path("propositions/moderation/", proposals.proposal_moderation, name="proposal_moderation"),
    path("propositions/<int:pk>/", proposals.proposal_detail, name="proposal_detail"),
    path("propositions/<int:pk>/appui/", proposals.proposal_support_set, name="proposal_support"),
    path(
        "propositions/<int:pk>/commentaires/", proposals.proposal_comment, name="proposal_comment"
    ),
    path(
        "propositions/<int:pk>/commentaires/<int:comment_pk>/signaler/",
        proposals.proposal_comment_flag,
        name="proposal_comment_flag",
    ),
    path(
        "propositions/<int:pk>/commentaires/<int:comment_pk>/masquer/",
        proposals.proposal_comment_hide,
        name="proposal_comment_hide",
    ),
    path("propositions/<int:pk>/verrou/", proposals.proposal_thread_lock, name="proposal_lock"),
    path("propositions/<int:pk>/refus/", proposals.proposal_decline_view, name="proposal_decline"),
    path(
        "propositions/<int:pk>/planifier/assemblee/",
        proposals.proposal_schedule_assembly_view,
        name="proposal_schedule_assembly",
    ),
    path(
        "propositions/<int:pk>/planifier/en-ligne/",
        proposals.proposal_schedule_online_view,
        name="proposal_schedule_online",
    ),
    path("votes/", votes.vote_list, name="vote_list"),
    path("votes/<int:pk>/", votes.vote_detail, name="vote_detail"),
    path("votes/<int:pk>/voter/", votes.vote_cast, name="vote_cast"),
    path("votes/<int:pk>/resultat/", votes.vote_result, name="vote_result"),
]
