from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = _("Identity")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from identity import account_panels
        from identity.roles import roles_sync_after_migrate
        from identity.vault.account_panels import PANELS as VAULT_PANELS

        # Every app's migration may create permissions a role names: sync after each.
        post_migrate.connect(roles_sync_after_migrate, dispatch_uid="identity.roles_sync")

        for panel in VAULT_PANELS:
            account_panels.register(panel)
