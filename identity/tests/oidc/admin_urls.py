"""An admin site holding only the OIDC client admin, as identity/admin.py registers it,
beside the site's own pages (a refusal renders the site's 403 page, which links to them)."""

from django.contrib.admin import AdminSite
from django.urls import include, path

from identity.oidc.admin import oidc_admin_register

site = AdminSite(name="oidc_admin_test")
oidc_admin_register(site)

urlpatterns = [path("admin/", site.urls), path("", include("config.urls"))]
