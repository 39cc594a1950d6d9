"""Middleware of the whole site."""

from collections.abc import Callable
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, resolve, reverse


class MachineEndpointsMiddleware:
    """Answer the endpoints that programs call, not people, without the browser's
    middleware: their requests carry no session cookie, no CSRF token and no language
    choice, so sessions, authentication by session, CSRF, messages, the language switch,
    framing rules and the Content-Security-Policy have nothing to do for them, yet would
    cost every token request.

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


def _html(response: HttpResponseBase) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's Content-Security-Policy (settings.CONTENT_SECURITY_POLICY), with what
    depends on the request added to it:

    - every HTML page carries a nonce, so that any script that must stay inline can be
      given `nonce="{{ request.csp_nonce }}"`, and no other inline script runs;
    - connect-src names the card agent (settings.CARD_AGENT_URL, read at each response);
    - form-action names the relying parties a form of the page may be redirected to
      (identity.oidc.csp.form_action_sources).
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if _html(response):
            str(request.csp_nonce)  # made now, so that the header names it
        return super().process_response(request, response)

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        from identity.oidc.csp import form_action_sources

        parts = super().get_policy_parts(request, response, report_only)
        if report_only or not _html(response):
            return parts
        update = dict(parts.update or {})
        agent = urlsplit(settings.CARD_AGENT_URL)
        extra = {
            "connect-src": [f"{agent.scheme}://{agent.netloc}"],
            "form-action": form_action_sources(request),
        }
        for directive, sources in extra.items():
            if sources:
                update[directive] = [*update.get(directive, []), *sources]
        parts.update = update
        return parts
