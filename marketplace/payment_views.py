"""Pages and endpoints of payments: the gateways' webhook, the offline gateway's test
payment page, and a store owner's payout account (Connect onboarding)."""

from urllib.parse import urlencode

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from core.problems import problem_response
from marketplace.errors import (
    OfflinePaymentRefused,
    PaymentEventHandlerFailed,
    PaymentGatewayError,
    WebhookRefused,
)
from marketplace.gateways import payment_gateway
from marketplace.gateways.offline import OfflineGateway
from marketplace.gateways.stripe_gateway import StripeGateway
from marketplace.models import OrderStatus, Payment, PaymentStatus, PayoutAccount, Store
from marketplace.payment_forms import TestCardForm
from marketplace.payments import (
    WEBHOOK_BODY_MAX_BYTES,
    offline_payment_submit,
    payment_webhook_receive,
    payout_account_onboard,
    payout_account_sync,
)
from marketplace.selectors import (
    access_card_payment_pay,
    access_payout_manage,
    access_test_payment_pay,
)

# Where Stripe's onboarding lives: the onboarding form may be redirected there.
STRIPE_CONNECT_ORIGIN = "https://connect.stripe.com"
# The page's query on return from the gateway's onboarding (`return_url`, `refresh_url`).
ONBOARDING_STEP = "etape"
ONBOARDING_RETURNED = "retour"
ONBOARDING_EXPIRED = "relancer"
# What Stripe.js needs, on the card page only (Stripe's security guide): its script, its
# frames (the Payment Element, and 3-D Secure on hooks.stripe.com) and its API.
STRIPE_JS_URL = "https://js.stripe.com/v3/"
STRIPE_JS_CSP = {
    "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, gateway: str) -> HttpResponse:
    """A gateway's event: 200 once stored (a duplicate too), 400 when the signature,
    timestamp or body does not hold, 413 for a body over 64 KB, 503 when its handler
    failed (the gateway delivers it again). Never a 500 for what a sender controls."""
    if gateway not in settings.MARKETPLACE_PAYMENT_GATEWAYS:
        return problem_response(
            status=404, title="Not Found", detail="unknown gateway", code="unknown_gateway"
        )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return problem_response(
            status=400, title="Bad Request", detail="bad Content-Length", code="bad_request"
        )
    if length > WEBHOOK_BODY_MAX_BYTES:
        return problem_response(status=413, title="Content Too Large", code="payload_too_large")
    try:
        outcome = payment_webhook_receive(
            gateway_name=gateway, payload=request.body, headers=request.headers
        )
    except WebhookRefused as refused:
        return problem_response(
            status=400, title="Bad Request", detail=refused.message, code=refused.code
        )
    except PaymentEventHandlerFailed:
        return problem_response(
            status=503,
            title="Service Unavailable",
            detail="stored; deliver again",
            code=PaymentEventHandlerFailed.code,
            headers={"Retry-After": "60"},
        )
    except PaymentGatewayError:
        return problem_response(
            status=503,
            title="Service Unavailable",
            detail="gateway not configured",
            code=PaymentGatewayError.code,
        )
    return JsonResponse({"received": True, "status": outcome.status})


def order_page(number: str) -> str:
    """The shopper's page of an order (the orders app's), by its number."""
    try:
        return reverse("orders:detail", args=[number])
    except NoReverseMatch:
        return f"/commandes/{number}/"


@require_http_methods(["GET", "POST"])
@login_required
def test_payment(request: HttpRequest, intent_id: str) -> HttpResponse:
    """The offline gateway's hosted payment page: the order's number and amount, a test
    card form; paying sends the event Stripe would send, through the webhook path, then
    returns the shopper to their order. Only the order's buyer sees it. No money moves,
    and the page says so."""
    payment = get_object_or_404(
        Payment.objects.select_related("order"),
        gateway=OfflineGateway.name,
        intent_id=intent_id,
    )
    access_test_payment_pay(acting_user=request.user, payment=payment)
    waiting = payment.status == PaymentStatus.PENDING
    form = TestCardForm(request.POST if request.method == "POST" and waiting else None)
    status = 200
    if request.method == "POST" and not waiting:
        status = 409
    elif form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound:
        succeeded = form.succeeds()
        try:
            offline_payment_submit(payment=payment, succeeded=succeeded, acting_user=request.user)
        except OfflinePaymentRefused as refused:
            messages.error(request, refused.message)
        except PaymentEventHandlerFailed:
            messages.warning(
                request,
                _("The test payment was received but the order is not updated yet."),
            )
        else:
            if succeeded:
                messages.success(request, _("Test payment accepted: no money was taken."))
            else:
                messages.error(request, _("The test card was declined: no money was taken."))
        return redirect(order_page(payment.order.number))
    return render(
        request,
        "marketplace/payments/test_payment.html",
        {"payment": payment, "order": payment.order, "form": form, "waiting": waiting},
        status=status,
    )


@csp_update(STRIPE_JS_CSP)
@never_cache
@require_http_methods(["GET"])
@login_required
def card_payment(request: HttpRequest, intent_id: str) -> HttpResponse:
    """Our own page where the buyer pays a Stripe payment by card: Stripe.js's Payment
    Element, given the publishable key and the intent's client secret (asked of Stripe
    for each view, never stored), returns the shopper to their order. Only the order's
    buyer sees it; a payment no longer waiting says so instead."""
    payment = get_object_or_404(
        Payment.objects.select_related("order"), gateway=StripeGateway.name, intent_id=intent_id
    )
    access_card_payment_pay(acting_user=request.user, payment=payment)
    order = payment.order
    context = {
        "payment": payment,
        "order": order,
        "order_url": order_page(order.number),
        "waiting": False,
        "being_paid": False,
        "unavailable": False,
    }
    status = 200
    if payment.status == PaymentStatus.PENDING and order.status == OrderStatus.PLACED:
        try:
            state = payment_gateway(payment.gateway).payment_state(intent_id=payment.intent_id)
        except PaymentGatewayError:
            context["unavailable"] = True
            status = 503
        else:
            if state.settled_or_settling:
                context["being_paid"] = True
            elif state.status == "canceled":
                pass  # cancelled at Stripe (a decline, a lapsed hold): nothing to pay
            elif state.client_secret and settings.STRIPE_PUBLISHABLE_KEY:
                context |= {
                    "waiting": True,
                    "client_secret": state.client_secret,
                    "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
                    # The site's own address, as checkout gives the gateway, not the
                    # request's Host header.
                    "return_url": f"{settings.SITE_URL}{context['order_url']}",
                    "stripe_js_url": STRIPE_JS_URL,
                }
            else:
                context["unavailable"] = True
                status = 503
    return render(request, "marketplace/payments/card_payment.html", context, status=status)


def _onboarding_url(request: HttpRequest, store: Store, step: str) -> str:
    page = reverse("payments:payout_account", args=[store.slug])
    return request.build_absolute_uri(page + "?" + urlencode({ONBOARDING_STEP: step}))


@csp_update({"form-action": [STRIPE_CONNECT_ORIGIN]})
@require_http_methods(["GET", "POST"])
@login_required
def payout_account(request: HttpRequest, store_slug: str) -> HttpResponse:
    """A store owner connects the store to the payment gateway (Stripe Express, or the
    offline gateway's test account) and sees whether it can receive transfers. Back from
    the gateway's onboarding, the page asks the gateway for the account's state."""
    store = get_object_or_404(Store, slug=store_slug)
    access_payout_manage(acting_user=request.user, store=store)
    account = PayoutAccount.objects.filter(store=store).first()
    if request.method == "POST":
        try:
            link = payout_account_onboard(
                store=store,
                acting_user=request.user,
                refresh_url=_onboarding_url(request, store, ONBOARDING_EXPIRED),
                return_url=_onboarding_url(request, store, ONBOARDING_RETURNED),
            )
        except PaymentGatewayError as failed:
            messages.error(request, failed.message)
            return redirect("payments:payout_account", store.slug)
        return redirect(link)
    step = request.GET.get(ONBOARDING_STEP)
    if account is not None and step in (ONBOARDING_RETURNED, ONBOARDING_EXPIRED):
        try:
            account = payout_account_sync(payout_account=account, acting_user=request.user)
        except PaymentGatewayError as failed:
            messages.error(request, failed.message)
    return render(
        request,
        "marketplace/payments/payout_account.html",
        {
            "store": store,
            "account": account,
            "gateway": settings.MARKETPLACE_PAYMENT_GATEWAY,
            "link_expired": step == ONBOARDING_EXPIRED,
        },
    )
