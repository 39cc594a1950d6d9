from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Installed only for its template tags (the design system's components and Québec
    formats): core has no models."""

    name = "core"
    verbose_name = "Uniqc core"
