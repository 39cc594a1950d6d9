"""The proposals' and online votes' pages through HTTP: who sees what, the forms and their
errors (4xx, never 500), the HTMX support button, the board's controls, a hidden comment
as its author, another member and the board see it, and query counts on the list."""

import datetime
import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from conftest import person_create
from coop_governance.models import (
    AgendaItem,
    AssemblyStatus,
    CommentFlag,
    OpenVote,
    Proposal,
    ProposalComment,
    ProposalStatus,
    ProposalSupport,
)
from coop_governance.proposals import (
    comment_flag,
    comment_hide,
    comment_post,
    proposal_decline,
    proposal_schedule_online,
    proposal_submit,
    proposal_support,
)
from coop_governance.tests.factories import (
    assembly_make,
    board_seat_give,
    bylaws_make,
    member_make,
)
from coop_governance.votes import motion_close

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_and_fresh_limits(client):
    client.cookies["django_language"] = "en"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def bylaws():
    return bylaws_make()


@pytest.fixture
def board():
    member = member_make()
    board_seat_give(member)
    return member.person


def submit(member, title="Un jardin sur le toit"):
    return proposal_submit(
        member=member,
        title=title,
        text="Cultiver des légumes sur le toit.",
        submit_key=uuid.uuid4(),
        acting_user=member.person,
    )


def signed_in(client, user, sign_in_at, acr="low"):
    sign_in_at(client, user, acr)
    return client


def detail_url(proposal):
    return reverse("governance:proposal_detail", args=(proposal.pk,))


def local_input(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# --- Who sees the pages ---------------------------------------------------------------


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("governance:proposal_list"))
    assert (response.status_code == 302 and "/connexion" in response["Location"]) or (
        response.status_code == 302
    )


def test_a_person_who_is_not_a_member_is_refused(client, sign_in_at):
    signed_in(client, person_create("stranger@example.org"), sign_in_at)
    assert client.get(reverse("governance:proposal_list")).status_code == 403
    assert client.get(reverse("governance:vote_list")).status_code == 403
    assert client.get(reverse("governance:proposal_new")).status_code == 403


def test_the_list_groups_open_scheduled_and_decided(client, sign_in_at, bylaws, board):
    member = member_make()
    open_one = submit(member, "Ouverte")
    scheduled = submit(member, "Planifiée")
    declined = submit(member, "Refusée")
    proposal_schedule_online(
        proposal=scheduled,
        opens_at=timezone.now() + datetime.timedelta(days=1),
        closes_at=timezone.now() + datetime.timedelta(days=8),
        majority="simple",
        acting_user=board,
    )
    proposal_decline(proposal=declined, reason="Hors mandat.", acting_user=board)
    for supporter in (member_make(), member_make()):
        proposal_support(proposal=open_one, member=supporter, acting_user=supporter.person)
        comment_post(proposal=open_one, member=supporter, body="Oui", acting_user=supporter.person)
    comment_hide(comment=ProposalComment.objects.first(), reason="Hors sujet", acting_user=board)
    signed_in(client, member.person, sign_in_at)
    html = client.get(reverse("governance:proposal_list")).content.decode()
    card = html[html.index(f'data-proposal="{open_one.pk}"') :]
    card = " ".join(card[: card.index("</li>")].split())
    assert "2 supports · 1 comment" in card  # the hidden comment is not counted
    open_at = html.index('id="proposals-open"')
    scheduled_at = html.index('id="proposals-scheduled"')
    decided_at = html.index('id="proposals-decided"')
    assert open_at < html.index(f'data-proposal="{open_one.pk}"') < scheduled_at
    assert scheduled_at < html.index(f'data-proposal="{scheduled.pk}"') < decided_at
    assert decided_at < html.index(f'data-proposal="{declined.pk}"')


def test_the_list_costs_the_same_queries_for_3_and_12_proposals(
    client, sign_in_at, django_assert_max_num_queries
):
    member = member_make()
    signed_in(client, member.person, sign_in_at)
    for number in range(3):
        submit(member_make(), f"P{number}")
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("governance:proposal_list"))
    for number in range(9):
        proposal = submit(member_make(), f"Q{number}")
        comment_post(proposal=proposal, member=member, body="Oui", acting_user=member.person)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("governance:proposal_list"))


def test_a_proposal_page_costs_the_same_queries_for_3_and_12_comments(
    client, sign_in_at, board, django_assert_max_num_queries
):
    proposal = submit(member_make())
    reader = member_make()

    def discuss(count):
        for _ in range(count):
            writer = member_make()
            comment = comment_post(
                proposal=proposal, member=writer, body="Oui", acting_user=writer.person
            )
            comment_flag(comment=comment, member=reader, reason="", acting_user=reader.person)

    discuss(3)
    signed_in(client, board, sign_in_at)
    with django_assert_max_num_queries(40) as few:
        client.get(detail_url(proposal))
    discuss(9)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(detail_url(proposal))


# --- Submitting -------------------------------------------------------------------------


def test_a_member_submits_through_the_form_once(client, sign_in_at):
    member = member_make()
    signed_in(client, member.person, sign_in_at)
    page = client.get(reverse("governance:proposal_new"))
    key = page.context["form"].initial["submit_key"]
    data = {"title": "Un four à pain", "text": "Partagé entre membres.", "submit_key": key}
    first = client.post(reverse("governance:proposal_new"), data)
    again = client.post(reverse("governance:proposal_new"), data)
    proposal = Proposal.objects.get()
    assert first["Location"] == again["Location"] == detail_url(proposal)
    assert proposal.author == member


@pytest.mark.parametrize(
    "data",
    [
        {"title": "", "text": "x"},
        {"title": "t" * 201, "text": "x"},
        {"title": "t", "text": "x" * 10_001},
        {"title": "t", "text": "x", "submit_key": "not-a-uuid"},
    ],
)
def test_a_bad_submission_is_a_form_error(client, sign_in_at, data):
    signed_in(client, member_make().person, sign_in_at)
    data.setdefault("submit_key", str(uuid.uuid4()))
    response = client.post(reverse("governance:proposal_new"), data)
    assert response.status_code == 400
    assert b"There is a problem" in response.content
    assert not Proposal.objects.exists()


# --- Support (HTMX and without) ------------------------------------------------------


def test_support_with_htmx_answers_the_block(client, sign_in_at):
    proposal = submit(member_make())
    supporter = member_make()
    signed_in(client, supporter.person, sign_in_at)
    url = reverse("governance:proposal_support", args=(proposal.pk,))
    response = client.post(url, {"support": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div class="cluster proposal-support" id="proposal-support"')
    assert 'data-support-count="1"' in html and "Withdraw my support" in html
    response = client.post(url, {"support": "0"}, headers={"HX-Request": "true"})
    assert 'data-support-count="0"' in response.content.decode()
    assert not ProposalSupport.objects.exists()


def test_support_without_javascript_goes_back_to_the_page(client, sign_in_at):
    proposal = submit(member_make())
    signed_in(client, member_make().person, sign_in_at)
    response = client.post(reverse("governance:proposal_support", args=(proposal.pk,)))
    assert response.status_code == 302 and response["Location"] == detail_url(proposal)
    assert ProposalSupport.objects.count() == 1


def test_the_author_has_no_support_button_and_is_refused(client, sign_in_at):
    author = member_make()
    proposal = submit(author)
    signed_in(client, author.person, sign_in_at)
    assert b"Support this proposal" not in client.get(detail_url(proposal)).content
    response = client.post(reverse("governance:proposal_support", args=(proposal.pk,)))
    assert response.status_code == 409


# --- Discussion and moderation ---------------------------------------------------------


def test_a_hidden_comment_as_its_author_another_member_and_the_board_see_it(
    client, sign_in_at, board
):
    proposal = submit(member_make())
    writer, reader = member_make(), member_make()
    comment = comment_post(
        proposal=proposal, member=writer, body="Texte déplacé", acting_user=writer.person
    )
    comment_hide(comment=comment, reason="Propos injurieux", acting_user=board)
    signed_in(client, writer.person, sign_in_at)
    html = client.get(detail_url(proposal)).content.decode()
    assert "The board hid your comment" in html and "Propos injurieux" in html
    assert "Texte déplacé" in html
    signed_in(client, reader.person, sign_in_at)
    html = client.get(detail_url(proposal)).content.decode()
    assert "The board hid this comment" in html and "Propos injurieux" in html
    assert "Texte déplacé" not in html
    signed_in(client, board, sign_in_at)
    assert "Texte déplacé" in client.get(detail_url(proposal)).content.decode()


def test_a_member_comments_and_a_bad_comment_is_a_form_error(client, sign_in_at):
    proposal = submit(member_make())
    signed_in(client, member_make().person, sign_in_at)
    url = reverse("governance:proposal_comment", args=(proposal.pk,))
    assert client.post(url, {"body": "x" * 2001}).status_code == 400
    assert client.post(url, {"body": ""}).status_code == 400
    response = client.post(url, {"body": "Bonne idée"})
    comment = ProposalComment.objects.get()
    assert response["Location"] == f"{detail_url(proposal)}#comment-{comment.pk}"


def test_too_many_comments_answer_429(client, sign_in_at):
    proposal = submit(member_make())
    signed_in(client, member_make().person, sign_in_at)
    url = reverse("governance:proposal_comment", args=(proposal.pk,))
    for number in range(10):
        assert client.post(url, {"body": f"{number}"}).status_code == 302
    assert client.post(url, {"body": "encore"}).status_code == 429


def test_a_locked_discussion_refuses_comments_with_409(client, sign_in_at, board):
    proposal = submit(member_make())
    signed_in(client, board, sign_in_at)
    client.post(reverse("governance:proposal_lock", args=(proposal.pk,)), {"locked": "1"})
    signed_in(client, member_make().person, sign_in_at)
    html = client.get(detail_url(proposal)).content.decode()
    assert "The board has closed this discussion." in html and "Post the comment" not in html
    response = client.post(
        reverse("governance:proposal_comment", args=(proposal.pk,)), {"body": "x"}
    )
    assert response.status_code == 409


def test_a_member_flags_and_the_board_sees_the_flag(client, sign_in_at, board):
    proposal = submit(member_make())
    writer, reader = member_make(), member_make()
    comment = comment_post(proposal=proposal, member=writer, body="Hmm", acting_user=writer.person)
    signed_in(client, reader.person, sign_in_at)
    url = reverse("governance:proposal_comment_flag", args=(proposal.pk, comment.pk))
    assert client.post(url, {"reason": "Insultant"}).status_code == 302
    assert client.post(url, {"reason": "x" * 501}).status_code == 400
    assert CommentFlag.objects.count() == 1
    signed_in(client, board, sign_in_at)
    assert "Flagged 1 time" in client.get(detail_url(proposal)).content.decode()


def test_a_member_cannot_use_the_boards_controls(client, sign_in_at, bylaws):
    proposal = submit(member_make())
    writer = member_make()
    comment = comment_post(proposal=proposal, member=writer, body="x", acting_user=writer.person)
    signed_in(client, member_make().person, sign_in_at)
    html = client.get(detail_url(proposal)).content.decode()
    assert "The board’s decisions" not in html and "Hide this comment" not in html
    posts = [
        ("governance:proposal_comment_hide", (proposal.pk, comment.pk), {"reason": "Non"}),
        ("governance:proposal_lock", (proposal.pk,), {"locked": "1"}),
        ("governance:proposal_decline", (proposal.pk,), {"decline-reason": "Non"}),
        (
            "governance:proposal_schedule_online",
            (proposal.pk,),
            {"online-opens_at": "2030-01-01T10:00", "online-closes_at": "2030-01-05T10:00"},
        ),
        ("governance:proposal_schedule_assembly", (proposal.pk,), {"assembly-majority": "simple"}),
    ]
    for name, args, data in posts:
        assert client.post(reverse(name, args=args), data).status_code == 403, name
    comment.refresh_from_db()
    assert not comment.is_hidden
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.OPEN


def test_the_boards_queue_lists_flagged_comments_until_hidden(client, sign_in_at, board):
    proposal = submit(member_make())
    writer, reader, other = member_make(), member_make(), member_make()
    flagged = comment_post(
        proposal=proposal, member=writer, body="Fâcheux", acting_user=writer.person
    )
    quiet = comment_post(proposal=proposal, member=writer, body="Calme", acting_user=writer.person)
    for member in (reader, other):
        comment_flag(comment=flagged, member=member, reason="Ton", acting_user=member.person)
    url = reverse("governance:proposal_moderation")
    signed_in(client, board, sign_in_at)
    html = client.get(url).content.decode()
    assert f'data-flagged-comment="{flagged.pk}"' in html and "Flagged 2 times" in html
    assert f'data-flagged-comment="{quiet.pk}"' not in html
    comment_hide(comment=flagged, reason="Propos blessants", acting_user=board)
    assert "data-flagged-comment" not in client.get(url).content.decode()


def test_a_member_cannot_see_the_boards_queue(client, sign_in_at):
    signed_in(client, member_make().person, sign_in_at)
    assert client.get(reverse("governance:proposal_moderation")).status_code == 403


def test_the_board_hides_a_comment_through_the_page(client, sign_in_at, board):
    proposal = submit(member_make())
    writer = member_make()
    comment = comment_post(proposal=proposal, member=writer, body="x", acting_user=writer.person)
    signed_in(client, board, sign_in_at)
    url = reverse("governance:proposal_comment_hide", args=(proposal.pk, comment.pk))
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Hors sujet"}).status_code == 302
    comment.refresh_from_db()
    assert comment.hidden_reason == "Hors sujet"


# --- Scheduling and declining through the page ----------------------------------------


def test_the_board_schedules_an_online_vote(client, sign_in_at, bylaws, board):
    proposal = submit(member_make())
    signed_in(client, board, sign_in_at)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    html = client.get(detail_url(proposal)).content.decode()
    assert f'value="{tomorrow.isoformat()}T09:00"' in html
    opens = timezone.now() + datetime.timedelta(days=1)
    response = client.post(
        reverse("governance:proposal_schedule_online", args=(proposal.pk,)),
        {
            "online-opens_at": local_input(opens),
            "online-closes_at": local_input(opens + datetime.timedelta(days=7)),
            "online-majority": "simple",
        },
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SCHEDULED and proposal.motion.is_online


@pytest.mark.parametrize(
    ("opens", "closes", "status"),
    [
        ("yesterday", "in a week", 400),
        ("tomorrow", "tomorrow", 400),
        ("nonsense", "tomorrow", 400),
    ],
)
def test_online_vote_times_out_of_bounds_are_form_errors(
    client, sign_in_at, bylaws, board, opens, closes, status
):
    days = {"yesterday": -1, "tomorrow": 1, "in a week": 7}
    proposal = submit(member_make())
    signed_in(client, board, sign_in_at)

    def value(word):
        if word not in days:
            return word
        return local_input(timezone.now() + datetime.timedelta(days=days[word]))

    response = client.post(
        reverse("governance:proposal_schedule_online", args=(proposal.pk,)),
        {
            "online-opens_at": value(opens),
            "online-closes_at": value(closes),
            "online-majority": "simple",
        },
    )
    assert response.status_code == status
    assert b"There is a problem" in response.content
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.OPEN


def test_the_board_adds_a_proposal_to_a_called_assemblys_agenda(client, sign_in_at, bylaws, board):
    assembly = assembly_make(
        bylaws,
        status=AssemblyStatus.CALLED,
        starts_at=timezone.now() + datetime.timedelta(days=30),
    )
    proposal = submit(member_make())
    signed_in(client, board, sign_in_at)
    assert assembly.title in client.get(detail_url(proposal)).content.decode()
    response = client.post(
        reverse("governance:proposal_schedule_assembly", args=(proposal.pk,)),
        {"assembly-assembly": assembly.pk, "assembly-majority": "simple"},
    )
    assert response.status_code == 302
    assert AgendaItem.objects.get(assembly=assembly).title == proposal.title


def test_declining_through_the_page_and_scheduling_after_is_409(client, sign_in_at, bylaws, board):
    proposal = submit(member_make())
    signed_in(client, board, sign_in_at)
    url = reverse("governance:proposal_decline", args=(proposal.pk,))
    assert client.post(url, {"decline-reason": ""}).status_code == 400
    assert client.post(url, {"decline-reason": "Hors mandat"}).status_code == 302
    opens = timezone.now() + datetime.timedelta(days=1)
    response = client.post(
        reverse("governance:proposal_schedule_online", args=(proposal.pk,)),
        {
            "online-opens_at": local_input(opens),
            "online-closes_at": local_input(opens + datetime.timedelta(days=7)),
            "online-majority": "simple",
        },
    )
    assert response.status_code == 409
    html = client.get(detail_url(proposal)).content.decode()
    assert "The board declined this proposal" in html and "Hors mandat" in html


# --- Online vote pages ---------------------------------------------------------------


@pytest.fixture
def open_motion(bylaws, board):
    proposal = submit(member_make())
    proposal = proposal_schedule_online(
        proposal=proposal,
        opens_at=timezone.now(),
        closes_at=timezone.now() + datetime.timedelta(days=7),
        majority="simple",
        acting_user=board,
    )
    return proposal.motion


def ballot(member, choice):
    """The vote form of `member` on the vote page, filled with `choice`."""
    return {"member": member.pk, f"member-{member.pk}-choice": choice}


def cast_url(motion):
    return reverse("governance:vote_cast", args=(motion.pk,))


def test_a_member_votes_online_and_the_count_stays_hidden_while_open(
    client, sign_in_at, open_motion
):
    member = member_make()
    signed_in(client, member.person, sign_in_at, "substantial")
    assert client.post(cast_url(open_motion), ballot(member, "for")).status_code == 302
    assert client.post(cast_url(open_motion), ballot(member, "against")).status_code == 302
    counted = OpenVote.objects.get(motion=open_motion, replaced_at__isnull=True)
    assert counted.choice == "against" and counted.acr == "substantial"
    html = client.get(reverse("governance:vote_detail", args=(open_motion.pk,))).content.decode()
    assert 'data-my-vote="against"' in html
    assert "data-vote-count" not in html and 'hx-trigger="every 60s"' in html


def test_a_store_owner_who_is_a_member_votes_in_both_names(
    client, sign_in_at, open_motion, make_store
):
    from marketplace.services import store_staff_set

    owner = member_make()
    store = make_store()
    store_staff_set(store=store, user=owner.person, role="owner", acting_user=None)
    store_member = member_make(store=store)
    signed_in(client, owner.person, sign_in_at, "substantial")
    html = client.get(reverse("governance:vote_detail", args=(open_motion.pk,))).content.decode()
    assert f'data-ballot="{owner.pk}"' in html and f'data-ballot="{store_member.pk}"' in html
    assert "Your votes" in html and f"For {store.name}" in html
    client.post(cast_url(open_motion), ballot(owner, "for"))
    client.post(cast_url(open_motion), ballot(store_member, "against"))
    counted = OpenVote.objects.filter(motion=open_motion, replaced_at__isnull=True)
    assert dict(counted.values_list("member_id", "choice")) == {
        owner.pk: "for",
        store_member.pk: "against",
    }


def test_nobody_votes_for_a_member_they_do_not_represent(client, sign_in_at, open_motion):
    member, other = member_make(), member_make()
    signed_in(client, member.person, sign_in_at, "high")
    assert client.post(cast_url(open_motion), ballot(other, "for")).status_code == 403
    data = {"member": "not-a-number", f"member-{member.pk}-choice": "for"}
    assert client.post(cast_url(open_motion), data).status_code == 403
    assert not OpenVote.objects.exists()


def test_a_vote_below_the_bylaws_assurance_is_sent_to_sign_in(client, sign_in_at, open_motion):
    member = member_make()
    signed_in(client, member.person, sign_in_at, "low")
    html = client.get(reverse("governance:vote_detail", args=(open_motion.pk,))).content.decode()
    assert "This vote needs your passkey or your card" in html
    response = client.post(cast_url(open_motion), ballot(member, "for"))
    assert response.status_code == 302 and "next=" in response["Location"]
    assert not OpenVote.objects.exists()


def test_a_bad_choice_is_a_form_error(client, sign_in_at, open_motion):
    member = member_make()
    signed_in(client, member.person, sign_in_at, "high")
    response = client.post(cast_url(open_motion), ballot(member, "maybe"))
    assert response.status_code == 400 and not OpenVote.objects.exists()
    assert b"There is a problem" in response.content


def test_a_vote_on_a_closed_motion_is_409(client, sign_in_at, open_motion):
    open_motion.opens_at = timezone.now() - datetime.timedelta(days=2)
    open_motion.closes_at = timezone.now() - datetime.timedelta(days=1)
    open_motion.save()
    motion_close(motion=open_motion, acting_user=None)
    member = member_make()
    signed_in(client, member.person, sign_in_at, "high")
    assert client.post(cast_url(open_motion), ballot(member, "for")).status_code == 409


def test_an_online_motion_without_a_proposal_has_its_page(client, sign_in_at, bylaws):
    from coop_governance.tests.factories import motion_make

    motion = motion_make(bylaws, title="Adopter les états financiers")
    member = member_make()
    signed_in(client, member.person, sign_in_at, "high")
    html = client.get(reverse("governance:vote_detail", args=(motion.pk,))).content.decode()
    assert "Adopter les états financiers" in html and "The proposal and its discussion" not in html
    assert client.post(cast_url(motion), ballot(member, "abstain")).status_code == 302


def test_an_assembly_motion_has_no_online_vote_page(client, sign_in_at, bylaws):
    from coop_governance.tests.factories import motion_make

    motion = motion_make(bylaws, assembly=assembly_make(bylaws))
    member = member_make()
    signed_in(client, member.person, sign_in_at, "high")
    assert client.get(reverse("governance:vote_detail", args=(motion.pk,))).status_code == 404
    assert client.post(cast_url(motion), ballot(member, "for")).status_code == 404


def test_a_non_member_cannot_vote(client, sign_in_at, open_motion):
    stranger = person_create("stranger@example.org")
    signed_in(client, stranger, sign_in_at, "high")
    response = client.post(cast_url(open_motion), {"member": "1", "member-1-choice": "for"})
    assert response.status_code == 403


def test_the_result_shows_the_count_once_closed(client, sign_in_at, open_motion):
    voters = [member_make() for _ in range(3)]
    for member, choice in zip(voters, ["for", "for", "against"], strict=True):
        signed_in(client, member.person, sign_in_at, "substantial")
        client.post(cast_url(open_motion), ballot(member, choice))
    open_motion.refresh_from_db()
    open_motion.closes_at = timezone.now() - datetime.timedelta(seconds=1)
    open_motion.opens_at = open_motion.closes_at - datetime.timedelta(days=1)
    open_motion.save()
    motion_close(motion=open_motion, acting_user=None)
    response = client.get(
        reverse("governance:vote_result", args=(open_motion.pk,)), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "data-votes-for>2<" in html and "data-votes-against>1<" in html
    assert "Adopted" in html and "hx-trigger" not in html
    listing = client.get(reverse("governance:vote_list")).content.decode()
    assert open_motion.title in listing


def test_pages_answer_in_french(client, sign_in_at, open_motion):
    client.cookies["django_language"] = "fr"
    signed_in(client, member_make().person, sign_in_at)
    for name, args in [
        ("governance:proposal_list", ()),
        ("governance:proposal_new", ()),
        ("governance:proposal_detail", (open_motion.proposal.pk,)),
        ("governance:vote_list", ()),
        ("governance:vote_detail", (open_motion.pk,)),
    ]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
        assert '<html lang="fr-CA">' in response.content.decode()


# --- The demo ------------------------------------------------------------------------


def test_the_demo_has_each_state_and_loads_once(
    client, sign_in_at, django_capture_on_commit_callbacks
):
    from coop_governance import demo_proposals
    from coop_governance.demo import demo_load as governance_demo_load
    from core.demo import DemoSummary
    from identity import demo as identity_demo
    from identity.models import User
    from marketplace.demo import demo_load as marketplace_demo_load

    people = identity_demo.demo_load(summary=DemoSummary())
    with django_capture_on_commit_callbacks(execute=True):
        stores = marketplace_demo_load(summary=DemoSummary(), people=people)
        for _ in range(2):
            governance_demo_load(summary=DemoSummary(), people=people, stores=stores)
    proposals = {p.title: p for p in Proposal.objects.select_related("motion")}
    # The fifth goes on the agenda of the assembly the assemblies' demo calls ahead.
    assert len(proposals) == 5
    on_agenda = proposals[demo_proposals.ASSEMBLY_TITLE]
    assert on_agenda.motion.assembly.status == "called"
    assert proposals[demo_proposals.OPEN_TITLE].status == ProposalStatus.OPEN
    assert ProposalComment.objects.filter(hidden_at__isnull=False).count() == 1
    voting = proposals[demo_proposals.VOTING_TITLE].motion
    closed = proposals[demo_proposals.CLOSED_TITLE].motion
    assert voting.status != "closed" and voting.opens_at <= timezone.now() < voting.closes_at
    assert (closed.votes_for, closed.votes_against, closed.adopted) == (2, 1, True)
    assert proposals[demo_proposals.DECLINED_TITLE].status == ProposalStatus.DECLINED
    shopper = User.objects.get(email=demo_proposals.SHOPPER)
    signed_in(client, shopper, sign_in_at, "high")
    html = client.get(reverse("governance:vote_detail", args=(voting.pk,))).content.decode()
    assert "data-ballot=" in html and '-choice" value="for"' in html


# --- In Chromium --------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [390, 1280])
def test_the_support_button_works_in_place_in_chromium(chromium, live_server, width):
    """HTMX posts the support and swaps the block in place (the page is not reloaded),
    within the Content-Security-Policy, on a phone and on a desktop."""
    from django.conf import settings

    from conftest import csp_violations_watch
    from tests.browser.test_accessibility import session_cookie

    bylaws_make()
    proposal = submit(member_make())
    supporter = member_make(email="supporter@example.org")
    context = chromium.new_context(
        base_url=live_server.url, locale="fr-CA", viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(10_000)
    violations = csp_violations_watch(context)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session_cookie(supporter.person.email, "low"),
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(detail_url(proposal))
    page.evaluate("window.notReloaded = true")
    page.click("#proposal-support button[type=submit]")
    page.wait_for_selector('[data-support-count="1"]')
    assert page.locator('#proposal-support button[aria-pressed="true"]').count() == 1
    page.click("#proposal-support button[type=submit]")
    page.wait_for_selector('[data-support-count="0"]')
    assert page.evaluate("window.notReloaded") is True
    assert not ProposalSupport.objects.exists()
    scroll = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert violations == []
    assert scroll <= 0
