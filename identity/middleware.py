from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class FrenchFirstLocaleMiddleware:
    """Choose the language of a response: French unless the person chose English.

    The choice is, in order: the language cookie set by the switch in the header, the
    preferred language of a signed-in person, then French. The browser's
    Accept-Language is deliberately not consulted: in Québec the public service speaks
    French first and offers English to those who ask. Runs after AuthenticationMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
            user = request.user
            if user.is_authenticated and user.preferred_language in self.supported:
                language = user.preferred_language
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        translation.deactivate()
        return response
