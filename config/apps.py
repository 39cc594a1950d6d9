from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project itself as an app: base templates, static files, the French catalogue."""

    name = "config"
    verbose_name = "Uniqc Coop"
