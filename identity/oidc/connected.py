"""The person's "Connected services" page: which services they let sign them in, what each
received and when, and revoking a service's access in one step."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from identity.models import OidcClient
from identity.oidc.selectors import (
    connected_service_consent,
    connected_service_revoked,
    connected_services_for,
)
from identity.oidc.services import oidc_consent_revoke

LIST_TEMPLATE = "identity/oidc/connected_list.html"


def _list(request: HttpRequest, *, status_message: str = "") -> HttpResponse:
    context = {
        "services": connected_services_for(user=request.user),
        "status_message": status_message,
    }
    template = LIST_TEMPLATE if request.htmx else "identity/oidc/connected_services.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@never_cache
@require_GET
def connected_services(request: HttpRequest) -> HttpResponse:
    """List the services the person consented to; an HTMX request gets the list alone."""
    return _list(request)


@never_cache
@require_POST
def connected_service_revoke(request: HttpRequest, client_id: str) -> HttpResponse:
    """Revoke a service's access once the person confirms: consent and every token end.

    Without `confirm=yes` the person is asked first, so that the button works without
    JavaScript; HTMX sends it after the browser's own confirmation.
    """
    if not request.user.is_authenticated:
        # After signing in, land on the list: the revocation URL answers POST only.
        return redirect_to_login(reverse("identity:connected_services"))
    consent = connected_service_consent(user=request.user, client_id=client_id)
    if consent is None:
        client = connected_service_revoked(user=request.user, client_id=client_id)
        if client is None:
            raise Http404
        return _revoked(request, client)
    if request.POST.get("confirm") != "yes":
        return render(request, "identity/oidc/connected_confirm.html", {"client": consent.client})
    oidc_consent_revoke(user=request.user, client=consent.client)
    return _revoked(request, consent.client)


def _revoked(request: HttpRequest, client: OidcClient) -> HttpResponse:
    message = _("%(name)s no longer has access to your information.") % {"name": client.name}
    if request.htmx:
        return _list(request, status_message=message)
    messages.success(request, message)
    return redirect("identity:connected_services")
