"""No CDN anywhere: every script, stylesheet, font and image a page loads is one of our own
files, served by this site (issue 9, point 6). Without a network, a page that loads
anything from another host is broken, and each host it names learns who reads it.

Three layers, each catching what the others cannot see:

- the template sources of every app, config and the example city service (it is run
  beside Uniqc on the same machine, offline too), and our own CSS and JavaScript: no
  resource address that is absolute (`https://…`, `//host/…`);
- the vendor files we serve (htmx, Swagger UI from drf-spectacular-sidecar): no CDN host;
- the rendered pages, visitor's and signed-in, the API docs and the error pages
  included: every resource is on this site and answers 200, every stylesheet it loads
  loads nothing from elsewhere, and the Content-Security-Policy allows no other origin
  for scripts, styles, fonts or images.

Links (`<a href>`) and form actions are not loads and are not checked.
"""

import re
import time
from collections.abc import Iterator
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import get_resolver, reverse

from identity.assurance import SESSION_ACR, SESSION_AMR, SESSION_AUTH_TIME
from identity.roles import Role
from identity.services import user_create
from tests.test_csp import _paths, directives

ROOT = Path(settings.BASE_DIR)
OUR_APPS = ("config", "core", "identity", "lockers", "marketplace", "coop_governance")

# An address that leaves this site: a scheme and a host, or a host alone (`//cdn…`).
OFFSITE = r"""(?:[a-z][a-z0-9+.-]*:)?//"""
# Attributes whose value the browser loads (in a template: quoted, maybe after spaces).
LOAD_ATTRIBUTES = re.compile(
    r"""<(?:script|img|iframe|source|audio|video|embed|track|input|image|use)\b[^>]*?"""
    r"""\s(?:src|srcset|poster|href|xlink:href)\s*=\s*["']?\s*"""
    + OFFSITE
    + r"""|<link\b[^>]*?\shref\s*=\s*["']?\s*"""
    + OFFSITE
    + r"""|<object\b[^>]*?\sdata\s*=\s*["']?\s*"""
    + OFFSITE,
    re.IGNORECASE | re.DOTALL,
)
CSS_LOADS = re.compile(
    r"""@import\s+(?:url\(\s*)?["']?\s*""" + OFFSITE + r"""|url\(\s*["']?\s*""" + OFFSITE,
    re.IGNORECASE,
)
# In JavaScript, any string that starts with an address off this site (on the line its
# quote opens: a closing quote at the end of one line and a `//` comment on the next is
# no address). The SVG and XHTML namespaces are names, not addresses.
JS_OFFSITE_STRING = re.compile(r"""["'`][ \t]*""" + OFFSITE, re.IGNORECASE)
NAMESPACES = ("http://www.w3.org/2000/svg", "http://www.w3.org/1999/xhtml")
CDN_HOSTS = re.compile(
    r"cdn\.jsdelivr|unpkg\.com|cdnjs\.|googleapis\.com|gstatic\.com|bootstrapcdn|"
    r"cloudflare\.com|jquery\.com/|fontawesome|typekit|//cdn\.",
    re.IGNORECASE,
)


def template_files() -> list[Path]:
    directories = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    directories += [Path(apps.get_app_config(app).path) / "templates" for app in OUR_APPS]
    directories += list((ROOT / "examples").glob("*/*/templates"))
    return sorted(path for d in directories if d.is_dir() for path in d.rglob("*.html"))


def static_files() -> tuple[list[Path], list[Path]]:
    """(our own CSS and JavaScript, the vendor files we serve)."""
    directories = [Path(d) for d in settings.STATICFILES_DIRS]
    directories += [Path(apps.get_app_config(app).path) / "static" for app in OUR_APPS]
    ours, vendor = [], []
    for path in sorted({p for d in directories if d.is_dir() for p in d.rglob("*")}):
        if path.suffix not in (".css", ".js"):
            continue
        is_vendor = "vendor" in path.parts or ".min." in path.name
        (vendor if is_vendor else ours).append(path)
    sidecar = Path(finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css")).parent
    vendor += sorted(p for p in sidecar.iterdir() if p.suffix in (".css", ".js"))
    return ours, vendor


def test_the_scan_sees_the_files_it_is_meant_to():
    templates = template_files()
    names = {p.relative_to(ROOT).as_posix() for p in templates}
    assert "config/templates/base.html" in names
    assert "config/templates/500.html" in names
    assert any(name.startswith("examples/") for name in names)
    assert any(name.startswith("identity/templates/") for name in names)
    ours, vendor = static_files()
    assert ROOT / "config/static/css/uniqc.css" in ours
    assert ROOT / "config/static/vendor/htmx.min.js" in vendor
    assert any(p.name == "swagger-ui-bundle.js" for p in vendor)


def test_the_patterns_catch_what_they_are_for():
    """The scan's own test: each way of loading from a CDN is caught; our own is not."""
    caught = [
        '<script src="https://cdn.example/htmx.js"></script>',
        "<script defer src='//unpkg.com/x.js'></script>",
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter">',
        '<img alt="" src="http://images.example/logo.png">',
        '<source srcset="https://img.example/a.webp 2x">',
        '<iframe src="https://maps.example/embed"></iframe>',
    ]
    for markup in caught:
        assert LOAD_ATTRIBUTES.search(markup), markup
    for markup in (
        "<script src=\"{% static 'vendor/htmx.min.js' %}\"></script>",
        '<a href="https://uniqc.coop/">',
        '<form action="https://rp.example/cb">',
    ):
        assert not LOAD_ATTRIBUTES.search(markup), markup
    assert CSS_LOADS.search("@import url('https://fonts.example/a.css');")
    assert CSS_LOADS.search('@import "//fonts.example/a.css";')
    assert CSS_LOADS.search("src: url(https://fonts.example/a.woff2) format('woff2');")
    assert not CSS_LOADS.search("background: url('../img/logo.svg');")
    assert not CSS_LOADS.search("background: url(data:image/svg+xml;base64,AAAA);")
    assert JS_OFFSITE_STRING.search('import("https://cdn.example/x.js")')


@pytest.mark.parametrize("path", template_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_template_loads_anything_from_another_host(path):
    source = path.read_text()
    assert [m.group(0) for m in LOAD_ATTRIBUTES.finditer(source)] == []
    assert [m.group(0) for m in CSS_LOADS.finditer(source)] == []


def test_our_css_and_javascript_load_nothing_from_another_host():
    ours, _vendor = static_files()
    found = []
    for path in ours:
        text = path.read_text()
        if path.suffix == ".css":
            found += [f"{path.name}: {m.group(0)}" for m in CSS_LOADS.finditer(text)]
        else:
            for match in JS_OFFSITE_STRING.finditer(text):
                if not text[match.start() + 1 :].startswith(NAMESPACES):
                    found.append(f"{path.name}: {text[match.start() : match.start() + 60]}")
    assert found == []


def test_the_vendor_files_we_serve_name_no_cdn():
    _ours, vendor = static_files()
    found = []
    for path in vendor:
        text = path.read_text(errors="replace")
        found += [f"{path.name}: {m.group(0)}" for m in CDN_HOSTS.finditer(text)]
        if path.suffix == ".css":
            found += [f"{path.name}: {m.group(0)}" for m in CSS_LOADS.finditer(text)]
    assert found == []


# --- The rendered pages ------------------------------------------------------------------


class Resources(HTMLParser):
    """Every address a page makes the browser load, with where it was found."""

    LOADS = {
        "script": ("src",),
        "link": ("href",),
        "img": ("src", "srcset"),
        "source": ("src", "srcset"),
        "iframe": ("src",),
        "audio": ("src",),
        "video": ("src", "poster"),
        "embed": ("src",),
        "track": ("src",),
        "object": ("data",),
        "input": ("src",),
        "image": ("href", "xlink:href"),
        "use": ("href", "xlink:href"),
    }

    def __init__(self, html: str) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self._in_style = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if not value:
                continue
            if name in self.LOADS.get(tag, ()):
                for candidate in value.split(",") if name == "srcset" else [value]:
                    self.urls.append((f"<{tag} {name}>", candidate.strip().split(" ")[0]))
            if name == "style":
                self.urls += [("style=", url) for url in css_urls(value)]

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls += [("<style>", url) for url in css_urls(data)]

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False


def css_urls(css: str) -> Iterator[str]:
    for match in re.finditer(r"""@import\s+["']([^"']+)|url\(\s*["']?([^"')]+)""", css):
        yield (match.group(1) or match.group(2)).strip()


def offsite(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) or parts.scheme not in ("", "data", "blob")


def fetched(client: Client, url: str) -> tuple[int, bytes]:
    response = client.get(url)
    if response.streaming:
        return response.status_code, b"".join(response.streaming_content)
    return response.status_code, response.content


@pytest.fixture
def people(db, settings, card_ca_dir) -> dict[str, Client]:
    """A visitor, a shopper signed in with a password, and a registrar and coop admin
    signed in with a card (who sees the admin and the registrar's pages)."""
    from identity.tests.card_fixtures import CA_PASSPHRASE

    settings.CARD_CA_DIR = card_ca_dir
    settings.CARD_CA_PASSPHRASE = CA_PASSPHRASE
    clients = {"visitor": Client()}
    for name, acr, roles, superuser in (
        ("shopper", "low", (Role.SHOPPER,), False),
        ("staff", "high", (Role.REGISTRAR, Role.COOP_ADMIN), True),
    ):
        user = user_create(
            email=f"{name}@example.com",
            password="correct horse battery staple",
            given_name=name.title(),
            family_name="Test",
            email_verified=True,
            roles=roles,
            is_superuser=superuser,
        )
        client = Client()
        client.force_login(user)
        session = client.session
        session[SESSION_ACR] = acr
        session[SESSION_AMR] = ["pwd"] if acr == "low" else ["sc", "pin"]
        session[SESSION_AUTH_TIME] = int(time.time())
        session.save()
        clients[name] = client
    return clients


@pytest.fixture
def a_store_and_a_site(db) -> list[str]:
    """A store with a listing and a locker site, so that their pages have content."""
    from lockers.models import HostKind
    from lockers.services import compartments_ensure, site_upsert
    from marketplace.models import ListingStatus, StoreStatus
    from marketplace.services import listing_upsert, store_upsert, variant_upsert

    store, _ = store_upsert(
        slug="epicerie",
        initial_status=StoreStatus.APPROVED,
        name="Épicerie du coin",
        legal_name="Épicerie du coin inc.",
        neq="1170004182",
        small_supplier=True,
        neighbourhood="Saint-Roch",
        street_address="101, rue Saint-Joseph Est",
        locality="Québec",
        postal_code="G1K 3B6",
        latitude=Decimal("46.813960"),
        longitude=Decimal("-71.225310"),
        description="Un commerce de quartier.",
    )
    listing, _ = listing_upsert(
        store=store,
        slug="pain",
        title_fr="Pain",
        description_fr="Au levain.",
        initial_status=ListingStatus.PUBLISHED,
    )
    variant_upsert(
        store=store,
        listing=listing,
        sku="pain-1",
        name="Miche",
        price="4.50",
        size_class="S",
        weight_grams=500,
        initial_stock=3,
    )
    site, _ = site_upsert(
        slug="site-1",
        name="Casiers 1",
        host_kind=HostKind.DESJARDINS,
        host_name="Caisse 1",
        street_address="1, boulevard Charest Est",
        locality="Québec",
        postal_code="G1K 3G6",
        latitude=Decimal("46.811820"),
        longitude=Decimal("-71.221900"),
        access_hours="Tous les jours",
        opening_hours={"mon": [["06:00", "23:00"]]},
        is_active=True,
    )
    compartments_ensure(site=site, counts={"S": 1})
    return [reverse("marketplace:store_detail", args=[store.slug])]


KEYWORDS = re.compile(r"'(self|none|nonce-[^']+|strict-dynamic|report-sample)'")


def assert_policy_names_no_other_origin(response, path: str) -> None:
    """Scripts, styles, fonts and images: our own origin only. The API docs page alone
    lets Swagger UI style itself inline and draw its icons as data: images."""
    policy = directives(response)
    docs = path.startswith(reverse("api-docs"))
    for directive in ("default-src", "script-src", "style-src", "font-src", "img-src"):
        for source in policy.get(directive, []):
            if KEYWORDS.fullmatch(source):
                continue
            allowed = docs and (directive, source) in {
                ("style-src", "'unsafe-inline'"),
                ("img-src", "data:"),
            }
            assert allowed, f"{path}: {directive} {source}"
    # connect-src: this site, and the card agent on the person's own computer.
    for source in policy.get("connect-src", []):
        if source != "'self'":
            assert urlsplit(source).hostname in ("127.0.0.1", "localhost", "::1"), source


def test_every_page_loads_only_our_own_files(people, a_store_and_a_site):
    paths = sorted(set(_paths(get_resolver().url_patterns)))
    paths += [*a_store_and_a_site, "/no-such-page/"]
    must_see = {
        reverse("home"),
        reverse("identity:login"),
        reverse("identity:signup"),
        reverse("identity:profile"),
        reverse("marketplace:store_list"),
        reverse("lockers:site_list"),
        reverse("api-docs"),
        "/no-such-page/",
        *a_store_and_a_site,
    }
    checked: set[str] = set()
    resources: dict[str, tuple[str, str]] = {}
    for who, client in people.items():
        for path in paths:
            response = client.get(path)
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            html = response.content.decode()
            if "<html" not in html.lower():
                continue
            assert_policy_names_no_other_origin(response, path)
            for where, url in Resources(html).urls:
                assert not offsite(url), f"{who} {path}: {where} {url}"
                if not url.startswith(("data:", "#")):
                    resources.setdefault(urljoin(path, url), (who, path))
            checked.add(path)
    assert must_see <= checked, must_see - checked
    assert any(url.startswith(settings.STATIC_URL) for url in resources)
    # Each file is served by this site; each stylesheet loads nothing from elsewhere.
    for url, (who, path) in sorted(resources.items()):
        status, body = fetched(people[who], url)
        assert status == 200, f"{url} (on {who} {path}) answers {status}"
        if urlsplit(url).path.endswith(".css"):
            loads = [u for u in css_urls(body.decode(errors="replace")) if offsite(u)]
            assert loads == [], url
