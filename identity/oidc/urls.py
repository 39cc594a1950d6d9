from django.urls import path

from identity.oidc import views

app_name = "oidc"

urlpatterns = [
    # The most called first.
    path("oidc/token", views.token, name="token"),
    path("oidc/userinfo", views.userinfo, name="userinfo"),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    path(".well-known/openid-configuration", views.discovery, name="discovery"),
    path("oidc/authorize", views.authorize, name="authorize"),
    path("oidc/authorize/consent", views.authorize_consent, name="authorize_consent"),
    path(
        "oidc/authorize/resume/<str:request_id>",
        views.authorize_resume,
        name="authorize_resume",
    ),
    path("oidc/introspect", views.introspect, name="introspect"),
    path("oidc/revoke", views.revoke, name="revoke"),
    path("oidc/logout", views.end_session, name="end_session"),
    path("oidc/logout/confirm", views.end_session_confirm, name="end_session_confirm"),
]
