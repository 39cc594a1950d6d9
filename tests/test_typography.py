"""Every page a demo person can reach reads right: Québec typography in French, careful
punctuation in English, and no English left in the French interface.

The pages are the table of tests/demo_pages.py (extend it as pages arrive): each is rendered
with the Django test client, as the person it names, signed in at the level it names, over
the demo data (`seed_demo`) and a shopper's history (a card, a passkey, a connected service). The
rules and the text extraction are tests/typography.py. Left out: /api/docs/ (Swagger UI,
a developer's tool in English whatever the language).

The admin is checked for our own strings only: Django's French catalogues write some of
their messages with a straight apostrophe or an ordinary space before `:` ("Fil d'Ariane",
"Changer de thème (actuellement : clair)"), which is Django's to fix, so text that comes
from Django's own translations (django, admin, auth, contenttypes) is left out (see
`django_french_strings`); the names, labels and help of our models are checked.
"""

import re
from functools import cache
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from tests.demo_pages import PAGES, Page, demo_pages_data
from tests.typography import english_offences, french_offences, visible_text


@pytest.fixture
def demo(db, settings, card_ca_dir):
    from identity.tests.card_fixtures import CA_PASSPHRASE

    settings.CARD_CA_DIR = card_ca_dir
    settings.CARD_CA_PASSPHRASE = CA_PASSPHRASE
    demo_pages_data()


def read(page: Page, language: str, sign_in_at) -> str:
    """The visible text of `page` in `language`, as its person sees it."""
    from identity.models import User

    client = Client()
    client.cookies["django_language"] = language
    if page.person is not None:
        sign_in_at(client, User.objects.get(email=page.person), page.acr)
    for name, value in (page.cookies() if page.cookies else {}).items():
        client.cookies[name] = value
    path = page.path()
    # Over https, as the site is served (OAuth refuses plain http).
    if page.post is None:
        response = client.get(path, secure=True)
    else:
        response = client.post(path, page.post, secure=True)
    expected = (page.status,) if page.post is None else (200, 400)
    assert response.status_code in expected, f"{page.name} ({path}): {response.status_code}"
    assert response["Content-Language"] == language
    text = visible_text(response.content.decode(), language)
    if page.admin and language == "fr":
        text = without_django_strings(text)
    if language != "fr":
        text = without_demo_french(text)
    return text


def check_pages(language: str, rules, sign_in_at) -> None:
    """Read every page of the table in `language`; fail with every offence, page by page."""
    report = []
    for page in PAGES:
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
    from marketplace.demo import CATEGORIES, STORES

    texts = set()
    for site in SITES:
        texts.update(site[key] for key in SITE_PROSE)
    texts.update(name_fr for _slug, name_fr, _name_en, _parent in CATEGORIES)
    for store in STORES:
        texts.update(store[key] for key in STORE_PROSE)
        for title, _title_en, _category, description, variants in store["listings"]:
            texts.update((title, description))
            texts.update(variant[1] for variant in variants)
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


def test_demo_english_titles_are_written_in_english():
    """The English the demo stores give their listings, and the categories' English
    names, are shown in the English interface and held to its rules."""
    from marketplace.demo import CATEGORIES, STORES

    texts = {name_en for _slug, _name_fr, name_en, _parent in CATEGORIES}
    for store in STORES:
        texts.update(listing[1] for listing in store["listings"])
    offences = [f"{text!r}: {offence}" for text in texts for offence in english_offences(text)]
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
