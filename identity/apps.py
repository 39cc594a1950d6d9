from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = _("Identity")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from identity.roles import roles_sync_after_migrate

        # Every app's migration may create permissions a role names: sync after each.
        post_migrate.connect(roles_sync_after_migrate, dispatch_uid="identity.roles_sync")
