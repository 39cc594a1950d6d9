"""Secret ballots in Chromium: the trustee's ceremony page, the booth and the results.

- A whole election: 3 trustees, 2 of 3 needed. Trustee 1 makes her keys, checks her
  shares and decrypts in Chromium (her key file saved by the browser and given back with
  set_input_files); trustees 2 and 3 are simulated in Python through the same HTTP
  endpoints (dkg.TrusteeKeys); trustee 3 is absent at the count. 50 members vote: 5
  in the booth in Chromium (one checks a ballot before casting it, one votes again), 45
  through the HTTP endpoint with ballots encrypted in Python, 3 of whom vote again. The
  results page shows the counts of the last ballots, and the record verifies.
- The booth on a phone (390 px): the voter hears each step and keeps the tracker.
- A ranked question: ranked in the booth, shuffled and decrypted by trustee 1 in Chromium.
"""

import datetime
import json
import re

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import csp_violations_watch, person_create
from tests.browser.test_accessibility import session_cookie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VOTERS = 50
BROWSER_VOTERS = 5
ACR = "substantial"

BUDGET = {
    "kind": "choose",
    "text_fr": "Adopter le budget 2027",
    "text_en": "Adopt the 2027 budget",
    "answers": [{"fr": "Pour", "en": "For"}, {"fr": "Contre", "en": "Against"}],
    "min": 1,
    "max": 1,
}
PROJECTS = {
    "kind": "choose",
    "text_fr": "Projets à financer (deux au plus)",
    "text_en": "Projects to fund (two at most)",
    "answers": [
        {"fr": "Jardin", "en": "Garden"},
        {"fr": "Vélos", "en": "Bikes"},
        {"fr": "Bibliothèque", "en": "Library"},
        {"fr": "Panneaux solaires", "en": "Solar panels"},
    ],
    "min": 1,
    "max": 2,
}
BOARD = {
    "kind": "rank",
    "text_fr": "Élire le conseil",
    "text_en": "Elect the board",
    "answers": [{"fr": name, "en": name} for name in ("Ana", "Bruno", "Chloé", "Dev")],
    "seats": 2,
    "ranks": 3,
}


# --- Setting up -----------------------------------------------------------------------------


def election_prepare(questions: list[dict], trustee_count: int = 3):
    """By-laws that allow re-voting at `substantial`, a board member, the trustees (people,
    not necessarily members) and a draft election whose ceremony has started."""
    from coop_governance import elections as services
    from coop_governance.tests.election_helpers import board_person, election_make
    from coop_governance.tests.factories import bylaws_make

    bylaws_make(revote_replaces=True, vote_assurance=ACR)
    board = board_person()
    trustees = [
        person_create(f"trustee{i}@example.org", given_name=f"Fiduciaire {i}")
        for i in range(1, trustee_count + 1)
    ]
    election = election_make(board=board, trustees=trustees, questions=questions)
    services.election_ceremony_start(election=election, acting_user=board)
    election.refresh_from_db()
    return election, trustees


def voters_make(count: int) -> list:
    from coop_governance.tests.factories import member_make

    return [
        member_make(person_create(f"voter{n}@example.org", given_name=f"Votant {n}")).person
        for n in range(1, count + 1)
    ]


def election_open(election) -> None:
    from coop_governance import elections as services
    from coop_governance.models import ElectionStatus

    election.refresh_from_db()
    assert election.status == ElectionStatus.READY
    assert services.election_open(election_id=election.pk)
    election.refresh_from_db()


def election_close(election) -> None:
    from coop_governance import elections as services

    election.refresh_from_db()
    assert services.election_close(election_id=election.pk, at=election.closes_at)
    election.refresh_from_db()


def context_for(chromium, live_server, email: str | None = None, width: int = 1280):
    context = chromium.new_context(
        base_url=live_server.url,
        locale="en-CA",
        viewport={"width": width, "height": 900},
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    if email:
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session_cookie(email, ACR),
                    "url": live_server.url,
                }
            ]
        )
    return context


def page_url(name: str, election) -> str:
    return reverse(f"governance:{name}", args=[election.public_id])


def simulated(election, users, indexes):
    from coop_governance.tests.election_helpers import SimulatedTrustee

    return {i: SimulatedTrustee(election, users[i - 1], i) for i in indexes}


def key_file_of(election, trustee) -> dict:
    """The key file of a simulated trustee, as the trustee's page would have saved it."""
    from coop_governance.election import group

    keys = trustee.keys
    return {
        "format": "uniqc-trustee-key/v1",
        "election_id": str(election.public_id),
        "index": trustee.index,
        "transport_secret": group.scalar_hex(keys.transport_secret),
        "secret_share": group.scalar_hex(keys.secret_share),
    }


# --- The trustee's page ---------------------------------------------------------------------


def phase_wait(page, phase: str) -> None:
    page.wait_for_selector(f"#trustee[data-trustee-phase='{phase}']", timeout=20_000)


def key_file_saved(page, button: str, path) -> dict:
    """Click `button`, which makes the key file: the browser saves it BEFORE anything is
    sent (the page offers the send button only then); then send."""
    with page.expect_download() as download:
        page.click(button)
    download.value.save_as(path)
    assert page.locator("#trustee").get_attribute("data-trustee-step") == "saved"
    page.click("[data-trustee-publish]")
    return json.loads(path.read_text())


def ceremony_in_chromium(page, others: dict, tmp_path) -> tuple[dict, dict]:
    """Trustee 1 in Chromium through the three steps of the key generation, the others in
    Python in between. Answers her key files (after the first step, after checking)."""
    phase_wait(page, "transport")
    first = key_file_saved(page, "[data-trustee-generate]", tmp_path / "key-1.json")
    phase_wait(page, "wait")
    for trustee in others.values():
        assert trustee.step() == "transport"
    phase_wait(page, "deal")
    page.click("[data-trustee-deal]")
    phase_wait(page, "wait")
    for trustee in others.values():
        assert trustee.step() == "deal"
    phase_wait(page, "check")
    page.set_input_files("[data-trustee-key-file]", tmp_path / "key-1.json")
    checked = key_file_saved(page, "[data-trustee-check]", tmp_path / "key-1-checked.json")
    phase_wait(page, "wait")
    for trustee in others.values():
        assert trustee.step() == "check"
    return first, checked


def decrypt_in_chromium(page, key_path) -> None:
    phase_wait(page, "decrypt")
    page.set_input_files("[data-trustee-key-file]", key_path)
    page.click("[data-trustee-decrypt]")
    page.wait_for_selector(
        "#trustee[data-trustee-phase='wait'], #trustee[data-trustee-phase='done']"
    )


# --- The booth ------------------------------------------------------------------------------


def choices_set(page, manifest: dict, choices: list[list[int]]) -> None:
    for question, chosen in zip(manifest["questions"], choices, strict=True):
        field = page.locator(f"#booth fieldset[data-question='{question['id']}']")
        if question["kind"] == "rank":
            for rank in range(1, question["ranks"] + 1):
                value = str(chosen[rank - 1]) if rank <= len(chosen) else ""
                field.locator(f"select[data-rank='{rank}']").select_option(value)
            continue
        for i in range(len(question["answers"])):
            control = field.locator(f"input[value='{i}']")
            if control.get_attribute("type") == "radio":
                if i in chosen:
                    control.check()
            else:
                control.set_checked(i in chosen)


def overflowing(page) -> list[str]:
    """The elements wider than the viewport, or whose content is (a long tracker that does
    not wrap): none on a phone page."""
    return page.evaluate(
        """() => [...document.querySelectorAll("body *")]
          .filter((node) => node.getBoundingClientRect().right + window.scrollX >
            window.innerWidth + 0.5 || node.scrollWidth > window.innerWidth)
          .map((node) => node.tagName + "." + node.className)"""
    )


def booth_state(page, state: str) -> None:
    page.wait_for_selector(f"#booth[data-booth-state='{state}']")


def encrypt(page, manifest, choices) -> str:
    choices_set(page, manifest, choices)
    page.click("[data-booth-encrypt]")
    booth_state(page, "encrypted")
    return page.locator("[data-booth-tracker]").inner_text()


def cast(page) -> str:
    page.click("[data-booth-cast]")
    booth_state(page, "cast")
    return page.locator("[data-booth-cast-tracker]").inner_text()


def opened_ballot_checked(path, election, choices) -> str:
    """The opened ballot the booth offered: Python verifies it and finds the choices in
    it by re-encrypting each value with its revealed randomness."""
    from coop_governance.election import ballots, elgamal, group

    opened = json.loads(path.read_text())
    fp = bytes.fromhex(opened["fingerprint"])
    K = bytes.fromhex(opened["public_key"])
    assert opened["manifest"] == election.manifest
    verified = ballots.verify_ballot(election.manifest, fp, K, opened["ballot"])
    assert verified.tracker == opened["tracker"]
    for question, answer, secret, chosen in zip(
        election.manifest["questions"],
        opened["ballot"]["answers"],
        opened["secrets"]["answers"],
        choices,
        strict=True,
    ):
        assert secret["values"] == [int(i in chosen) for i in range(len(question["answers"]))]
        for item, value, r in zip(
            answer["selections"], secret["values"], secret["randomness"], strict=True
        ):
            alpha, beta = elgamal.encrypt(K, value, group.decode_scalar(r))
            assert (alpha.hex(), beta.hex()) == (item["alpha"], item["beta"])
    return opened["tracker"]


def vote_in_chromium(
    chromium, live_server, election, email, choices, violations, tmp_path, *, check_first=None
) -> str:
    """A member votes in the booth; with `check_first`, she first encrypts those choices
    and checks the ballot (Benaloh), which is opened and discarded. Answers the tracker."""
    manifest = election.manifest
    context = context_for(chromium, live_server, email)
    violations += csp_violations_watch(context)
    page = context.new_page()
    page.goto(page_url("election_booth", election))
    booth_state(page, "choosing")
    if check_first is not None:
        audited = encrypt(page, manifest, check_first)
        page.click("[data-booth-check]")
        booth_state(page, "audited")
        assert page.locator("[data-booth-audit-result]").get_attribute(
            "data-booth-audit-result"
        ) == ("matched")
        shown = page.locator("[data-booth-audit-choices] dd").all_inner_texts()
        assert shown[0] == manifest["questions"][0]["answers"][check_first[0][0]]["en"]
        with page.expect_download() as download:
            page.click("[data-booth-audit-download]")
        download.value.save_as(tmp_path / "opened.json")
        assert opened_ballot_checked(tmp_path / "opened.json", election, check_first) == audited
        page.click("[data-booth-again]")
        booth_state(page, "choosing")
    tracker = encrypt(page, manifest, choices)
    if check_first is not None:
        assert tracker != audited  # encrypted anew
    assert cast(page) == tracker
    assert (
        page.locator("[data-booth-status]").inner_text() == f"Counted. Your tracker is {tracker}."
    )
    context.close()
    if check_first is not None:
        from coop_governance.models import CastBallot

        assert not CastBallot.objects.filter(tracker=audited).exists()
    return tracker


def revote_in_chromium(chromium, live_server, election, email, first, second, violations):
    """A member votes, then votes again from the same page; the second ballot replaces the
    first. A choice the question does not allow is refused in the page first."""
    manifest = election.manifest
    context = context_for(chromium, live_server, email)
    violations += csp_violations_watch(context)
    page = context.new_page()
    page.goto(page_url("election_booth", election))
    booth_state(page, "choosing")
    # Three projects where two at most are allowed: a message, nothing encrypted.
    choices_set(page, manifest, [first[0], [0, 1, 2]])
    page.click("[data-booth-encrypt]")
    error = page.locator("fieldset[data-question='q2'] [data-question-error]")
    assert error.inner_text() == "You chose 3; choose at most 2."
    assert page.locator("#booth").get_attribute("data-booth-state") == "choosing"
    one = cast_after(page, manifest, first)
    page.click("[data-booth-revote]")
    booth_state(page, "choosing")
    two = cast_after(page, manifest, second)
    assert page.locator("[data-booth-replaced]").is_visible()
    context.close()
    return one, two


def cast_after(page, manifest, choices) -> str:
    tracker = encrypt(page, manifest, choices)
    assert cast(page) == tracker
    return tracker


def vote_in_python(election, user, choices, sign_in_at) -> dict:
    from coop_governance.election import ballots
    from coop_governance.tests.election_helpers import post_json

    client = Client()
    sign_in_at(client, user, ACR)
    fp = bytes.fromhex(election.fingerprint)
    K = bytes.fromhex(election.public_key)
    ballot, _secrets = ballots.encrypt_ballot(election.manifest, fp, K, choices)
    response = post_json(client, page_url("election_cast", election), ballot)
    assert response.status_code == 201, response.content
    return response.json()


def counts_of(manifest: dict, final: dict) -> dict:
    """The counts per answer of the last ballot of each voter."""
    counts = {q["id"]: [0] * len(q["answers"]) for q in manifest["questions"]}
    for choices in final.values():
        for question, chosen in zip(manifest["questions"], choices, strict=True):
            for i in chosen:
                counts[question["id"]][i] += 1
    return counts


def python_choices(n: int) -> list[list[int]]:
    """Voter n's choices (a fixed pattern, so that every answer gets some votes)."""
    projects = [[0], [1], [0, 2], [3], [1, 3], [2]][n % 6]
    return [[0 if n % 3 else 1], projects]


# --- The tests ------------------------------------------------------------------------------


def test_a_whole_election_in_chromium_and_python(chromium, live_server, sign_in_at, tmp_path):
    from coop_governance.election import record
    from coop_governance.models import CastBallot, ElectionTrustee

    election, trustee_users = election_prepare([BUDGET, PROJECTS])
    voters = voters_make(VOTERS)
    violations: list[str] = []

    # The key generation: trustee 1 in Chromium, 2 and 3 in Python.
    others = simulated(election, trustee_users, (2, 3))
    trustee_context = context_for(chromium, live_server, "trustee1@example.org")
    violations += csp_violations_watch(trustee_context)
    trustee_page = trustee_context.new_page()
    trustee_page.goto(page_url("election_trustee", election))
    first_key, checked_key = ceremony_in_chromium(trustee_page, others, tmp_path)
    assert first_key["format"] == "uniqc-trustee-key/v1"
    assert first_key["election_id"] == str(election.public_id)
    assert first_key["index"] == 1 and first_key["secret_share"] is None
    assert checked_key["transport_secret"] == first_key["transport_secret"]
    assert re.fullmatch(r"[0-9a-f]{64}", checked_key["secret_share"])
    # The secrets stayed in the key file: the server holds the public halves only.
    row = ElectionTrustee.objects.get(election=election, index=1)
    stored = json.dumps([row.transport_key, row.commitments, row.shares, row.verification_key])
    for secret in (first_key["transport_secret"], checked_key["secret_share"]):
        assert secret not in stored
    election_open(election)
    manifest = election.manifest

    # The votes: 5 in the booth, 45 through the endpoint, some voting again.
    final: dict[str, list[list[int]]] = {}
    trackers: dict[str, str] = {}
    emails = [user.email for user in voters]
    trackers[emails[0]] = vote_in_chromium(
        chromium,
        live_server,
        election,
        emails[0],
        [[1], [2, 3]],
        violations,
        tmp_path,
        check_first=[[0], [1]],
    )
    final[emails[0]] = [[1], [2, 3]]
    replaced, trackers[emails[1]] = revote_in_chromium(
        chromium, live_server, election, emails[1], [[0], [0]], [[1], [0, 1]], violations
    )
    final[emails[1]] = [[1], [0, 1]]
    for n, email in enumerate(emails[2:BROWSER_VOTERS], start=2):
        choices = [[n % 2], [n % 4]]
        trackers[email] = vote_in_chromium(
            chromium, live_server, election, email, choices, violations, tmp_path
        )
        final[email] = choices
    for n, user in enumerate(voters[BROWSER_VOTERS:], start=BROWSER_VOTERS):
        choices = python_choices(n)
        answer = vote_in_python(election, user, choices, sign_in_at)
        assert answer["replaced"] is False
        trackers[user.email] = answer["tracker"]
        final[user.email] = choices
    for n, user in enumerate(voters[BROWSER_VOTERS : BROWSER_VOTERS + 3], start=BROWSER_VOTERS):
        choices = python_choices(n + 1)
        answer = vote_in_python(election, user, choices, sign_in_at)
        assert answer["replaced"] is True
        final[user.email] = choices
    assert CastBallot.objects.filter(election=election).count() == VOTERS + 4
    assert CastBallot.objects.get(tracker=replaced).replaced_at is not None

    # The count: trustee 1 in Chromium with her key file, trustee 2 in Python, 3 absent.
    election_close(election)
    decrypt_in_chromium(trustee_page, tmp_path / "key-1-checked.json")
    assert others[2].step() == "decrypt"
    phase_wait(trustee_page, "done")
    trustee_context.close()
    election.refresh_from_db()
    assert election.status == "published"

    expected = counts_of(manifest, final)
    visitor_context = context_for(chromium, live_server)
    violations += csp_violations_watch(visitor_context)
    results = visitor_context.new_page()
    results.goto(page_url("election_results", election))
    for qid, counts in expected.items():
        shown = results.locator(f"section[data-question='{qid}'] td[data-count]").all_inner_texts()
        assert [int(text) for text in shown] == counts
        results.wait_for_selector(f"canvas[data-results-chart='{qid}'][data-chart-ready='true']")
    visitor_context.close()

    dossier = Client().get(page_url("election_record", election)).json()
    report = record.verify_record(dossier)
    assert report.ok, report.failures
    assert {qid: value["counts"] for qid, value in report.result.items()} == expected
    counted = {b["tracker"] for b in dossier["ballots"] if b["status"] == "counted"}
    assert set(trackers.values()) <= {b["tracker"] for b in dossier["ballots"]}
    assert trackers[emails[0]] in counted and replaced not in counted
    assert checked_key["secret_share"] not in json.dumps(dossier)
    assert violations == []


def test_the_booth_on_a_phone_says_each_step_and_keeps_the_tracker(chromium, live_server):
    from coop_governance.tests.election_helpers import ceremony_run

    election, trustee_users = election_prepare([BUDGET, PROJECTS])
    voter = voters_make(1)[0]
    ceremony_run(election, list(simulated(election, trustee_users, (1, 2, 3)).values()))
    election_open(election)

    context = context_for(chromium, live_server, voter.email, width=390)
    violations = csp_violations_watch(context)
    # Every sentence the live region says, in order, as a screen reader hears them.
    context.add_init_script(
        """
        window.__said = [];
        new MutationObserver(() => {
          const region = document.querySelector("[data-booth-status]");
          const text = region && region.textContent;
          if (text && window.__said[window.__said.length - 1] !== text) window.__said.push(text);
        }).observe(document, {subtree: true, childList: true, characterData: true});
        """
    )
    page = context.new_page()
    page.goto(page_url("election_booth", election))
    booth_state(page, "choosing")
    steps = page.locator("[data-booth-steps] li")
    assert steps.all_inner_texts() == [
        "Choose your answers",
        "Encrypt and check",
        "Cast your ballot",
    ]
    assert page.locator("[data-booth-steps] [aria-current=step]").inner_text() == (
        "Choose your answers"
    )
    # Nothing chosen for the projects: the page says what the question asks.
    choices_set(page, election.manifest, [[0], []])
    page.click("[data-booth-encrypt]")
    assert page.locator("fieldset[data-question='q2'] [data-question-error]").inner_text() == (
        "You chose 0; choose at least 1."
    )
    assert page.locator("fieldset[data-question='q2'] input").first.get_attribute(
        "aria-invalid"
    ) == ("true")
    tracker = encrypt(page, election.manifest, [[0], [3]])
    assert page.locator("[data-booth-steps] [aria-current=step]").inner_text() == (
        "Encrypt and check"
    )
    assert page.locator("[data-booth-cast]").is_visible()
    assert page.locator("[data-booth-check]").inner_text() == (
        "Check this ballot (it will be discarded)"
    )
    assert overflowing(page) == []
    assert cast(page) == tracker
    said = page.evaluate("window.__said")
    assert "Your choices are being encrypted on this device…" in said
    assert (
        "Encrypted. Nobody, not even the coop, can read this ballot. "
        f"Its tracker is {tracker}." in said
    )
    assert said[-2:] == ["Sending…", f"Counted. Your tracker is {tracker}."]
    # The tracker stays on the page, whole and readable at 390 px, with the way to find it.
    assert page.locator("[data-booth-cast-tracker]").is_visible()
    assert overflowing(page) == []
    box = page.locator("[data-booth-cast-tracker]").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.click("[data-booth-board-link]")
    page.wait_for_selector(f"tr[data-tracker='{tracker}']")
    assert overflowing(page) == []
    context.close()
    assert violations == []


def test_a_refused_ballot_shows_the_servers_problem(chromium, live_server):
    """Casting after the election closed: the booth shows the problem document's words
    and lets the voter keep the page."""
    from coop_governance.models import Election
    from coop_governance.tests.election_helpers import ceremony_run

    election, trustee_users = election_prepare([BUDGET, PROJECTS])
    voter = voters_make(1)[0]
    ceremony_run(election, list(simulated(election, trustee_users, (1, 2, 3)).values()))
    election_open(election)
    context = context_for(chromium, live_server, voter.email, width=390)
    violations = csp_violations_watch(context)
    page = context.new_page()
    page.goto(page_url("election_booth", election))
    booth_state(page, "choosing")
    encrypt(page, election.manifest, [[1], [0]])
    Election.objects.filter(pk=election.pk).update(
        closes_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    page.click("[data-booth-cast]")
    problem = page.locator("[data-booth-problem]")
    problem.wait_for()
    assert problem.get_attribute("data-problem-code") == "election_closed"
    assert page.locator("#booth").get_attribute("data-booth-state") == "encrypted"
    context.close()
    assert violations == []


def test_a_ballot_below_the_assurance_asked_offers_the_step_up(chromium, live_server):
    """The voter's sign-in no longer meets the by-laws' level when she casts: the booth
    shows the server's problem and the link to sign in again at the level asked."""
    from coop_governance.tests.election_helpers import ceremony_run
    from identity.assurance import SESSION_ACR

    election, trustee_users = election_prepare([BUDGET, PROJECTS])
    voter = voters_make(1)[0]
    ceremony_run(election, list(simulated(election, trustee_users, (1, 2, 3)).values()))
    election_open(election)
    context = context_for(chromium, live_server, voter.email, width=390)
    violations = csp_violations_watch(context)
    page = context.new_page()
    page.goto(page_url("election_booth", election))
    booth_state(page, "choosing")
    encrypt(page, election.manifest, [[0], [1]])
    key = next(c["value"] for c in context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    session = SessionStore(session_key=key)
    session[SESSION_ACR] = "low"
    session.save()
    page.click("[data-booth-cast]")
    problem = page.locator("[data-booth-problem]")
    problem.wait_for()
    assert problem.get_attribute("data-problem-code") == "assurance_too_low"
    assert "more assurance" in problem.inner_text()
    link = page.locator("[data-booth-problem] a[data-step-up]")
    assert "next=" in link.get_attribute("href")
    context.close()
    assert violations == []


def test_a_ranked_question_shuffled_and_decrypted_by_a_trustee_in_chromium(
    chromium, live_server, sign_in_at, tmp_path
):
    """Four members rank the candidates (one in the booth); trustee 1 shuffles and
    decrypts in Chromium, trustee 2 in Python; the STV result is the one the rankings
    give, and the record verifies."""
    from coop_governance.election import record
    from coop_governance.tests.election_helpers import ceremony_run

    election, trustee_users = election_prepare([BUDGET, BOARD])
    voters = voters_make(4)
    trustees = simulated(election, trustee_users, (1, 2, 3))
    ceremony_run(election, list(trustees.values()))
    election_open(election)
    key_path = tmp_path / "key-1.json"
    key_path.write_text(json.dumps(key_file_of(election, trustees[1])))

    violations: list[str] = []
    rankings = {
        voters[0].email: [[0], [2, 0, 1]],  # in the booth: Chloé, Ana, Bruno
        voters[1].email: [[0], [2, 1]],
        voters[2].email: [[1], [0, 2, 3]],
        voters[3].email: [[0], [1, 2]],
    }
    context = context_for(chromium, live_server, voters[0].email, width=390)
    violations += csp_violations_watch(context)
    page = context.new_page()
    page.goto(page_url("election_booth", election))
    booth_state(page, "choosing")
    # A gap in the ranking is refused in the page.
    choices_set(page, election.manifest, [[0], [2]])
    page.locator("fieldset[data-question='q2'] select[data-rank='1']").select_option("")
    page.locator("fieldset[data-question='q2'] select[data-rank='2']").select_option("2")
    page.click("[data-booth-encrypt]")
    assert page.locator("fieldset[data-question='q2'] [data-question-error]").inner_text() == (
        "Choice 1 is empty: fill your choices in order, without a gap."
    )
    encrypt(page, election.manifest, rankings[voters[0].email])
    cast(page)
    context.close()
    for user in voters[1:]:
        vote_in_python(election, user, rankings[user.email], sign_in_at)
    election_close(election)

    trustee_context = context_for(chromium, live_server, "trustee1@example.org")
    violations += csp_violations_watch(trustee_context)
    trustee_page = trustee_context.new_page()
    trustee_page.goto(page_url("election_trustee", election))
    phase_wait(trustee_page, "mix")
    trustee_page.set_input_files("[data-trustee-key-file]", key_path)
    trustee_page.click("[data-trustee-mix]")
    phase_wait(trustee_page, "wait")
    assert trustees[2].step() == "mix"
    decrypt_in_chromium(trustee_page, key_path)
    assert trustees[2].step() == "decrypt"
    phase_wait(trustee_page, "done")
    trustee_context.close()

    election.refresh_from_db()
    assert election.status == "published"
    dossier = Client().get(page_url("election_record", election)).json()
    report = record.verify_record(dossier)
    assert report.ok, report.failures
    from coop_governance.election.stv import count_stv

    names = [a["en"] for a in BOARD["answers"]]
    expected = count_stv(names, 2, [r[1] for r in rankings.values()])
    visitor = context_for(chromium, live_server)
    results = visitor.new_page()
    results.goto(page_url("election_results", election))
    elected = results.locator("section[data-question='q2'] [data-elected]").inner_text()
    assert elected == ", ".join(names[i] for i in expected.elected)
    visitor.close()
    assert violations == []
