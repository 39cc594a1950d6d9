from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CivicConfig(AppConfig):
    name = "civic"
    verbose_name = _("City services")

    def ready(self) -> None:
        from civic import payable_receivers  # noqa: F401
