"""Start-up checks: the service refuses to run until it is registered with Uniqc."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

HINT = "Run `make setup` (Uniqc running) or set it in the environment; see README.md."


@register()
def configuration_check(**kwargs: Any) -> list[Error]:
    errors = []
    for name in ("CITY_CLIENT_ID", "CITY_CLIENT_SECRET", "CITY_SECRET_KEY"):
        if not getattr(settings, name):
            errors.append(Error(f"{name} is not set.", hint=HINT, id="voirie.E001"))
    calls = [item for item in settings.CITY_TENDER_CALLS_RAW.split(",") if item.strip()]
    if len(calls) != len(settings.CITY_TENDER_CALLS):
        errors.append(
            Error(
                "CITY_TENDER_CALLS holds something other than comma-separated UUIDs.",
                hint="Give the ids of the calls as Uniqc's addresses show them.",
                id="voirie.E002",
            )
        )
    return errors
