from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoopGovernanceConfig(AppConfig):
    name = "coop_governance"
    verbose_name = _("Coop governance")

    def ready(self) -> None:
        from identity.roles import Role, role_permissions_add

        # The coop's administrators keep the register and run assemblies for the board.
        role_permissions_add(
            Role.COOP_ADMIN,
            [
                "coop_governance.administer_members",
                "coop_governance.administer_assemblies",
                "coop_governance.view_member",
                "coop_governance.view_bylaws",
            ],
        )
        # Payment events of share purchases, handed on by the marketplace (h1).
        from coop_governance import receivers  # noqa: F401
