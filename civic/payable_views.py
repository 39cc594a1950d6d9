"""The person's payables pages: find a payable by reference and code, see it, pay it (the
offline gateway's test card), then its receipt in the safe. Thin: authorise, call one
service, render."""

from typing import Any
from uuid import UUID

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from civic.models import Payable, PayableStatus
from civic.payable_errors import PayableError, PayableNotFound
from civic.payable_forms import PayableSearchForm
from civic.payable_selectors import (
    access_payable_pay,
    access_payable_view,
    payables_addressed_to,
)
from civic.payables import payable_by_code, payable_offline_pay, payable_payment_start
from identity.ratelimit import RateLimit, client_ip
from marketplace.errors import PaymentEventHandlerFailed, PaymentGatewayError
from marketplace.gateways import payment_gateway
from marketplace.gateways.offline import OfflineGateway
from marketplace.gateways.stripe_gateway import StripeGateway
from marketplace.payment_forms import TestCardForm
from marketplace.payment_views import STRIPE_JS_CSP, STRIPE_JS_URL

# Reference and code are 60 bits of guessing: a person mistyping needs a few tries.
SEARCH_LIMIT = RateLimit("payable-search-client", limit=20, window=15 * 60)


def _payable_for(request: HttpRequest, payable_id: UUID) -> Payable:
    payable = Payable.objects.select_related("client", "receipt").filter(public_id=payable_id)
    found = payable.first()
    if found is None:
        raise Http404
    try:
        access_payable_view(acting_user=request.user, payable=found)
    except PayableNotFound:
        raise Http404 from None
    return found


@never_cache
@require_http_methods(["GET", "POST"])
def payable_search(request: HttpRequest) -> HttpResponse:
    """Find a payable by the reference and payment code printed on the notice."""
    form = PayableSearchForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound and form.is_valid():
        if not SEARCH_LIMIT.take(client_ip(request)):
            form.add_error(None, _("Too many attempts; try again later."))
            status = 429
        else:
            found = payable_by_code(
                reference=form.cleaned_data["reference"], code=form.cleaned_data["payment_code"]
            )
            if found is not None:
                return redirect("civic:payable", found.public_id)
            form.add_error(None, _("No amount to pay has this reference and payment code."))
            status = 400
    elif form.is_bound:
        status = 400
    context = {"form": form, "addressed": payables_addressed_to(request.user)}
    return render(request, "civic/payables/search.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def payable(request: HttpRequest, payable_id: UUID) -> HttpResponse:
    """A payable: what, to whom, how much, its status; POST starts paying it."""
    found = _payable_for(request, payable_id)
    if request.method == "POST":
        try:
            found = payable_payment_start(payable=found, acting_user=request.user)
        except PayableError as refused:
            messages.error(request, refused.message)
            return redirect("civic:payable", found.public_id)
        return redirect("civic:payable_pay", found.public_id)
    payable_error = ""
    if found.status == PayableStatus.OPEN:
        try:
            access_payable_pay(acting_user=request.user, payable=found)
        except PayableError as refused:
            payable_error = refused.message
    context: dict[str, Any] = {"payable": found, "pay_refused": payable_error}
    return render(request, "civic/payables/detail.html", context)


@csp_update(STRIPE_JS_CSP)
@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def payable_pay(request: HttpRequest, payable_id: UUID) -> HttpResponse:
    """Pay: the offline gateway's test card (no money moves, the page says so), or
    Stripe's Payment Element for a Stripe payment."""
    found = _payable_for(request, payable_id)
    if not found.intent_id or found.gateway not in (OfflineGateway.name, StripeGateway.name):
        return redirect("civic:payable", found.public_id)
    waiting = found.status == PayableStatus.OPEN and found.paid_by_id == request.user.pk
    if found.gateway == StripeGateway.name:
        if request.method == "POST":
            return HttpResponse(status=405)
        return _stripe_page(request, found, waiting=waiting)
    form = TestCardForm(request.POST if request.method == "POST" and waiting else None)
    status = 200
    if request.method == "POST" and not waiting:
        status = 409
    elif form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound:
        succeeded = form.succeeds()
        try:
            payable_offline_pay(payable=found, succeeded=succeeded, acting_user=request.user)
        except PayableError as refused:
            messages.error(request, refused.message)
        except PaymentEventHandlerFailed:
            messages.warning(request, _("The test payment was received but is not recorded yet."))
        else:
            if not succeeded:
                messages.error(request, _("The test card was declined: no money was taken."))
        return redirect("civic:payable", found.public_id)
    context = {"payable": found, "waiting": waiting, "form": form}
    return render(request, "civic/payables/pay_test.html", context, status=status)


def _stripe_page(request: HttpRequest, payable: Payable, *, waiting: bool) -> HttpResponse:
    """Stripe's Payment Element, given the intent's client secret (asked of Stripe for
    each view, never stored); the payment's event settles the payable."""
    return_url = f"{settings.SITE_URL}{reverse('civic:payable', args=[payable.public_id])}"
    context: dict[str, Any] = {"payable": payable, "waiting": waiting}
    status = 200
    if waiting:
        try:
            state = payment_gateway(payable.gateway).payment_state(intent_id=payable.intent_id)
        except PaymentGatewayError:
            context |= {"waiting": False, "unavailable": True}
            status = 503
        else:
            if (
                state.client_secret
                and settings.STRIPE_PUBLISHABLE_KEY
                and not (state.settled_or_settling or state.status == "canceled")
            ):
                context |= {
                    "client_secret": state.client_secret,
                    "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
                    "return_url": return_url,
                    "stripe_js_url": STRIPE_JS_URL,
                }
            else:
                context["waiting"] = False
    return render(request, "civic/payables/pay_card.html", context, status=status)
