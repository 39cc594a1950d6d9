from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CivicConfig(AppConfig):
    name = "civic"
    verbose_name = _("City services")

    def ready(self) -> None:
        from civic import payable_receivers  # noqa: F401
        from identity.roles import Role, role_permissions_add

        # Tenders: creating calls and approving suppliers' representatives. The coop's
        # administrators hold them; the city's other officials get them one by one (the
        # administration site's user permissions).
        tender_permissions = [
            "civic.add_tendercall",
            "civic.view_tendercall",
            "civic.add_supplierrepresentative",
            "civic.view_supplier",
        ]
        role_permissions_add(Role.COOP_ADMIN, tender_permissions)
