"""Every page the demo people can reach, in one table that the page checks share: Québec
typography in both languages (tests/test_typography.py), and axe-core, both widths and the
keyboard (tests/browser/test_accessibility.py). Add a page here when it arrives, and every
check covers it.

`demo_pages_data()` loads what `make run` loads (`seed_demo`) and gives the demo shopper a
history (a card issued at the counter, a passkey, a service they signed in to), so that
the pages show their lists and dates, not only their empty states.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse

SHOPPER = "shopper@demo.uniqc.coop"
STORE_WORKER = "store@demo.uniqc.coop"
RETAILER = "retailer@demo.uniqc.coop"
COURIER = "courier@demo.uniqc.coop"
REGISTRAR = "registrar@demo.uniqc.coop"
ADMIN = "admin@demo.uniqc.coop"

DEMO_STORE = "boulangerie-du-faubourg"
# The demo shopper's cancelled Stripe payment (demo_pages_data), for its card page.
CARD_PAYMENT_INTENT = "pi_demo_card_page"
CITY_SERVICE = "Ville de Québec"


@dataclass(frozen=True)
class Page:
    """A page: its name, where it is (a URL name, a path starting with /, or a function of
    the demo data giving the path), who sees it (None: a visitor) and how they signed in,
    the status it answers with; with `post`, the page a form answers when this is sent to
    it (its error messages); `admin` for the coop administration's pages; `cookies`, a
    function of the demo data giving cookies the browser holds besides the session (a
    kiosk screen's device cookie)."""

    name: str
    url: str | Callable[[], str]
    person: str | None = None
    acr: str = "low"
    args: tuple = ()
    status: int = 200
    admin: bool = False
    post: dict | None = None
    cookies: Callable[[], dict[str, str]] | None = None

    def path(self) -> str:
        if callable(self.url):
            return self.url()
        if self.url.startswith("/"):
            return self.url
        return reverse(self.url, args=self.args)


def _demo_invitation() -> str:
    """The demo bakery's invitation waiting, by a link with a token made here (the demo
    keeps only the digest of the one it mailed)."""
    import secrets

    from marketplace.models import StoreInvitation
    from marketplace.store_settings import invitation_token_digest

    token = secrets.token_urlsafe(32)
    invitation = StoreInvitation.objects.filter(
        store__slug=DEMO_STORE, accepted_at__isnull=True, revoked_at__isnull=True
    ).first()
    StoreInvitation.objects.filter(pk=invitation.pk).update(
        token_digest=invitation_token_digest(token)
    )
    return reverse("marketplace:invitation", args=[token])


def _demo_courier_store_stop() -> str:
    from lockers.courier import store_key

    key = store_key("Boulangerie du Faubourg", "745, rue Saint-Jean, Québec")
    return reverse("lockers:courier_stop", args=["magasin", key])


def _demo_courier_locker_stop() -> str:
    return reverse("lockers:courier_stop", args=["casier", "banque-nationale-sainte-foy"])


def _demo_webhook_delivery() -> str:
    from marketplace.models import WebhookDelivery

    delivery = WebhookDelivery.objects.filter(
        endpoint__store__slug=DEMO_STORE, attempts__gt=1
    ).first()
    return reverse("marketplace:store_webhook_delivery", args=[DEMO_STORE, delivery.pk])


def _demo_locker_order() -> tuple[str, int]:
    from marketplace.models import Order

    order = Order.objects.get(buyer__email=SHOPPER, checkout_key="demo-order-locker-0001")
    return order.number, order.shipments.get().pk


def _demo_locker_order_page() -> str:
    return reverse("orders:detail", args=[_demo_locker_order()[0]])


def _demo_locker_code_page() -> str:
    return reverse("orders:locker_code", args=_demo_locker_order())


def _demo_order_page() -> str:
    from marketplace.models import Order

    order = Order.objects.filter(buyer__email=SHOPPER, status="paid").order_by("pk").first()
    return reverse("orders:detail", args=[order.number])


def _demo_refused_order_page() -> str:
    from marketplace.models import Order

    order = Order.objects.filter(buyer__email=SHOPPER, status="refunded").first()
    return reverse("orders:detail", args=[order.number])


def _demo_packing_slip() -> str:
    from marketplace.models import Shipment

    shipment = Shipment.objects.filter(store__slug=DEMO_STORE, status="accepted").first()
    return reverse("marketplace:packing_slip", args=[DEMO_STORE, shipment.pk])


def _demo_declined_order_page() -> str:
    """The shopper's order whose card was declined: cancelled, its items back in the cart."""
    from marketplace.models import Order

    order = Order.objects.filter(
        buyer__email=SHOPPER, status="cancelled", payment__status="failed"
    ).first()
    return reverse("orders:detail", args=[order.number])


def _demo_catalogue_import() -> str:
    """The demo store's past catalogue import (marketplace/demo_catalogue_imports.py)."""
    from marketplace.models import CatalogueImport

    catalogue_import = CatalogueImport.objects.filter(store__slug=DEMO_STORE).first()
    return reverse("marketplace:catalogue_import", args=[DEMO_STORE, catalogue_import.pk])


def _payouts_period() -> str:
    """The demo store's payouts from the first of last month to today (the demo's orders
    are paid today)."""
    from marketplace.payout_report import month_parse

    month = month_parse(None)
    today = datetime.datetime.now(tz=month.start.tzinfo).date()
    first = month.preceding.first_day.isoformat()
    path = reverse("marketplace:payout_report", args=[DEMO_STORE])
    return f"{path}?du={first}&au={today.isoformat()}"


def _catalogue_listing(store: str, title_fr: str) -> Callable[[], str]:
    """The catalogue's page of a demo listing, found by its French title."""

    def path() -> str:
        from marketplace.demo import listing_slug

        return reverse("catalogue:listing", args=[store, listing_slug(title_fr)])

    return path


def _registrar_person_page() -> str:
    from identity.models import User

    shopper = User.objects.get(email=SHOPPER)
    return reverse("card:registrar_person", args=[shopper.public_id])


def _registrar_card_page() -> str:
    from identity.card.selectors import card_active_for
    from identity.models import User

    card = card_active_for(User.objects.get(email=SHOPPER))
    return reverse("card:registrar_card", args=[card.pk])


def _consent_page() -> str:
    """A service (demo_pages_data's) asking the shopper for more than they shared."""
    from identity.models import OidcClient

    city = OidcClient.objects.get(name=CITY_SERVICE)
    query = {
        "client_id": city.client_id,
        "response_type": "code",
        "scope": "openid profile email phone address",
        "redirect_uri": city.redirect_uris[0],
        "code_challenge": "a" * 43,
        "code_challenge_method": "S256",
    }
    return reverse("oidc:authorize") + "?" + urlencode(query)


RETAILER_STORE = "quincaillerie-masson"


def _staff_listing(suffix: str = "") -> Callable[[], str]:
    """A page of the demo retailer's first listing (it has a photo and variants)."""

    def path() -> str:
        from marketplace.models import Listing

        listing = Listing.objects.filter(store__slug=RETAILER_STORE).order_by("id").first()
        base = reverse("marketplace:staff_listing", args=[RETAILER_STORE, listing.pk])
        if suffix == "variant":
            return base + f"variantes/{listing.variants.order_by('sku').first().pk}/"
        if suffix == "photo":
            return base + f"photos/{listing.photos.first().pk}/"
        return base + suffix

    return path


def _test_payment_page() -> str:
    """The offline gateway's payment page of the shopper's order waiting to be paid
    (the demo orders' "demo-order-0007")."""
    from marketplace.models import Payment, PaymentStatus

    payment = Payment.objects.filter(
        order__buyer__email=SHOPPER, gateway="offline", status=PaymentStatus.PENDING
    ).first()
    return reverse("payments:test_payment", args=[payment.intent_id])


def _demo_payable_page() -> str:
    """The demo city's parking ticket for the shopper (civic/payable_demo.py)."""
    from civic.models import Payable

    payable = Payable.objects.get(reference="DEMO-CONST-0001")
    return reverse("civic:payable", args=[payable.public_id])


def _kiosk_screen() -> dict[str, str]:
    """The cookie of a screen set up as the demo kiosk (lockers.demo), as the activation
    page leaves it."""
    from django.core import signing

    from lockers.demo import DEMO_KIOSK_SECRET
    from lockers.kiosk_views import KIOSK_COOKIE, KIOSK_COOKIE_SALT

    signer = signing.get_cookie_signer(salt=KIOSK_COOKIE + KIOSK_COOKIE_SALT)
    return {KIOSK_COOKIE: signer.sign(DEMO_KIOSK_SECRET)}


def _registrar_search_with_results() -> str:
    return reverse("card:registrar") + "?q=Tremblay"


def _vault_document(kind: str, name: str = "vault:document") -> Callable[[], str]:
    """A page of the demo shopper's safe about their document of `kind` (identity/vault/demo.py)."""

    def path() -> str:
        from identity.models import VaultDocument

        document = VaultDocument.objects.get(owner__email=SHOPPER, kind=kind)
        return reverse(name, args=[document.public_id])

    return path


def _demo_signature_request() -> str:
    """The demo shopper's document to sign (identity/signing/demo.py)."""
    from identity.models import SignatureRequest

    found = SignatureRequest.objects.filter(person__email=SHOPPER, status="pending").first()
    return reverse("signing:request", args=[found.public_id])


PAGES = [
    # Visitors
    Page("home", "home"),
    Page("sign-in", "identity:login"),
    Page("sign-up", "identity:signup"),
    Page("sign-up sent", "identity:signup_done"),
    Page("password reset", "identity:password_reset"),
    Page("password reset sent", "identity:password_reset_done"),
    Page("password reset complete", "identity:password_reset_complete"),
    Page("card sign-in", "card_login:sign_in"),
    Page("stores", "marketplace:store_list"),
    Page("an empty cart", "cart:detail"),
    Page("a store", "marketplace:store_detail", args=(DEMO_STORE,)),
    Page("catalogue", "catalogue:search"),
    Page("catalogue search", "/catalogue/?q=pain"),
    Page("catalogue, filtered and sorted", "/catalogue/?q=erable&in_stock=on&sort=price"),
    Page("catalogue, nothing found", "/catalogue/?q=introuvable"),
    Page("catalogue with errors", "/catalogue/?price_min=abc&sort=distance", status=400),
    Page("catalogue category", "catalogue:category", args=("alimentation",)),
    Page("catalogue listing", "/catalogue/boulangerie-du-faubourg/miche-au-levain-de-seigle/"),
    Page(
        "catalogue listing, one choice out of stock",
        _catalogue_listing(DEMO_STORE, "Granola à l’érable"),
    ),
    Page(
        "catalogue listing without a photo",
        _catalogue_listing("fromagerie-saint-roch", "Cheddar fort vieilli deux ans"),
    ),
    Page("catalogue of one store", f"/catalogue/?store={DEMO_STORE}"),
    Page("catalogue of one store, searched", f"/catalogue/?store={DEMO_STORE}&q=pain"),
    Page("a store with photos", "marketplace:store_detail", args=(RETAILER_STORE,)),
    Page("locker sites", "lockers:site_list"),
    Page("about the coop", "pages:about"),
    Page("privacy", "pages:privacy"),
    Page("accessibility", "pages:accessibility"),
    Page("terms", "pages:terms"),
    Page("contact", "pages:contact"),
    Page("design system", "pages:design"),
    Page("a missing page", "/cette-page-n-existe-pas/", status=404),
    # Forms sent wrong: the errors people read
    Page("sign-in refused", "identity:login", post={"email": "x@example.com", "password": "x"}),
    Page(
        "sign-up with errors",
        "identity:signup",
        post={"email": "not an address", "password": "short", "password_confirm": "other"},
    ),
    Page("sign-up, nothing filled", "identity:signup", post={}),
    Page("password reset with errors", "identity:password_reset", post={"email": "nope"}),
    # A shopper
    Page("home, signed in", "home", SHOPPER),
    Page("account", "identity:account", SHOPPER),
    Page("account at substantial", "identity:account", SHOPPER, "substantial"),
    Page("profile", "identity:profile", SHOPPER),
    Page("passkeys", "identity:passkeys:list", SHOPPER),
    Page("passkeys at high", "identity:passkeys:list", SHOPPER, "high"),
    Page("connected services", "identity:connected_services", SHOPPER),
    Page("my card", "identity:card", SHOPPER),
    Page("change password", "identity:password_change", SHOPPER),
    Page(
        "change password with errors",
        "identity:password_change",
        SHOPPER,
        post={"old_password": "wrong", "new_password1": "123", "new_password2": "1234"},
    ),
    Page(
        "profile with errors",
        "identity:profile",
        SHOPPER,
        post={"postal_code": "12345", "phone": "abc", "birth_date": "31/02/2001"},
    ),
    Page("password changed", "identity:password_change_done", SHOPPER),
    Page("a service asks for consent", _consent_page, SHOPPER),
    Page("a store, signed in", "marketplace:store_detail", SHOPPER, args=(DEMO_STORE,)),
    Page("my cart", "cart:detail", SHOPPER),
    Page("checkout", "cart:checkout", SHOPPER, "substantial"),
    Page(
        "checkout, choosing a locker",
        "/panier/paiement/?pickup_kind=locker&lat=46.813&lon=-71.225",
        SHOPPER,
        "substantial",
    ),
    Page("my orders", "orders:list", SHOPPER),
    Page("an order", _demo_order_page, SHOPPER),
    Page("an order waiting in a locker", _demo_locker_order_page, SHOPPER),
    Page("the pickup code, shown once", _demo_locker_code_page, SHOPPER, post={}),
    Page("a refused order", _demo_refused_order_page, SHOPPER),
    Page("a declined order", _demo_declined_order_page, SHOPPER),
    Page(
        "catalogue listing, signed in with a cart",
        "/catalogue/boulangerie-du-faubourg/miche-au-levain-de-seigle/",
        SHOPPER,
    ),
    Page("catalogue, signed in", "catalogue:search", SHOPPER),
    Page("a missing page, signed in", "/compte/nulle-part/", SHOPPER, status=404),
    # The shopper's safe: a statement, a receipt the law keeps, the journal, the export
    Page("my safe", "vault:home", SHOPPER),
    Page("a document in my safe", _vault_document("membership_statement"), SHOPPER),
    Page("a receipt the law keeps", _vault_document("receipt"), SHOPPER),
    Page("delete a document?", _vault_document("membership_statement", "vault:delete"), SHOPPER),
    Page("delete a kept receipt?", _vault_document("receipt", "vault:delete"), SHOPPER),
    Page(
        "share a document, nothing chosen",
        _vault_document("membership_statement", "vault:share"),
        SHOPPER,
        status=400,
        post={},
    ),
    Page("journal of my safe", "vault:log", SHOPPER),
    Page("a document to sign", _demo_signature_request, SHOPPER, "substantial"),
    Page("a document to sign, password session", _demo_signature_request, SHOPPER),
    Page("sign a document of my own", "signing:own", SHOPPER),
    Page("verify a signed document", "signing:verify"),
    Page("export my safe", "vault:export", SHOPPER),
    Page("test payment", _test_payment_page, SHOPPER),
    Page(
        "test payment with errors",
        _test_payment_page,
        SHOPPER,
        post={"card_number": "1234 5678", "expiry": "13/99", "cvc": "x"},
    ),
    Page(
        "card payment, no longer waiting",
        "payments:card_payment",
        SHOPPER,
        args=(CARD_PAYMENT_INTENT,),
    ),
    # A store worker
    Page("my stores", "marketplace:my_stores", STORE_WORKER),
    Page("store orders, new", "marketplace:store_orders", STORE_WORKER, args=(DEMO_STORE,)),
    Page(
        "store orders, to pack",
        f"/boutiques/mes-boutiques/{DEMO_STORE}/commandes/?onglet=to_pack",
        STORE_WORKER,
    ),
    Page(
        "store orders, ready",
        f"/boutiques/mes-boutiques/{DEMO_STORE}/commandes/?onglet=ready",
        STORE_WORKER,
    ),
    Page("packing slip", _demo_packing_slip, STORE_WORKER),
    Page("account of a store worker", "identity:account", STORE_WORKER),
    Page("store payouts", "payments:payout_account", STORE_WORKER, args=(DEMO_STORE,)),
    Page("store sales", "marketplace:store_sales", STORE_WORKER, args=(DEMO_STORE,)),
    Page(
        "store sales, a bad period",
        f"/boutiques/mes-boutiques/{DEMO_STORE}/ventes/?du=2026-11-30&au=2026-11-01",
        STORE_WORKER,
        status=400,
    ),
    Page("store settings", "marketplace:store_settings", STORE_WORKER, args=(DEMO_STORE,)),
    Page(
        "store settings with errors",
        "marketplace:store_settings",
        STORE_WORKER,
        args=(DEMO_STORE,),
        status=400,
        post={"mon_opens_1": "18:00", "mon_closes_1": "9:00", "preparation_minutes": "5"},
    ),
    Page("a store invitation", _demo_invitation),
    Page("a store invitation, signed in as another", _demo_invitation, SHOPPER),
    Page(
        "a store invitation not valid",
        "/boutiques/mes-boutiques/invitation/" + "x" * 43 + "/",
        status=404,
    ),
    Page("store webhooks", "marketplace:store_webhooks", STORE_WORKER, args=(DEMO_STORE,)),
    Page("a webhook delivery", _demo_webhook_delivery, STORE_WORKER),
    Page(
        "store webhooks, a refused address",
        "marketplace:store_webhooks",
        STORE_WORKER,
        args=(DEMO_STORE,),
        post={"url": "ftp://example.com/hooks", "events": ["order.paid"]},
    ),
    Page(
        "store webhooks, a new secret",
        "marketplace:store_webhook_secret",
        STORE_WORKER,
        args=(DEMO_STORE,),
        post={},
    ),
    Page(
        "store webhooks, none yet", "marketplace:store_webhooks", RETAILER, args=(RETAILER_STORE,)
    ),
    Page("catalogue csv", "marketplace:catalogue_import_page", STORE_WORKER, args=(DEMO_STORE,)),
    Page(
        "catalogue csv, nothing sent",
        "marketplace:catalogue_import_page",
        STORE_WORKER,
        args=(DEMO_STORE,),
        post={},
    ),
    Page("a catalogue import", _demo_catalogue_import, STORE_WORKER),
    Page("payouts report", "marketplace:payout_report", STORE_WORKER, args=(DEMO_STORE,)),
    Page(
        "payouts report, an empty month",
        f"/boutiques/mes-boutiques/{DEMO_STORE}/versements/?mois=2020-01",
        STORE_WORKER,
    ),
    Page("payouts report, a period", _payouts_period, STORE_WORKER),
    Page(
        "payouts report, a bad month",
        f"/boutiques/mes-boutiques/{DEMO_STORE}/versements/?mois=2020-13",
        STORE_WORKER,
        status=400,
    ),
    # The owner's point-of-sale API keys (the demo key among them), and the form refused
    Page("store api keys", "marketplace:store_api_keys", STORE_WORKER, args=(DEMO_STORE,)),
    Page(
        "store api keys, form refused",
        "marketplace:store_api_keys",
        STORE_WORKER,
        args=(DEMO_STORE,),
        status=400,
        post={"name": "", "scope": "read"},
    ),
    # A retailer with one application refused and one waiting
    Page("my stores, applications", "marketplace:my_stores", RETAILER),
    Page("apply, one waiting", "marketplace:store_application", RETAILER, "substantial"),
    Page("apply for a store", "marketplace:store_application", SHOPPER, "substantial"),
    # The retailer manages the listings of their approved store
    Page("store listings", "marketplace:staff_listings", RETAILER, args=(RETAILER_STORE,)),
    Page("new listing", "marketplace:staff_listing_new", RETAILER, args=(RETAILER_STORE,)),
    Page(
        "new listing, nothing filled",
        "marketplace:staff_listing_new",
        RETAILER,
        args=(RETAILER_STORE,),
        post={},
    ),
    Page("a listing of the store", _staff_listing(), RETAILER),
    Page("new variant", _staff_listing("variantes/nouvelle/"), RETAILER),
    Page(
        "new variant with errors",
        _staff_listing("variantes/nouvelle/"),
        RETAILER,
        post={"sku": "", "price": "abc", "stock": "-1", "weight_grams": "0"},
    ),
    Page("a variant", _staff_listing("variant"), RETAILER),
    Page("add a photo", _staff_listing("photos/nouvelle/"), RETAILER),
    Page("a photo", _staff_listing("photo"), RETAILER),
    Page(
        "apply for a store, nothing filled",
        "marketplace:store_application",
        SHOPPER,
        "substantial",
        post={},
    ),
    # A courier
    Page("courier's sites", "lockers:courier_sites", COURIER),
    Page("courier app", "lockers:courier_app", COURIER),
    Page("courier: a stop at a store", _demo_courier_store_stop, COURIER),
    Page("courier: a stop at a locker", _demo_courier_locker_stop, COURIER),
    Page(
        "courier: a scan refused at a locker",
        _demo_courier_locker_stop,
        COURIER,
        post={"code": "UQL1.nope.AAAA.BBBB"},
    ),
    Page("courier app without a network", "lockers:courier_offline", COURIER),
    Page("account of a courier", "identity:account", COURIER),
    # The kiosk at a locker site (a screen set up as the demo kiosk device)
    Page("kiosk set-up", "lockers:kiosk_activate"),
    Page("kiosk set-up, wrong secret", "lockers:kiosk_activate", post={"secret": "uqk_wrong"}),
    Page("kiosk", "lockers:kiosk", cookies=_kiosk_screen),
    Page("kiosk, a wrong code", "lockers:kiosk", cookies=_kiosk_screen, post={"code": "12345"}),
    # A registrar, signed in with their card
    Page("counter search", "card:registrar", REGISTRAR, "high"),
    Page("counter search results", _registrar_search_with_results, REGISTRAR, "high"),
    Page("counter: a person", _registrar_person_page, REGISTRAR, "high"),
    Page("counter: a card", _registrar_card_page, REGISTRAR, "high"),
    Page("counter: a person, check sent empty", _registrar_person_page, REGISTRAR, "high", post={}),
    Page(
        "counter search, too short", lambda: reverse("card:registrar") + "?q=a", REGISTRAR, "high"
    ),
    # Payables: an amount a city asks (civic/payables.py)
    Page("payables search", "civic:payable_search"),
    Page("payables search, addressed to the shopper", "civic:payable_search", SHOPPER),
    Page(
        "payables search, no such code",
        "civic:payable_search",
        post={"reference": "DEMO-CONST-0001", "payment_code": "AAAA-BBBB-CCCC"},
    ),
    Page("payable of the shopper", _demo_payable_page, SHOPPER),
    # The coop's administrator
    Page("admin index", "admin:index", ADMIN, "high", admin=True),
    Page("admin: people", "admin:identity_user_changelist", ADMIN, "high", admin=True),
    Page("admin: stores", "admin:marketplace_store_changelist", ADMIN, "high", admin=True),
    Page("admin: locker sites", "admin:lockers_site_changelist", ADMIN, "high", admin=True),
    Page("admin: kiosk devices", "admin:lockers_kioskdevice_changelist", ADMIN, "high", admin=True),
]


def demo_pages_data() -> None:
    """The demo data, and a shopper with a history: a card issued at the counter, a
    passkey, a service they signed in to. Needs the card CA settings of the test."""
    from config.management.commands.seed_demo import demo_seed
    from identity.card.ca import card_certificate_issue, card_signing_certificate_issue
    from identity.card.services import card_register, identity_check_record
    from identity.demo import DEMO_BRANCH
    from identity.models import IdentityDocumentType, OidcClaimRelease, Passkey, User
    from identity.oidc.services import oidc_client_create, oidc_consent_record

    demo_seed()
    shopper = User.objects.get(email=SHOPPER)
    registrar = User.objects.get(email=REGISTRAR)
    check = identity_check_record(
        person=shopper,
        document_type=IdentityDocumentType.DRIVERS_LICENCE,
        document_last4="7K3Q",
        branch=DEMO_BRANCH,
        registrar=registrar,
    )
    key = ec.generate_private_key(ec.SECP256R1())
    card = card_register(
        person=shopper,
        certificate=card_certificate_issue(public_key=key.public_key(), user=shopper),
        identity_check=check,
        registrar=registrar,
        signing_certificate=card_signing_certificate_issue(
            public_key=ec.generate_private_key(ec.SECP256R1()).public_key(),
            pseudonym="d3e0" * 8,
        ),
    )
    # Made as identity's passkey tests make theirs: the WebAuthn ceremony is not the point.
    Passkey.objects.create(
        user=shopper, card=card, credential_id=b"demo", public_key=b"k", name="Mon portable"
    )
    city = oidc_client_create(name=CITY_SERVICE, redirect_uris=["https://rp.example/cb"])
    claims = ["email", "given_name", "family_name"]
    oidc_consent_record(
        user=shopper, client=city.client, claims_asked=claims, claims_granted=claims
    )
    # The token endpoint writes these; the page only reads them.
    OidcClaimRelease.objects.create(
        user=shopper,
        client=city.client,
        claims=claims,
        released_at=datetime.datetime(2026, 12, 1, 14, 5, tzinfo=datetime.UTC),
    )
    _stripe_order_cancelled(shopper)


def _stripe_order_cancelled(shopper) -> None:
    """An order of the demo shopper paid through Stripe, then cancelled, so that its card
    page (/paiement/carte/<intent>/) renders without Stripe: the demo runs on the offline
    gateway and has no network, and a payment still waiting would ask Stripe for its
    client secret. Made straight in the tables, as the passkey above: checkout on Stripe
    is tested against the fake Stripe server (marketplace/tests/test_stripe_end_to_end.py)."""
    from decimal import Decimal

    from django.utils import timezone

    from marketplace.models import Order, OrderStatus, Payment, PaymentStatus

    now = timezone.now()
    order = Order.objects.create(
        number="UQ-2026-900001",
        buyer=shopper,
        status=OrderStatus.CANCELLED,
        speed="standard",
        pickup_kind="store_counter",
        goods_subtotal=Decimal("20.00"),
        fee=Decimal("2.99"),
        gst=Decimal("1.15"),
        qst=Decimal("2.29"),
        total=Decimal("26.43"),
        checkout_key="demo-stripe-card-page",
        checkout_fingerprint="0" * 64,
        reserved_until=now,
        placed_at=now,
    )
    Payment.objects.create(
        order=order,
        gateway="stripe",
        is_test=True,
        idempotency_key="demo-stripe-card-page-payment",
        intent_id=CARD_PAYMENT_INTENT,
        amount=order.total,
        status=PaymentStatus.CANCELED,
        redirect_url=f"/paiement/carte/{CARD_PAYMENT_INTENT}/",
    )


# --- Membership (h1): joining, the member's page, the board's register -----------------


def _membership_pay_page() -> str:
    """The retailer's share payment waiting on the offline gateway's test page."""
    from coop_governance.joining import share_purchase_start
    from identity.models import User

    retailer = User.objects.get(email=RETAILER)
    return share_purchase_start(
        acting_user=retailer, acr="substantial", category="consumer"
    ).redirect_url


def _membership_purchase_page() -> str:
    """Where the retailer lands after paying: their payment, still waiting."""
    from coop_governance.models import SharePurchase

    _membership_pay_page()
    purchase = SharePurchase.objects.get(person__email=RETAILER, status="pending")
    return reverse("governance:join_purchase", args=[purchase.pk])


def _membership_register_line() -> str:
    from coop_governance.models import Member

    member = Member.objects.get(person__email=SHOPPER)
    return reverse("governance:register_member", args=[member.number])


PAGES += [
    Page("coop: joining, a visitor", "governance:dashboard"),
    Page("coop: joining, a proven adult", "governance:dashboard", RETAILER, "substantial"),
    Page("coop: paying the shares", _membership_pay_page, RETAILER, "substantial"),
    Page("coop: a share payment waiting", _membership_purchase_page, RETAILER, "substantial"),
    Page("coop: the member's page", "governance:dashboard", SHOPPER, "substantial"),
    Page("coop: member register", "governance:register", ADMIN, "high"),
    Page("coop: a member's history", _membership_register_line, ADMIN, "high"),
    Page("coop: withdrawal requests", "governance:withdrawals", ADMIN, "high"),
]


# --- The coop's proposals and online votes (coop_governance/demo_proposals.py) -----------
def _demo_proposal(title_start: str, *, vote: bool = False) -> Callable[[], str]:
    def path() -> str:
        from coop_governance.models import Proposal

        proposal = Proposal.objects.get(title__startswith=title_start)
        if vote:
            return reverse("governance:vote_detail", args=(proposal.motion_id,))
        return reverse("governance:proposal_detail", args=(proposal.pk,))

    return path


PAGES += [
    Page("proposals", "governance:proposal_list", SHOPPER),
    Page("a proposal with a hidden comment", _demo_proposal("Un jardin"), SHOPPER),
    Page("a proposal, as the board", _demo_proposal("Un jardin"), ADMIN),
    Page("a declined proposal", _demo_proposal("Vendre des billets"), SHOPPER),
    Page("submit a proposal", "governance:proposal_new", SHOPPER),
    Page(
        "submit a proposal with errors",
        "governance:proposal_new",
        SHOPPER,
        status=400,
        post={"title": "", "text": "", "submit_key": "00000000-0000-4000-8000-000000000000"},
    ),
    Page("online votes", "governance:vote_list", SHOPPER),
    Page("an online vote, open", _demo_proposal("Ouvrir les comptoirs", vote=True), SHOPPER),
    Page(
        "an online vote, open, at high",
        _demo_proposal("Ouvrir les comptoirs", vote=True),
        SHOPPER,
        "high",
    ),
    Page("an online vote, counted", _demo_proposal("Une politique", vote=True), SHOPPER),
    Page("flagged comments, as the board", "governance:proposal_moderation", ADMIN),
]


# --- Assemblies and the coop's public pages (coop_governance, h2) -------------------------


def _demo_assembly(title_start: str, suffix: str = "") -> Callable[[], str]:
    def path() -> str:
        from coop_governance.models import Assembly

        assembly = Assembly.objects.filter(title__startswith=title_start).order_by("pk").first()
        name = "governance:assembly_manage" if suffix == "manage" else "governance:assembly_detail"
        return reverse(name, args=[assembly.pk])

    return path


PAGES += [
    Page("assemblies", "governance:assembly_list"),
    Page("an assembly in session", _demo_assembly("Assemblée extraordinaire sur le point")),
    Page(
        "an assembly in session, a member",
        _demo_assembly("Assemblée extraordinaire sur le point"),
        SHOPPER,
        "substantial",
    ),
    Page("a past assembly", _demo_assembly("Assemblée générale annuelle")),
    Page("an assembly called", _demo_assembly("Assemblée extraordinaire sur l’avis")),
    Page("call an assembly", "governance:assembly_call", ADMIN),
    Page(
        "chair an assembly",
        _demo_assembly("Assemblée extraordinaire sur le point", "manage"),
        ADMIN,
    ),
    Page(
        "an assembly's agenda, board",
        _demo_assembly("Assemblée générale annuelle 2027", "manage"),
        ADMIN,
    ),
    Page("the coop's by-laws", "governance:bylaws"),
    Page("by-laws, version 1", "governance:bylaws_version", args=(1,)),
    Page("results of past votes", "governance:results"),
]


def _ristourne_path(name: str) -> Callable[[], str]:
    """A page of the demo's recorded ristourne computation (coop_governance/demo_ristournes.py)."""

    def path() -> str:
        from coop_governance.models import RistourneComputation

        computation = RistourneComputation.objects.get(status="recorded")
        if name == "compute":
            return reverse("governance:ristourne_compute", args=(computation.fiscal_year_id,))
        return reverse(f"governance:{name}", args=(computation.pk,))

    return path


PAGES += [
    Page("my ristournes", "governance:ristournes_mine", SHOPPER),
    Page("ristournes, the board", "governance:ristournes_board", ADMIN),
    Page("a year's ristournes, the board", _ristourne_path("ristourne_detail"), ADMIN),
    Page("ristournes to compute", _ristourne_path("compute"), ADMIN),
    Page(
        "ristournes computed with errors",
        _ristourne_path("compute"),
        ADMIN,
        status=400,
        post={"surplus": "-1", "equity": "x", "debts": "", "reserve_percent": "5"},
    ),
]


# --- Secret ballots (coop_governance/demo_elections.py) ---------------------------------
def _demo_election(title: str, name: str) -> Callable[[], str]:
    def path() -> str:
        from coop_governance import demo_elections
        from coop_governance.models import Election

        election = Election.objects.get(title_fr=getattr(demo_elections, title))
        return reverse(f"governance:{name}", args=[election.public_id])

    return path


PAGES += [
    Page("secret ballots", "governance:election_list", SHOPPER, "substantial"),
    Page("secret ballots, the board", "governance:election_board_list", ADMIN, "high"),
    Page(
        "a secret ballot, the board",
        _demo_election("PUBLISHED_TITLE", "election_manage"),
        ADMIN,
        "high",
    ),
    Page("the booth", _demo_election("OPEN_TITLE", "election_booth"), SHOPPER, "high"),
    Page(
        "the booth, asking for the card",
        _demo_election("OPEN_TITLE", "election_booth"),
        SHOPPER,
        "substantial",
    ),
    Page("a trustee's page", _demo_election("OPEN_TITLE", "election_trustee"), ADMIN, "high"),
    Page(
        "a trustee's page, making her key",
        _demo_election("CEREMONY_TITLE", "election_trustee"),
        ADMIN,
        "high",
    ),
    Page(
        "a trustee's page, decrypting",
        _demo_election("COUNTING_TITLE", "election_trustee"),
        ADMIN,
        "high",
    ),
    Page("ballots cast", _demo_election("PUBLISHED_TITLE", "election_board")),
    Page("results of a secret ballot", _demo_election("PUBLISHED_TITLE", "election_results")),
]
