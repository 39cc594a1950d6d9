"""An assembly in Chromium: 30 members sign the register, each in their own browser, while
a visitor watches the assembly's page; the watcher's page follows the count and shows the
quorum reached when the 30th signs, without a reload (HTMX polling every 2 s)."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from conftest import csp_violations_watch, person_create
from tests.browser.test_accessibility import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAST = "member30@example.org"


MEMBERS = [f"member{n}@example.org" for n in range(1, 31)]


@pytest.fixture
def assembly():
    from coop_governance.tests.factories import assembly_make, bylaws_make, member_make

    bylaws = bylaws_make(quorum_count=30)
    assembly = assembly_make(
        bylaws, title="Assemblée générale annuelle", opened_at=timezone.now(), quorum_required=30
    )
    for n, email in enumerate(MEMBERS, start=1):
        member_make(person_create(email, given_name=f"Membre {n}"))
    return assembly


def context_for(chromium, live_server, email=None, width=1280):
    context = chromium.new_context(
        base_url=live_server.url, locale="fr-CA", viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(10_000)
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    if email:
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session_cookie(email, "substantial"),
                    "url": live_server.url,
                }
            ]
        )
    return context


def sign(chromium, live_server, url: str, email: str, violations: list) -> None:
    """One member signs the register from their own browser, as they would at home."""
    context = context_for(chromium, live_server, email, width=390)
    violations += csp_violations_watch(context)
    page = context.new_page()
    page.goto(url)
    page.click("[data-sign-form] button[type=submit]")
    page.wait_for_selector("[data-signed]")
    context.close()


def test_thirty_members_sign_in_chromium_and_the_quorum_flips_live(chromium, live_server, assembly):
    url = reverse("governance:assembly_detail", args=[assembly.pk])
    watcher_context = context_for(chromium, live_server, width=390)
    violations = csp_violations_watch(watcher_context)
    watcher = watcher_context.new_page()
    watcher.goto(url)
    assert watcher.locator("[data-quorum-met]").get_attribute("data-quorum-met") == "false"
    assert watcher.locator("[data-present]").get_attribute("data-present") == "0"
    watcher.evaluate("window.__sameDocument = true")

    for email in MEMBERS[:29]:
        sign(chromium, live_server, url, email, violations)
    watcher.wait_for_selector("[data-present='29']", timeout=8_000)
    assert watcher.locator("[data-quorum-met]").get_attribute("data-quorum-met") == "false"

    sign(chromium, live_server, url, MEMBERS[29], violations)
    watcher.wait_for_selector("[data-quorum-met=true]", timeout=8_000)
    assert watcher.locator("[data-present]").get_attribute("data-present") == "30"
    assert watcher.evaluate("window.__sameDocument === true")  # updated in place
    # A screen reader hears the change: the page's live region says it.
    assert watcher.locator("#quorum-announce").inner_text() == "Quorum reached"
    assert watcher.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    watcher_context.close()
    assert violations == []


def test_a_vote_opens_and_is_counted_live(chromium, live_server):
    """The chair opens a motion: the member's page reloads by itself and shows the voting
    buttons; the member votes; a watcher's page shows the count without a reload."""
    from coop_governance.assemblies import assembly_motion_open, attendance_sign
    from coop_governance.tests.factories import (
        assembly_make,
        board_seat_give,
        bylaws_make,
        member_make,
        motion_make,
    )

    bylaws = bylaws_make(quorum_count=1)
    assembly = assembly_make(bylaws, opened_at=timezone.now(), quorum_required=1)
    motion = motion_make(bylaws, assembly=assembly, title="Adopter le budget 2027")
    chair = member_make(email="chair@example.org")
    board_seat_give(chair)
    voter = member_make(person_create(LAST, given_name="Votante"))
    attendance_sign(assembly=assembly, member=voter, user=voter.person, acr="substantial")
    url = reverse("governance:assembly_detail", args=[assembly.pk])

    watcher_context = context_for(chromium, live_server)
    watcher = watcher_context.new_page()
    watcher.goto(url)
    member_context = context_for(chromium, live_server, LAST, width=390)
    member = member_context.new_page()
    member.goto(url)
    assert member.locator("[data-ballot]").count() == 0

    assembly_motion_open(motion=motion, acting_user=chair.person)
    member.wait_for_selector(f"[data-ballot='{motion.pk}']", timeout=8_000)
    watcher.wait_for_selector(f"[data-counts] [data-motion='{motion.pk}']", timeout=8_000)
    watcher.evaluate("window.__sameDocument = true")
    member.click(f"[data-ballot='{motion.pk}'] button[value=for]")
    member.wait_for_selector("[data-my-vote=for]")
    watcher.wait_for_selector(f"[data-motion='{motion.pk}'] [data-for]:text-is('1')", timeout=8_000)
    assert watcher.evaluate("window.__sameDocument === true")
    assert member.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    watcher_context.close()
    member_context.close()
