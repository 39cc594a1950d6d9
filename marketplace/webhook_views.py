"""A store owner's webhook pages: the endpoint, its secret (shown once), the delivery log,
one delivery, replay and a test event. Thin: authorise (access_store_webhooks_manage),
call one service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marketplace.errors import MarketplaceError
from marketplace.models import Store, WebhookDelivery, WebhookEndpoint
from marketplace.webhook_forms import WebhookEndpointForm
from marketplace.webhook_selectors import access_store_webhooks_manage, webhook_log
from marketplace.webhooks import (
    MAX_ATTEMPTS,
    webhook_delivery_replay,
    webhook_endpoint_create,
    webhook_endpoint_update,
    webhook_ping,
    webhook_secret_rotate,
)

LOG_PAGE_SIZE = 20


def _store_for(request: HttpRequest, store_slug: str) -> Store:
    store = get_object_or_404(Store, slug=store_slug)
    access_store_webhooks_manage(acting_user=request.user, store=store)
    return store


def _endpoint_of(store: Store) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.filter(store=store).first()


def _secret_page(request: HttpRequest, store: Store, secret: str) -> HttpResponse:
    response = render(
        request, "marketplace/webhooks/secret.html", {"store": store, "secret": secret}
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def webhook_settings(request: HttpRequest, store_slug: str) -> HttpResponse:
    """The store's endpoint (add, change, switch off) and its delivery log, newest first."""
    store = _store_for(request, store_slug)
    endpoint = _endpoint_of(store)
    if request.method == "POST":
        form = WebhookEndpointForm(request.POST, endpoint=endpoint)
        if form.is_valid():
            try:
                if endpoint is None:
                    endpoint, secret = webhook_endpoint_create(
                        store=store,
                        url=form.cleaned_data["url"],
                        events=form.cleaned_data["events"],
                        acting_user=request.user,
                    )
                    return _secret_page(request, store, secret)
                webhook_endpoint_update(
                    endpoint=endpoint,
                    url=form.cleaned_data["url"],
                    events=form.cleaned_data["events"],
                    enabled=form.cleaned_data["enabled"],
                    acting_user=request.user,
                )
            except MarketplaceError as refused:
                form.add_error("url", refused.message)
            else:
                messages.success(request, _("The webhook is saved."))
                return redirect("marketplace:store_webhooks", store_slug=store.slug)
    else:
        form = WebhookEndpointForm(endpoint=endpoint)
    page = Paginator(webhook_log(store), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    # A form sent back with its errors is a refused request.
    return render(
        request,
        "marketplace/webhooks/settings.html",
        {
            "store": store,
            "endpoint": endpoint,
            "form": form,
            "page": page,
            "max_attempts": MAX_ATTEMPTS,
        },
        status=400 if form.is_bound else 200,
    )


@require_POST
@login_required
def webhook_secret_new(request: HttpRequest, store_slug: str) -> HttpResponse:
    """A new signing secret, shown once (the old one signs too for 24 hours)."""
    store = _store_for(request, store_slug)
    endpoint = get_object_or_404(WebhookEndpoint, store=store)
    secret = webhook_secret_rotate(endpoint=endpoint, acting_user=request.user)
    return _secret_page(request, store, secret)


@require_POST
@login_required
def webhook_test_send(request: HttpRequest, store_slug: str) -> HttpResponse:
    """Send a `ping` event now; its outcome shows at the top of the log."""
    store = _store_for(request, store_slug)
    endpoint = get_object_or_404(WebhookEndpoint, store=store)
    try:
        delivery = webhook_ping(endpoint=endpoint, acting_user=request.user)
    except MarketplaceError as refused:
        messages.error(request, refused.message)
    else:
        messages.info(request, _("A test event is sent: %(id)s.") % {"id": delivery.event_id})
    return redirect("marketplace:store_webhooks", store_slug=store.slug)


def _delivery_of(store: Store, delivery_id: int) -> WebhookDelivery:
    return get_object_or_404(webhook_log(store).select_related("endpoint__store"), pk=delivery_id)


@require_GET
@login_required
def webhook_delivery(request: HttpRequest, store_slug: str, delivery_id: int) -> HttpResponse:
    """One delivery: the body as sent, and each attempt with what came back."""
    store = _store_for(request, store_slug)
    delivery = _delivery_of(store, delivery_id)
    return render(
        request,
        "marketplace/webhooks/delivery.html",
        {"store": store, "delivery": delivery, "max_attempts": MAX_ATTEMPTS},
    )


@require_POST
@login_required
def webhook_delivery_replay_view(
    request: HttpRequest, store_slug: str, delivery_id: int
) -> HttpResponse:
    """Send a delivery once more, now (same event id and body)."""
    store = _store_for(request, store_slug)
    delivery = _delivery_of(store, delivery_id)
    try:
        webhook_delivery_replay(delivery=delivery, acting_user=request.user)
    except MarketplaceError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The event is sent again."))
    return redirect(
        "marketplace:store_webhook_delivery", store_slug=store.slug, delivery_id=delivery.pk
    )
