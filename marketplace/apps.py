from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Marketplace")

    def ready(self) -> None:
        from identity import account_panels
        from identity.roles import Role, role_permissions_add
        from marketplace import receivers  # noqa: F401 - connects the receivers
        from marketplace.account_panels import PANELS

        for panel in PANELS:
            account_panels.register(panel)

        role_permissions_add(
            Role.COOP_ADMIN,
            [
                "marketplace.view_store",
                "marketplace.add_store",
                "marketplace.change_store",
                "marketplace.decide_store",
                "marketplace.view_storestaff",
                "marketplace.add_storestaff",
                "marketplace.change_storestaff",
                "marketplace.view_category",
                "marketplace.add_category",
                "marketplace.change_category",
                "marketplace.view_listing",
                "marketplace.add_listing",
                "marketplace.change_listing",
                "marketplace.view_variant",
                "marketplace.add_variant",
                "marketplace.change_variant",
                # Shown, never written, in the admin (marketplace/admin.py).
                "marketplace.view_order",
                "marketplace.view_payment",
                "marketplace.view_transfer",
                "marketplace.view_paymentevent",
                "marketplace.view_payoutaccount",
            ],
        )
