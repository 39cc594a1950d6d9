from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LockersConfig(AppConfig):
    name = "lockers"
    verbose_name = _("Lockers")

    def ready(self) -> None:
        from identity import account_panels
        from identity.roles import Role, role_permissions_add
        from lockers import receivers  # noqa: F401 - connects the controllers' signals
        from lockers.account_panels import PANELS

        for panel in PANELS:
            account_panels.register(panel)

        role_permissions_add(Role.COURIER, ["lockers.carry_parcels"])
        role_permissions_add(
            Role.COOP_ADMIN,
            [
                "lockers.view_site",
                "lockers.add_site",
                "lockers.change_site",
                "lockers.view_compartment",
                "lockers.add_compartment",
                "lockers.change_compartment",
                "lockers.view_parcel",
                "lockers.view_reservation",
                "lockers.view_custodyevent",
                "lockers.view_kiosklockout",
                "lockers.view_kioskdevice",
                "lockers.add_kioskdevice",
                "lockers.change_kioskdevice",
            ],
        )
