from typing import Any

from django.http import HttpRequest

from voirie.citizens import citizen_from_session


def citizen(request: HttpRequest) -> dict[str, Any]:
    return {"citizen": citizen_from_session(request)}
