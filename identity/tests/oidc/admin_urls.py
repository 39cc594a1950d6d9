"""An admin site holding only the OIDC client admin, as identity/admin.py registers it."""

from django.contrib.admin import AdminSite
from django.urls import path

from identity.oidc.admin import oidc_admin_register

site = AdminSite(name="oidc_admin_test")
oidc_admin_register(site)

urlpatterns = [path("admin/", site.urls)]
