"""Every page the demo people reach, checked in Chromium as WCAG 2.2 AA asks: axe-core finds
no violation, nothing scrolls sideways on a phone (390 px) or a desktop (1280 px), and the
keyboard alone reaches the skip link, then the header, with a visible focus everywhere.

axe-core is vendored from npm (tests/browser/vendor, scripts/vendor-assets.sh). Our
Content-Security-Policy forbids inline scripts, so `page.add_script_tag` (which inlines the
file) is refused; the engine is evaluated through the DevTools protocol instead
(`page.evaluate`), which the page's policy does not govern. The pages themselves keep
their CSP: any violation fails the test.

To check a new page, add a row to PAGES in tests/demo_pages.py.
"""

import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from conftest import csp_violations_watch
from tests.db_snapshot import DatabaseSnapshot
from tests.demo_pages import PAGES, Page, demo_pages_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = [390, 1280]

# The pages of tests/demo_pages.py that a browser opens (a form's error answers are read
# by the typography check). The admin is Django's, not ours to restyle: left out.
BROWSED = [page for page in PAGES if page.post is None and not page.admin]


@pytest.fixture(scope="module")
def demo_snapshot(tmp_path_factory) -> DatabaseSnapshot:
    """The demo's rows, copied after the module's first test loads them."""
    return DatabaseSnapshot("demo_pages", tmp_path_factory.mktemp("demo-snapshot"))


@pytest.fixture
def demo(transactional_db, settings, card_ca_dir, demo_snapshot) -> None:
    """The demo data `make run` loads, and the demo shopper's history, in the test database.
    Loaded once (about 5 s): every later test of the module gets a copy of its rows (about
    0.1 s). The photos it made stay under MEDIA_ROOT, and the card CA is the session's."""
    from identity.tests.card_fixtures import CA_PASSPHRASE

    settings.CARD_CA_DIR = card_ca_dir
    settings.CARD_CA_PASSPHRASE = CA_PASSPHRASE
    if demo_snapshot.tables:
        demo_snapshot.restore()
    else:
        demo_pages_data()
        demo_snapshot.take()


def session_cookie(email: str, acr: str) -> str:
    """A session key signed in as the demo person at `acr`, as the sign-in leaves it."""
    from identity.assurance import SESSION_ACR, SESSION_AMR, SESSION_AUTH_TIME
    from identity.models import User

    user = User.objects.get(email=email)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = django_settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[SESSION_ACR] = acr
    session[SESSION_AMR] = {"high": ["sc", "pin"], "substantial": ["hwk", "user", "mfa"]}.get(
        acr, ["pwd"]
    )
    session[SESSION_AUTH_TIME] = int(time.time())
    session.save()
    return session.session_key


def axe_violations(page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.x A and AA violations on the page as it is now (rule, impact,
    help, and the first few offending elements)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate(
        """tags => axe.run(document, {
          runOnly: {type: 'tag', values: tags},
          resultTypes: ['violations'],
        })""",
        AXE_TAGS,
    )
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [(node["target"], node["failureSummary"]) for node in violation["nodes"][:5]],
        }
        for violation in results["violations"]
    ]


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scroll)."""
    return page.evaluate("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


@pytest.fixture
def browse(chromium, live_server):
    """Open a page in a fresh context of the given width, signed in or not; the test fails
    if any page breaks its Content-Security-Policy."""
    contexts = []
    seen: list[list[str]] = []

    def open_page(
        path: str,
        *,
        width: int,
        session_key: str | None = None,
        cookies: dict[str, str] | None = None,
    ):
        context = chromium.new_context(
            base_url=live_server.url,
            locale="fr-CA",
            viewport={"width": width, "height": 900},
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        seen.append(csp_violations_watch(context))
        if session_key:
            context.add_cookies(
                [
                    {
                        "name": django_settings.SESSION_COOKIE_NAME,
                        "value": session_key,
                        "url": live_server.url,
                    }
                ]
            )
        if cookies:
            context.add_cookies(
                [
                    {"name": name, "value": value, "url": live_server.url}
                    for name, value in cookies.items()
                ]
            )
        page = context.new_page()
        response = page.goto(path)
        return page, response

    yield open_page
    for context in contexts:
        context.close()
    assert [text for texts in seen for text in texts] == []


# Put the keyboard's starting point at the top of the document.
TOP = """() => {
  document.body.setAttribute('tabindex', '-1');
  document.body.focus();
  document.body.removeAttribute('tabindex');
}"""

# Computed style of the element that has the focus: its outline or box-shadow must show.
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim(),
    inHeader: !!el.closest('header'),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
      && style.outlineColor !== 'rgba(0, 0, 0, 0)',
    shadow: style.boxShadow !== 'none',
    isBody: el === document.body,
  };
}"""


@pytest.mark.parametrize("url_name", ["home", "identity:login"])
@pytest.mark.parametrize("width", WIDTHS)
def test_keyboard_reaches_skip_link_then_header_with_visible_focus(url_name, width, browse):
    page, _ = browse(reverse(url_name), width=width)
    # From the top of the page, whatever a field's autofocus took.
    page.evaluate(TOP)
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert first["text"] == "Aller au contenu"
    assert first["shadow"] or first["outline"]

    # Then the header: the brand, the account links, the language, the navigation.
    focused = []
    for _step in range(60):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUSED)
        if state["isBody"]:
            break
        focused.append(state)
    header = [state for state in focused if state["inHeader"]]
    assert len(header) >= 5
    assert focused[: len(header)] == header, "the header's controls come right after the skip link"
    assert [state["text"] for state in focused if not (state["shadow"] or state["outline"])] == []


# The controls a keyboard should reach: visible, enabled, not inside a closed <details>
# (its summary is), one stop per group of radio buttons. Each gets a `data-tab-stop` index.
TAB_STOPS = """() => {
  const selector = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]),'
    + ' select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
  const radios = new Set();
  let count = 0;
  for (const el of document.querySelectorAll(selector)) {
    if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
    const closed = el.closest('details:not([open])');
    if (closed && el !== closed.querySelector(':scope > summary')) continue;
    if (el.type === 'radio') {
      if (radios.has(el.name)) continue;
      radios.add(el.name);
    }
    el.setAttribute('data-tab-stop', String(count++));
  }
  return count;
}"""

# Where the focus is: the element's stop index (or null), and whether its focus shows.
FOCUS_STOP = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    stop: (el.type === 'radio'
      ? document.querySelector(`input[type=radio][name="${el.name}"][data-tab-stop]`)
      : el)?.getAttribute('data-tab-stop') ?? null,
    describe: el.tagName.toLowerCase() + ' ' + (el.id ? '#' + el.id : '')
      + ' ' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40),
    visible: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
      || style.boxShadow !== 'none',
    isBody: el === document.body,
  };
}"""


def keyboard_alone_reaches_every_control_with_visible_focus(page) -> None:
    """Tab from the top of the page to its end: every control is reached once, in a
    forward order with no trap, and shows where the focus is."""
    page.evaluate(TOP)
    expected = page.evaluate(TAB_STOPS)
    reached, invisible, previous = set(), [], None
    for _step in range(expected + 20):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STOP)
        if state["isBody"]:
            break
        assert state["stop"] is not None, f"focus went to an unexpected {state['describe']}"
        if state["stop"] == previous:
            continue  # the day, month and year of a date field are one control's parts
        previous = state["stop"]
        assert state["stop"] not in reached, f"{state['describe']} reached twice: a trap"
        reached.add(state["stop"])
        if not state["visible"]:
            invisible.append(state["describe"])
    assert len(reached) == expected, "some controls cannot be reached with the keyboard"
    assert invisible == [], "focus does not show on these controls"


@pytest.mark.parametrize("target", BROWSED, ids=lambda target: target.name)
def test_page_is_accessible_on_phone_and_desktop_and_by_keyboard(target: Page, demo, browse):
    """axe finds nothing at both widths, nothing scrolls sideways, and the keyboard alone
    reaches every control (at the desktop's width, where every control of the header
    shows). One test per page, one load of the page for all three."""
    path = target.path()
    session_key = session_cookie(target.person, target.acr) if target.person else None
    cookies = target.cookies() if target.cookies else None
    page, response = browse(path, width=WIDTHS[0], session_key=session_key, cookies=cookies)
    assert response.status == target.status, f"{path} answered {response.status}"
    assert page.url.endswith(path.split("?")[0]) or page.url.endswith(path), (
        f"{path} redirected to {page.url}"
    )
    # The phone's width, then the desktop's: the same page resized, as a window is (the
    # styles' media queries apply again; axe-core is evaluated in the page once).
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert axe_violations(page) == [], f"{path} at {width} px"
        assert horizontal_overflow(page) == 0, f"{path} scrolls sideways at {width} px"
    keyboard_alone_reaches_every_control_with_visible_focus(page)


def test_axe_reports_what_it_finds(chromium):
    """The check is not silent: a page with an unlabelled field and an image without alt
    text gives those two violations."""
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.set_content(
            '<!doctype html><html lang="fr"><head><title>t</title></head><body><main>'
            '<h1>t</h1><img src="data:,"><input type="text"></main></body></html>'
        )
        rules = {violation["rule"] for violation in axe_violations(page)}
    finally:
        context.close()
    assert {"image-alt", "label"} <= rules
