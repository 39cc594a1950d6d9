from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from voirie.citizens import citizen_from_session

LANGUAGES = {code for code, _name in settings.LANGUAGES}


class CitizenLanguageMiddleware:
    """Speak the language of the citizen's `locale` claim; before sign-in, the browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        citizen = citizen_from_session(request)
        language = citizen.language if citizen else None
        if language not in LANGUAGES:
            language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response
