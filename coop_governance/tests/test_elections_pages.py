"""Secret-ballot pages and who may see them (coop_governance/election_access.py): each
refusal on its own; the beat task opening and closing on time; and the PostgreSQL race of
two ballots of one member cast at the same moment."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coop_governance import elections as services
from coop_governance.election import ballots
from coop_governance.election_tasks import elections_open_close
from coop_governance.models import CastBallot, Election, ElectionStatus
from coop_governance.tests.election_helpers import (
    board_person,
    ceremony_run,
    election_make,
    post_json,
    trustees_for,
    trustees_make,
    url,
)
from coop_governance.tests.factories import bylaws_make, member_make
from core.tests.races import all_at_once, barrier_before

pytestmark = pytest.mark.django_db


@pytest.fixture
def board():
    bylaws_make()
    return board_person()


@pytest.fixture
def draft(board):
    return election_make(board=board, trustees=trustees_make(3))


def ready_make(board, **times):
    users = trustees_make(3)
    election = election_make(board=board, trustees=users, **times)
    services.election_ceremony_start(election=election, acting_user=board)
    return ceremony_run(election, trustees_for(election, users))


def test_the_board_lists_and_creates_elections(board):
    client = Client()
    client.force_login(board)
    assert client.get(reverse("governance:election_board_list")).status_code == 200
    trustees = trustees_make(2)
    now = timezone.localtime()
    data = {
        "title_fr": "Vote sur le budget",
        "title_en": "Budget vote",
        "opens_at": (now + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "trustees": [t.pk for t in trustees],
        "threshold": 2,
        "q-TOTAL_FORMS": 3,
        "q-INITIAL_FORMS": 0,
        "q-0-kind": "choose",
        "q-0-text_fr": "Adopter le budget",
        "q-0-answers": "Pour | For\nContre | Against",
        "q-0-min_choices": 1,
        "q-0-max_choices": 1,
        "q-0-seats": 1,
        "q-1-kind": "rank",
        "q-1-text_fr": "Élire deux personnes",
        "q-1-answers": "Ana\nBruno\nChloé",
        "q-1-min_choices": 1,
        "q-1-max_choices": 1,
        "q-1-seats": 2,
        "q-2-kind": "choose",
        "q-2-min_choices": 1,
        "q-2-max_choices": 1,
        "q-2-seats": 1,
    }
    response = client.post(reverse("governance:election_board_list"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    election = Election.objects.get(title_fr="Vote sur le budget")
    assert [q.kind for q in election.questions.all()] == ["choose", "rank"]
    assert election.questions.get(kind="rank").ranks == 3
    assert client.get(response["Location"]).status_code == 200
    client.post(response["Location"], {"action": "start"})
    election.refresh_from_db()
    assert election.status == ElectionStatus.CEREMONY and election.manifest is not None


def test_the_board_pages_are_the_boards(draft):
    client = Client()
    client.force_login(member_make().person)
    assert client.get(reverse("governance:election_board_list")).status_code == 403
    manage = reverse("governance:election_manage", args=[draft.public_id])
    assert client.get(manage).status_code == 403


def test_the_trustee_page_is_the_trustees(draft):
    client = Client()
    client.force_login(member_make().person)
    assert client.get(url("election_trustee", draft)).status_code == 403
    trustee = draft.trustees.get(index=1)
    client.force_login(trustee.user)
    page = client.get(url("election_trustee", draft)).content.decode()
    assert 'id="trustee"' in page and "data-post-urls" in page and "melange" in page


def test_the_parameters_wait_for_the_key(draft):
    response = Client().get(url("election_parameters", draft))
    assert response.status_code == 404
    assert response.json()["code"] == "election_not_published"


def test_the_bulletin_board_waits_for_the_opening(draft):
    assert Client().get(url("election_board", draft)).status_code == 404


def test_the_results_and_the_record_wait_for_publication(draft):
    assert Client().get(url("election_results", draft)).status_code == 404
    response = Client().get(url("election_record", draft))
    assert response.status_code == 404
    assert response.json()["code"] == "election_not_published"


def test_the_parameters_are_public_once_ready(board):
    election = ready_make(board)
    body = Client().get(url("election_parameters", election)).json()
    assert body["public_key"] == election.public_key
    assert body["manifest"]["election_id"] == str(election.public_id)


def test_the_booth_renders_the_questions_and_asks_for_the_card(board, sign_in_at):
    bylaws_make(vote_assurance="high")
    election = ready_make(board)
    services.election_open(election_id=election.pk)
    member = member_make()
    client = Client()
    sign_in_at(client, member.person, "substantial")
    page = client.get(url("election_booth", election)).content.decode()
    assert "data-step-up" in page and reverse("card_login:sign_in") in page
    sign_in_at(client, member.person, "high")
    page = client.get(url("election_booth", election)).content.decode()
    assert 'id="booth"' in page and "data-params-url" in page and "<noscript>" in page
    assert 'type="radio"' in page and "data-rank=" in page


def test_the_member_list_shows_open_elections(board, sign_in_at):
    election = ready_make(board)
    services.election_open(election_id=election.pk)
    client = Client()
    sign_in_at(client, member_make().person, "substantial")
    page = client.get(reverse("governance:election_list")).content.decode()
    assert url("election_booth", election) in page


def test_the_beat_task_opens_and_closes_on_time(board):
    now = timezone.now()
    election = ready_make(
        board,
        opens_at=now - datetime.timedelta(minutes=1),
        closes_at=now + datetime.timedelta(minutes=1),
    )
    assert elections_open_close() == {"opened": 1, "closed": 0}
    assert elections_open_close() == {"opened": 0, "closed": 0}
    Election.objects.filter(pk=election.pk).update(
        opens_at=now - datetime.timedelta(hours=1), closes_at=now - datetime.timedelta(seconds=1)
    )
    assert elections_open_close() == {"opened": 0, "closed": 1}
    assert elections_open_close() == {"opened": 0, "closed": 0}
    election.refresh_from_db()
    assert election.status == ElectionStatus.TALLYING and election.mix_input == {"q2": []}


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql_only")
def test_two_ballots_of_one_member_at_once_leave_one_counted(monkeypatch):
    """Two devices of one member cast at the same moment: both are verified, both reach the
    member's lock; the later replaces the earlier, and exactly one ballot is counted."""
    bylaws_make()
    board = board_person()
    election = ready_make(board)
    services.election_open(election_id=election.pk)
    election.refresh_from_db()
    member = member_make()
    fp, key = bytes.fromhex(election.fingerprint), bytes.fromhex(election.public_key)
    made = [ballots.encrypt_ballot(election.manifest, fp, key, [[n], [n]])[0] for n in (0, 1)]
    barrier_before(monkeypatch, services, "member_lock", 2)

    def work(n):
        return services.ballot_cast(
            election=election, ballot=made[n], user=member.person, acr="substantial"
        )

    outcomes = all_at_once(work, 2)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(replaced for _cast, replaced in outcomes) == [False, True]
    assert CastBallot.objects.filter(election=election, member=member).count() == 2
    assert (
        CastBallot.objects.filter(
            election=election, member=member, replaced_at__isnull=True
        ).count()
        == 1
    )


def test_the_cast_endpoint_refuses_get(board):
    election = ready_make(board)
    assert Client().get(url("election_cast", election)).status_code == 405
    assert post_json(Client(), url("election_parameters", election), {}).status_code == 405
