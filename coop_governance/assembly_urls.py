"""The assembly pages, under /cooperative/assemblees/."""

from django.urls import path

from coop_governance.views import assemblies as views

urlpatterns = [
    path("", views.assembly_list, name="assembly_list"),
    path("convoquer/", views.assembly_call_view, name="assembly_call"),
    path("<int:pk>/", views.assembly_detail, name="assembly_detail"),
    path("<int:pk>/direct/", views.assembly_live, name="assembly_live"),
    path("<int:pk>/registre/", views.attendance_sign_view, name="assembly_sign"),
    path("<int:pk>/proces-verbal.pdf", views.assembly_minutes, name="assembly_minutes"),
    path(
        "<int:pk>/documents/<int:document_pk>/",
        views.assembly_document,
        name="assembly_document",
    ),
    path("<int:pk>/votes/<int:motion_pk>/", views.motion_vote_view, name="assembly_vote"),
    path("<int:pk>/gestion/", views.assembly_manage, name="assembly_manage"),
    path("<int:pk>/gestion/point/", views.agenda_item_add_view, name="assembly_item_add"),
    path(
        "<int:pk>/gestion/document/", views.agenda_document_add_view, name="assembly_document_add"
    ),
    path(
        "<int:pk>/gestion/reglements/", views.bylaws_change_add_view, name="assembly_bylaws_change"
    ),
    path("<int:pk>/gestion/avis/", views.assembly_notice_send_view, name="assembly_notice"),
    path("<int:pk>/gestion/ouvrir/", views.assembly_open_view, name="assembly_open"),
    path("<int:pk>/gestion/clore/", views.assembly_close_view, name="assembly_close"),
    path(
        "<int:pk>/gestion/votes/<int:motion_pk>/ouvrir/",
        views.motion_open_view,
        name="assembly_motion_open",
    ),
    path(
        "<int:pk>/gestion/votes/<int:motion_pk>/clore/",
        views.motion_close_view,
        name="assembly_motion_close",
    ),
]
