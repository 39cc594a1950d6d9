from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoopGovernanceConfig(AppConfig):
    name = "coop_governance"
    verbose_name = _("Coop governance")
