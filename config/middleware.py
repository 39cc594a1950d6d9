"""Middleware of the whole site."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, resolve, reverse


class MachineEndpointsMiddleware:
    """Answer the endpoints that programs call, not people, without the browser's
    middleware: their requests carry no session cookie, no CSRF token and no language
    choice, so sessions, authentication by session, CSRF, messages, the language switch
    and framing rules have nothing to do for them, yet would cost every token request.

    Placed after the middleware that applies to every response (security headers,
    static files). The endpoints are named in settings.MACHINE_ENDPOINTS; each is
    resolved through the URLconf once, so the view called is the one its URL names.
    A view here must not read request.session or request.user.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # Per URLconf (tests may swap it): path_info -> view.
        self._views: dict[str, dict[str, Callable[[HttpRequest], HttpResponse]]] = {}

    def _machine_views(self) -> dict[str, Callable[[HttpRequest], HttpResponse]]:
        urlconf = get_urlconf() or settings.ROOT_URLCONF
        views = self._views.get(urlconf)
        if views is None:
            prefix = get_script_prefix()
            views = {}
            for name in settings.MACHINE_ENDPOINTS:
                try:
                    path_info = "/" + reverse(name, urlconf=urlconf)[len(prefix) :]
                except NoReverseMatch:
                    continue  # this URLconf does not serve it
                views[path_info] = resolve(path_info, urlconf=urlconf).func
            self._views[urlconf] = views
        return views

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = self._machine_views().get(request.path_info)
        if view is None:
            return self.get_response(request)
        response = view(request)
        # What CommonMiddleware would add; without it a keep-alive response is chunked.
        if not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        return response
