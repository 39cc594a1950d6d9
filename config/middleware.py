"""Middleware of the whole site."""

import base64
import binascii
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    QueryDict,
)
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, resolve, reverse

from config.views import too_many_requests
from identity.ratelimit import RateLimited


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


def _nul_in(query: QueryDict) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in query.lists()
    )


def _basic_credentials_hold_nul(header: str) -> bool:
    """Whether HTTP Basic credentials hold a NUL, raw or percent-encoded (RFC 6749 2.3.1
    form-encodes the client id, and Authlib decodes it before looking the client up)."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(value.strip()).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return False  # not Basic credentials at all: the endpoint refuses them
    return "\x00" in unquote(decoded)


def _form_checked(request: HttpRequest) -> QueryDict | None:
    """The request's form fields, parsed from its body kept in memory (so that a view
    that reads request.body still can); None for a body that is not a form, or a
    multipart body larger than Django reads into memory (a file upload)."""
    if request.content_type == "application/x-www-form-urlencoded":
        return request.POST
    if request.content_type != "multipart/form-data":
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and length > limit:
        return None
    request.body  # noqa: B018 - kept in memory before the form is parsed from it
    return request.POST


class NulCharacterRefusedMiddleware:
    """Answer 400 to a request with a NUL character in its path, query string, form or
    Basic credentials.

    No address, name or parameter of ours holds one, and PostgreSQL refuses it in any
    text (DataError): a `?q=%00` that reaches a lookup would be a 500 (and SQLite, the
    embedded default, would hide it). Django's form fields refuse NUL; this covers the
    parameters views and Authlib read directly. JSON bodies are checked by json_parse.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        form = _form_checked(request)
        if (
            "\x00" in request.path_info
            or _nul_in(request.GET)
            or (form is not None and _nul_in(form))
            or _basic_credentials_hold_nul(request.headers.get("Authorization", ""))
        ):
            return HttpResponseBadRequest(
                "NUL character in the request.", content_type="text/plain; charset=utf-8"
            )
        return self.get_response(request)


class RateLimitedMiddleware:
    """Answer a rate limit's refusal that a view let escape (identity.ratelimit.RateLimited)
    with the site's 429 and its Retry-After, instead of a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, RateLimited):
            return None
        return too_many_requests(request, retry_after=getattr(exception, "retry_after", None))
