from django.apps import AppConfig


class VoirieConfig(AppConfig):
    name = "voirie"
    verbose_name = "Signaler un problème de voirie"

    def ready(self) -> None:
        from voirie import checks  # noqa: F401  (registers the start-up checks)
