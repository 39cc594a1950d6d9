"""Every page a demo person can reach reads right: Québec typography in French, careful
punctuation in English, and no English left in the French interface.

The pages are the table PAGES below (extend it as pages arrive): each is rendered with the
Django test client, as the person it names, signed in at the level it names, over the demo
data (`seed_demo`) and a shopper's history (a card, a passkey, a connected service). The
rules and the text extraction are tests/typography.py. Left out: /api/docs/ (Swagger UI,
a developer's tool in English whatever the language).

The admin is checked for our own strings only: Django's French catalogues write some of
their messages with a straight apostrophe or an ordinary space before `:` ("Fil d'Ariane",
"Changer de thème (actuellement : clair)"), which is Django's to fix, so text that comes
from Django's own translations (django, admin, auth, contenttypes) is left out (see
`django_french_strings`); the names, labels and help of our models are checked.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from tests.typography import english_offences, french_offences, visible_text

SHOPPER = "shopper@demo.uniqc.coop"
STORE_WORKER = "store@demo.uniqc.coop"
COURIER = "courier@demo.uniqc.coop"
REGISTRAR = "registrar@demo.uniqc.coop"
ADMIN = "admin@demo.uniqc.coop"

DEMO_STORE = "boulangerie-du-faubourg"
CITY_SERVICE = "Ville de Québec"


@dataclass(frozen=True)
class Page:
    """A page to read: its name, where it is (a URL name, or a function giving the path),
    who reads it (None: a visitor) and how they signed in; with `post`, the page a form
    answers when this is sent to it (its error messages)."""

    name: str
    url: str | Callable[[], str]
    person: str | None = None
    acr: str = "low"
    args: tuple = ()
    admin: bool = False
    post: dict | None = None

    def path(self) -> str:
        if callable(self.url):
            return self.url()
        return reverse(self.url, args=self.args)


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
    """A service (the demo fixture's) asking the shopper for more than they shared."""
    from urllib.parse import urlencode

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


def _registrar_search_with_results() -> str:
    return reverse("card:registrar") + "?q=Tremblay"


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
    Page("a store", "marketplace:store_detail", args=(DEMO_STORE,)),
    Page("locker sites", "lockers:site_list"),
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
    Page("profile", "identity:profile", SHOPPER),
    Page("passkeys", "identity:passkeys:list", SHOPPER),
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
    # A store worker
    Page("my stores", "marketplace:my_stores", STORE_WORKER),
    # A courier
    Page("courier's sites", "lockers:courier_sites", COURIER),
    # A registrar, signed in with their card
    Page("counter search", "card:registrar", REGISTRAR, "high"),
    Page("counter search results", _registrar_search_with_results, REGISTRAR, "high"),
    Page("counter: a person", _registrar_person_page, REGISTRAR, "high"),
    Page("counter: a card", _registrar_card_page, REGISTRAR, "high"),
    Page("counter: a person, check sent empty", _registrar_person_page, REGISTRAR, "high", post={}),
    Page(
        "counter search, too short", lambda: reverse("card:registrar") + "?q=a", REGISTRAR, "high"
    ),
    # The coop's administrator
    Page("admin index", "admin:index", ADMIN, "high", admin=True),
    Page("admin: people", "admin:identity_user_changelist", ADMIN, "high", admin=True),
    Page("admin: stores", "admin:marketplace_store_changelist", ADMIN, "high", admin=True),
    Page("admin: locker sites", "admin:lockers_site_changelist", ADMIN, "high", admin=True),
]


def _available(page: Page) -> bool:
    """Whether the code has the page yet (a path given by a function always is)."""
    if callable(page.url):
        return True
    try:
        reverse(page.url, args=page.args)
    except NoReverseMatch:
        return False
    return True


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_page_of_the_table_exists(page):
    """A page the table names but the code does not have yet is skipped, visibly."""
    if not _available(page):
        pytest.skip(f"{page.name}: no page named {page.url!r} yet")


@pytest.fixture
def demo(db, settings, card_ca_dir):
    """The demo data, and a shopper with a history: a card issued at the counter, a
    passkey, a service they signed in to (so that pages show dates and their lists)."""
    import datetime

    from config.management.commands.seed_demo import demo_seed
    from identity.card.ca import card_certificate_issue
    from identity.card.services import card_register, identity_check_record
    from identity.demo import DEMO_BRANCH
    from identity.models import IdentityDocumentType, OidcClaimRelease, Passkey, User
    from identity.oidc.services import oidc_client_create, oidc_consent_record
    from identity.tests.card_fixtures import CA_PASSPHRASE

    settings.CARD_CA_DIR = card_ca_dir
    settings.CARD_CA_PASSPHRASE = CA_PASSPHRASE
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


def read(page: Page, language: str, sign_in_at) -> str:
    """The visible text of `page` in `language`, as its person sees it."""
    from identity.models import User

    client = Client()
    client.cookies["django_language"] = language
    if page.person is not None:
        sign_in_at(client, User.objects.get(email=page.person), page.acr)
    path = page.path()
    # Over https, as the site is served (OAuth refuses plain http).
    if page.post is None:
        response = client.get(path, secure=True)
    else:
        response = client.post(path, page.post, secure=True)
    expected = 200 if page.post is None else (200, 400)
    assert response.status_code in (expected if isinstance(expected, tuple) else (expected,)), (
        f"{page.name} ({path}): {response.status_code}"
    )
    assert response["Content-Language"] == language
    text = visible_text(response.content.decode())
    if page.admin and language == "fr":
        text = without_django_strings(text)
    if language != "fr":
        text = without_demo_french(text)
    return text


def check_pages(language: str, rules, sign_in_at) -> None:
    """Read every page of the table in `language`; fail with every offence, page by page."""
    report = []
    for page in PAGES:
        if not _available(page):
            continue
        offences = rules(read(page, language, sign_in_at))
        if offences:
            report.append(f"{page.name} ({page.path()}):")
            report.extend(f"  {offence}" for offence in offences)
    assert not report, "\n".join(report)


def test_french_pages_follow_quebec_typography(demo, sign_in_at):
    check_pages("fr", french_offences, sign_in_at)


def test_english_pages_put_no_space_before_punctuation(demo, sign_in_at):
    check_pages("en", english_offences, sign_in_at)


# --- The stores' own words -------------------------------------------------------------
@cache
def demo_french_texts() -> tuple[str, ...]:
    """What the demo stores and locker sites wrote about themselves, in French: the
    English interface shows it as it is (it is checked by the French rules, in
    test_demo_data_is_written_in_quebec_french)."""
    from lockers.demo import SITES
    from marketplace.demo import STORES

    texts = set()
    for site in SITES:
        texts.update(site[key] for key in SITE_PROSE)
    for store in STORES:
        texts.update(store[key] for key in STORE_PROSE)
        for title, _size, description, variants in store["listings"]:
            texts.update((title, description))
            texts.update(name for _code, name, _price, _stock in variants)
    return tuple(sorted(texts, key=len, reverse=True))


# What people read of a demo site or store (not its slug, code or address).
SITE_PROSE = ("name", "host_name", "access_hours")
STORE_PROSE = ("name", "neighbourhood", "description")


def without_demo_french(text: str) -> str:
    """The page's text without the demo's French: each of its texts, and a line that
    shows the start of one as an excerpt ("…"), are left out."""
    texts = demo_french_texts()
    kept = []
    for line in text.split("\n"):
        start = line.removesuffix("…")
        if line.endswith("…") and any(french.startswith(start) for french in texts):
            continue
        for french in texts:
            line = line.replace(french, " ")
        kept.append(line)
    return "\n".join(kept)


def test_demo_data_is_written_in_quebec_french():
    offences = [
        f"{text!r}: {offence}"
        for text in demo_french_texts()
        for offence in french_offences(text)
        if offence.rule != "English in a French page"
    ]
    assert not offences, "\n".join(offences)


# --- Django's own French --------------------------------------------------------------
DJANGO_DOMAINS = ("django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes")


@cache
def django_french_strings() -> re.Pattern[str] | None:
    """A pattern matching the French that Django's own catalogues (admin, auth, the core)
    put on a page and that our rules would flag; placeholders match any text."""
    import gettext

    import django

    root = Path(django.__file__).parent
    catalogues = [root / "conf" / "locale" / "fr" / "LC_MESSAGES" / "django.mo"]
    for domain in DJANGO_DOMAINS:
        package = root.joinpath(*domain.split(".")[1:])
        catalogues.append(package / "locale" / "fr" / "LC_MESSAGES" / "django.mo")
    alternatives = set()
    for path in catalogues:
        with path.open("rb") as handle:
            catalogue = gettext.GNUTranslations(handle)
        for key, translated in catalogue._catalog.items():
            if key == "" or not translated or not french_offences(translated):
                continue
            pieces = re.split(r"%\(\w+\)[sd]|%[sd]|\{\w*\}", translated)
            alternatives.add(r"[\s\S]{0,200}?".join(re.escape(piece) for piece in pieces))
    if not alternatives:
        return None
    return re.compile("|".join(sorted(alternatives, key=len, reverse=True)))


def without_django_strings(text: str) -> str:
    pattern = django_french_strings()
    return pattern.sub(" ", text) if pattern else text


def test_the_admin_filter_leaves_out_only_djangos_french():
    # Called through a variable so that makemessages does not list this file as a source.
    translate = translation.gettext
    with translation.override("fr"):
        djangos = translate("Breadcrumbs")  # "Fil d'Ariane", from Django's admin
    assert french_offences(djangos), "Django's French has changed: this filter may go"
    assert french_offences(without_django_strings(djangos)) == []
    ours = "Votre carte : active"
    assert french_offences(without_django_strings(ours))
