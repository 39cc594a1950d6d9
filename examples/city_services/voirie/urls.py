from django.urls import path

from voirie import views

app_name = "voirie"

urlpatterns = [
    path("", views.home, name="home"),
    path("auth/login", views.sign_in, name="sign_in"),
    path("auth/callback", views.auth_callback, name="auth_callback"),
    path("auth/logout", views.sign_out, name="sign_out"),
    path("signalements/nouveau", views.report_new, name="report_new"),
    path("constats/", views.tickets, name="tickets"),
    path("constats/demonstration", views.ticket_demo, name="ticket_demo"),
    path("constats/<int:pk>/envoyer", views.ticket_retry, name="ticket_retry"),
    path("permis/", views.permits, name="permits"),
    path("permis/<int:pk>/envoyer", views.permit_retry, name="permit_retry"),
    path("permis/<int:pk>/pdf", views.permit_pdf, name="permit_pdf"),
    path("appels-d-offres/", views.tenders, name="tenders"),
    path("appels-d-offres/<uuid:call_id>/", views.tender_opening, name="tender_opening"),
    path("uniqc/webhooks", views.uniqc_webhook, name="uniqc_webhook"),
]
