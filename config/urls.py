from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import views
from identity.card.urls import sign_in_urlpatterns as card_sign_in_urlpatterns

# Swagger UI, the API documentation page, runs from our static files (drf-spectacular-
# sidecar), its start-up script served by the same view (`?script`), so that no inline
# script is needed. It styles itself inline and draws its icons as data: images: that
# page alone allows them (it shows no one's data).
api_docs = csp_update(
    {
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
    }
)(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))

# The coop's administration names itself, not Django, in its header and tab titles.
admin.site.site_header = _("Uniqc Coop administration")
admin.site.site_title = _("Uniqc Coop administration")
admin.site.index_title = _("What the coop manages")

# The coop's pages, linked from every page's footer, and the style guide.
pages_urlpatterns = [
    *(
        path(route, views.coop_page, {"template": template}, name=name)
        for route, name, template in views.COOP_PAGES
    ),
    path("design/", views.design_system, name="design"),
]

urlpatterns = [
    # First: relying parties call the token and userinfo endpoints far more often than
    # people load pages, and every pattern tried before theirs costs each of those calls.
    path("", include("identity.oidc.urls")),
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("", include((pages_urlpatterns, "pages"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("compte/", include("identity.urls")),
    path("carte/", include("identity.card.urls")),
    path("coffre/", include("identity.vault.urls")),
    # Signing (identity/signing/urls.py): /coffre/signatures/…, /coffre/signer/, /signatures/….
    path("", include("identity.signing.urls")),
    path("login/", include((card_sign_in_urlpatterns, "card_login"))),
    path("boutiques/", include("marketplace.urls")),
    path("paiement/", include("marketplace.payment_urls")),
    path("panier/", include("marketplace.cart_urls")),
    path("commandes/", include("marketplace.order_urls")),
    path("catalogue/", include("marketplace.catalogue_urls")),
    path("casiers/", include("lockers.urls")),
    path("cooperative/", include("coop_governance.urls")),
    # The city's services (civic/urls.py): tenders and payables under /ville/, and the
    # payables' API under /api/v1/payables/.
    path("", include("civic.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("marketplace.api.urls")),
    path("api/v1/", include("lockers.api.urls")),
    path("api/v1/kiosk/", include("lockers.api.kiosk_urls")),
    path("api/v1/store/", include("marketplace.api.store_urls")),
    path("api/v1/vault/", include("identity.vault.api_urls")),
    path("api/v1/", include("identity.signing.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", api_docs, name="api-docs"),
]


# Uploaded photos, served by Django only where a local setting says so (`make run`, the
# browser tests); production's web server serves MEDIA_ROOT itself. `serve` refuses paths
# outside MEDIA_ROOT and lists no directory.
def media_serve(request: HttpRequest, path: str) -> HttpResponse:
    return serve(request, path, document_root=settings.MEDIA_ROOT, show_indexes=False)


if settings.SERVE_MEDIA:
    urlpatterns += [re_path(r"^media/(?P<path>.+)$", media_serve)]

# The site's own error pages (config/views.py), also with DEBUG off under `make run`.
handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = views.page_not_found
handler500 = views.server_error
