from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from config import views
from identity.card.urls import sign_in_urlpatterns as card_sign_in_urlpatterns

# Redoc, the API documentation page, loads its script from its CDN and styles itself
# inline: that page alone allows them (it has no form and shows no one's data).
REDOC_CDN = "https://cdn.jsdelivr.net"
api_docs = csp_update(
    {
        "script-src": [REDOC_CDN],
        "style-src": [SELF, UNSAFE_INLINE, "https://fonts.googleapis.com"],
        "font-src": [SELF, "https://fonts.gstatic.com"],
        "img-src": [SELF, "data:"],
        "worker-src": [SELF, "blob:"],
    }
)(SpectacularRedocView.as_view(url_name="api-schema"))

urlpatterns = [
    # First: relying parties call the token and userinfo endpoints far more often than
    # people load pages, and every pattern tried before theirs costs each of those calls.
    path("", include("identity.oidc.urls")),
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("compte/", include("identity.urls")),
    path("carte/", include("identity.card.urls")),
    path("login/", include((card_sign_in_urlpatterns, "card_login"))),
    path("boutiques/", include("marketplace.urls")),
    path("casiers/", include("lockers.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
]
