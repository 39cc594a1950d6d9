"""Assemblies: calling with the by-laws' notice, the agenda and its documents, the notice
mailed once to every active member, the register at the by-laws' assurance and its quorum,
the chair's acts, open votes through the pages, and the pages' access rules."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone

from conftest import person_create
from coop_governance import assemblies as services
from coop_governance.assembly_tasks import assembly_notice_mail
from coop_governance.bylaws_changes import bylaws_change_propose
from coop_governance.errors import (
    AssemblyStateRefused,
    AssuranceTooLow,
    BoardOnly,
    DocumentRefused,
    NotAMember,
    NoticeTooShort,
    QuorumNotMet,
    RegisterClosed,
    VideoRoomMissing,
)
from coop_governance.models import (
    AgendaDocument,
    AssemblyStatus,
    AttendanceSignature,
    MemberStatus,
    MotionStatus,
    NoticeDelivery,
)
from coop_governance.tests.factories import (
    assembly_make,
    board_seat_give,
    bylaws_make,
    member_make,
    motion_make,
    register_sign,
)
from coop_governance.votes import MotionCount, motion_count, open_vote_cast
from identity.audit import audit_events_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def bylaws():
    return bylaws_make(notice_days=10, quorum_count=3)


@pytest.fixture
def chair(bylaws):
    member = member_make(email="chair@example.org")
    board_seat_give(member)
    return member.person


def call(chair, days: float = 15, **fields):
    fields.setdefault("kind", "annual")
    fields.setdefault("title", "Assemblée générale annuelle 2026")
    fields.setdefault("place", "Salle communautaire, 870 av. De Salaberry")
    fields.setdefault("video_room", True)
    return services.assembly_call(
        starts_at=timezone.now() + datetime.timedelta(days=days), acting_user=chair, **fields
    )


def noticed(chair, **fields):
    """An assembly called with one resolution on its agenda and its notice sent."""
    assembly = call(chair, **fields)
    services.agenda_item_add(
        assembly=assembly, title="États financiers", resolution="simple", acting_user=chair
    )
    return services.assembly_notice_send(assembly=assembly, acting_user=chair)


def sign(assembly, member, acr="substantial", **fields):
    return services.attendance_sign(
        assembly=assembly, member=member, user=member.person, acr=acr, **fields
    )


# --- Calling ----------------------------------------------------------------------------


def test_a_notice_too_short_is_refused(bylaws, chair):
    with pytest.raises(NoticeTooShort):
        call(chair, days=9.9)
    assembly = call(chair, days=10.01)
    assert assembly.bylaws == bylaws
    assert assembly.status == AssemblyStatus.CALLED
    assert assembly.video_url.startswith("https://visio.uniqc.coop/ag-")
    assert audit_events_for(assembly).get().action == "assembly_call"


def test_a_notice_too_short_is_refused_on_the_page(bylaws, chair, client, sign_in_at):
    sign_in_at(client, chair, "low")
    client.cookies["django_language"] = "en"
    starts = timezone.localtime() + datetime.timedelta(days=3)
    response = client.post(
        reverse("governance:assembly_call"),
        {
            "kind": "special",
            "title": "Assemblée extraordinaire",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "place": "Salle",
        },
    )
    assert response.status_code == 400
    assert "notice" in response.content.decode()
    assert not bylaws.assemblies.exists()


def test_the_video_room_comes_from_the_setting(bylaws, chair, settings):
    settings.COOP_VIDEO_ROOM_URL = "https://video.example.org/rooms/"
    assert call(chair).video_url.startswith("https://video.example.org/rooms/ag-")
    assert call(chair, video_room=False).video_url == ""


def test_no_video_room_without_the_setting(bylaws, chair, settings):
    settings.COOP_VIDEO_ROOM_URL = ""
    with pytest.raises(VideoRoomMissing):
        call(chair)
    assert call(chair, video_room=False).video_url == ""


def test_only_the_board_writes_the_agenda(bylaws, chair):
    assembly = call(chair)
    item = services.agenda_item_add(assembly=assembly, title="Budget", acting_user=chair)
    outsider = member_make().person
    with pytest.raises(BoardOnly):
        services.agenda_item_add(assembly=assembly, title="Varia", acting_user=outsider)
    with pytest.raises(BoardOnly):
        services.agenda_document_add(
            item=item, title="x", url="https://example.org/x.pdf", acting_user=outsider
        )
    with pytest.raises(BoardOnly):
        bylaws_change_propose(assembly=assembly, title="x", body="", terms={}, acting_user=outsider)


def test_only_the_board_calls_an_assembly(bylaws):
    member = member_make()
    with pytest.raises(BoardOnly):
        call(member.person)


def test_the_call_page_is_the_boards(bylaws, client, sign_in_at):
    sign_in_at(client, member_make().person, "high")
    assert client.get(reverse("governance:assembly_call")).status_code == 403


# --- Agenda, documents and the notice -------------------------------------------------


def test_agenda_documents_are_pdfs_within_the_limit_or_links(bylaws, chair, monkeypatch):
    assembly = call(chair)
    item = services.agenda_item_add(assembly=assembly, title="Budget", acting_user=chair)
    upload = SimpleUploadedFile("budget.pdf", PDF, content_type="application/pdf")
    stored = services.agenda_document_add(
        item=item, title="Budget 2027", upload=upload, acting_user=chair
    )
    assert stored.size == len(PDF) and stored.file.name.endswith(".pdf")
    link = services.agenda_document_add(
        item=item, title="Rapport", url="https://example.org/rapport.pdf", acting_user=chair
    )
    assert link.url
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00", content_type="application/pdf")
    with pytest.raises(DocumentRefused):
        services.agenda_document_add(item=item, title="x", upload=fake, acting_user=chair)
    monkeypatch.setattr(services, "DOCUMENT_MAX_BYTES", 10)
    big = SimpleUploadedFile("big.pdf", PDF, content_type="application/pdf")
    with pytest.raises(DocumentRefused):
        services.agenda_document_add(item=item, title="x", upload=big, acting_user=chair)
    with pytest.raises(DocumentRefused):
        services.agenda_document_add(
            item=item, title="x", url="https://example.org/a.pdf", upload=upload, acting_user=chair
        )
    assert AgendaDocument.objects.count() == 2


def test_a_document_that_is_not_a_pdf_is_refused_on_the_page(bylaws, chair, client, sign_in_at):
    assembly = call(chair)
    item = services.agenda_item_add(assembly=assembly, title="Budget", acting_user=chair)
    sign_in_at(client, chair, "low")
    response = client.post(
        reverse("governance:assembly_document_add", args=[assembly.pk]),
        {
            "item": item.pk,
            "title": "Budget",
            "file": SimpleUploadedFile("budget.pdf", b"<html>", content_type="application/pdf"),
        },
    )
    assert response.status_code == 400
    assert not AgendaDocument.objects.exists()


def test_the_notice_goes_once_to_every_active_member_in_their_language(
    bylaws, chair, make_store, django_capture_on_commit_callbacks
):
    from marketplace.services import store_staff_set

    english = member_make(person_create("en@example.org", preferred_language="en"))
    french = member_make(person_create("fr@example.org", preferred_language="fr"))
    member_make(status=MemberStatus.SUSPENDED, email="suspended@example.org")
    member_make(status=MemberStatus.WITHDRAWN, email="withdrawn@example.org")
    store = make_store()
    owner = person_create("owner@example.org")
    store_staff_set(store=store, user=owner, role="owner", acting_user=None)
    member_make(store=store)
    assembly = call(chair)
    item = services.agenda_item_add(
        assembly=assembly, title="Budget 2027", resolution="simple", acting_user=chair
    )
    services.agenda_document_add(
        item=item, title="Prévisions", url="https://example.org/budget.pdf", acting_user=chair
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.assembly_notice_send(assembly=assembly, acting_user=chair)
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted(
        ["chair@example.org", english.person.email, french.person.email, owner.email]
    )
    by_address = {message.to[0]: message for message in mail.outbox}
    assert "Notice of assembly" in by_address["en@example.org"].subject
    body = by_address["en@example.org"].body
    assert "Budget 2027" in body and "https://example.org/budget.pdf" in body
    assert assembly.video_url in body
    assembly.refresh_from_db()
    sent_at = assembly.notice_sent_at
    assert sent_at is not None
    # A repeat of the request, or of the task, mails nobody again.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.assembly_notice_send(assembly=assembly, acting_user=chair)
    assert callbacks == []
    assert assembly_notice_mail(assembly.pk) == 0
    assert len(mail.outbox) == 4
    assert NoticeDelivery.objects.filter(assembly=assembly).count() == 4
    assembly.refresh_from_db()
    assert assembly.notice_sent_at == sent_at


def test_the_notice_is_refused_when_the_start_came_too_close(bylaws, chair):
    now = timezone.now()
    assembly = assembly_make(
        bylaws,
        status=AssemblyStatus.CALLED,
        called_at=now - datetime.timedelta(days=5),
        starts_at=now + datetime.timedelta(days=7),
    )
    services.agenda_item_add(assembly=assembly, title="Budget", acting_user=chair)
    with pytest.raises(NoticeTooShort):
        services.assembly_notice_send(assembly=assembly, acting_user=chair)


def test_the_notice_needs_an_agenda(bylaws, chair):
    with pytest.raises(AssemblyStateRefused):
        services.assembly_notice_send(assembly=call(chair), acting_user=chair)


def test_the_agenda_is_closed_once_the_notice_is_sent(bylaws, chair):
    assembly = noticed(chair)
    with pytest.raises(AssemblyStateRefused):
        services.agenda_item_add(assembly=assembly, title="Varia", acting_user=chair)


def test_an_assembly_opens_only_after_its_notice(bylaws, chair):
    with pytest.raises(AssemblyStateRefused):
        services.assembly_open(assembly=call(chair), acting_user=chair)


# --- The register and the quorum ------------------------------------------------------


def test_an_active_member_signs_once(bylaws, chair):
    assembly = services.assembly_open(assembly=noticed(chair), acting_user=chair)
    member = member_make()
    first = sign(assembly, member, remote=True)
    again = sign(assembly, member)
    assert first.pk == again.pk and first.remote
    assert AttendanceSignature.objects.filter(assembly=assembly).count() == 1


@pytest.mark.parametrize("status", [MemberStatus.SUSPENDED, MemberStatus.WITHDRAWN])
def test_a_suspended_or_withdrawn_member_cannot_sign(bylaws, chair, status):
    assembly = services.assembly_open(assembly=noticed(chair), acting_user=chair)
    with pytest.raises(NotAMember):
        sign(assembly, member_make(status=status))


def test_a_non_member_cannot_sign_for_a_member(bylaws, chair):
    assembly = services.assembly_open(assembly=noticed(chair), acting_user=chair)
    member = member_make()
    with pytest.raises(NotAMember):
        services.attendance_sign(
            assembly=assembly,
            member=member,
            user=person_create("stranger@example.org"),
            acr="high",
        )


def test_signing_needs_the_bylaws_assurance(chair):
    bylaws_make(vote_assurance="high", quorum_count=3)
    assembly = services.assembly_open(assembly=noticed(chair), acting_user=chair)
    with pytest.raises(AssuranceTooLow):
        sign(assembly, member_make(), acr="substantial")


def test_the_register_opens_an_hour_before_the_start(bylaws, chair):
    assembly = noticed(chair)
    with pytest.raises(RegisterClosed):
        sign(assembly, member_make())


def test_a_share_quorum_is_fixed_at_the_opening(chair):
    bylaws_make(quorum_rule="share", quorum_percent=Decimal("25"))
    members = [member_make() for _ in range(6)]  # 7 active with the chair: 25 % is 1.75
    assembly = noticed(chair)
    assert services.assembly_quorum(assembly).required == 2
    assembly = services.assembly_open(assembly=assembly, acting_user=chair)
    assert assembly.quorum_required == 2
    for _ in range(5):
        member_make()
    sign(assembly, members[0])
    quorum = services.assembly_quorum(assembly)
    assert (quorum.present, quorum.required, quorum.met) == (1, 2, False)
    sign(assembly, members[1])
    assert services.assembly_quorum(assembly).met


def test_a_motion_is_put_to_the_vote_only_with_the_quorum(bylaws, chair):
    assembly = services.assembly_open(assembly=noticed(chair), acting_user=chair)
    motion = assembly.motions.get()
    members = [member_make() for _ in range(3)]
    for member in members[:2]:
        sign(assembly, member)
    with pytest.raises(QuorumNotMet):
        services.assembly_motion_open(motion=motion, acting_user=chair)
    sign(assembly, members[2])
    assert services.assembly_motion_open(motion=motion, acting_user=chair).status == "open"


def test_an_assembly_does_not_close_while_a_vote_is_open(bylaws, chair):
    assembly = assembly_make(bylaws, opened_at=timezone.now(), quorum_required=1)
    motion = motion_make(bylaws, assembly=assembly)
    register_sign(assembly, member_make())
    services.assembly_motion_open(motion=motion, acting_user=chair)
    with pytest.raises(AssemblyStateRefused):
        services.assembly_close(assembly=assembly, acting_user=chair)
    services.assembly_motion_close(motion=motion, acting_user=chair)
    assert services.assembly_close(assembly=assembly, acting_user=chair).status == "closed"


@pytest.mark.parametrize("act", ["assembly_open", "assembly_close", "assembly_notice_send"])
def test_only_the_board_chairs(bylaws, act):
    assembly = assembly_make(bylaws)
    with pytest.raises(BoardOnly):
        getattr(services, act)(assembly=assembly, acting_user=member_make().person)


@pytest.mark.parametrize("act", ["assembly_motion_open", "assembly_motion_close"])
def test_only_the_board_opens_and_closes_votes(bylaws, act):
    motion = motion_make(bylaws, assembly=assembly_make(bylaws))
    with pytest.raises(BoardOnly):
        getattr(services, act)(motion=motion, acting_user=member_make().person)


# --- The pages ------------------------------------------------------------------------


def test_a_member_signs_and_votes_on_the_page_one_vote_whatever_the_shares(
    bylaws, chair, client, sign_in_at
):
    assembly = assembly_make(bylaws, opened_at=timezone.now(), quorum_required=1)
    motion = motion_make(bylaws, assembly=assembly, title="Budget")
    rich = member_make(shares=400)
    sign_in_at(client, rich.person, "substantial")
    response = client.post(
        reverse("governance:assembly_sign", args=[assembly.pk]), {"member": rich.pk}
    )
    assert response.status_code == 302
    assert AttendanceSignature.objects.filter(assembly=assembly, member=rich).exists()
    services.assembly_motion_open(motion=motion, acting_user=chair)
    others = [member_make() for _ in range(2)]
    for member in others:
        register_sign(assembly, member)
        open_vote_cast(motion=motion, member=member, choice="for", user=member.person, acr="high")
    client.post(
        reverse("governance:assembly_vote", args=[assembly.pk, motion.pk]),
        {"member": rich.pk, "choice": "against"},
    )
    assert motion_count(motion) == MotionCount(2, 1, 0)
    page = client.get(reverse("governance:assembly_detail", args=[assembly.pk]))
    assert b'data-my-vote="against"' in page.content


def test_signing_on_the_page_below_the_assurance_sends_to_sign_in(
    bylaws, chair, client, sign_in_at
):
    assembly = assembly_make(bylaws)
    member = member_make()
    sign_in_at(client, member.person, "low")
    response = client.post(
        reverse("governance:assembly_sign", args=[assembly.pk]), {"member": member.pk}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:login"))
    assert not AttendanceSignature.objects.exists()


def test_nobody_signs_for_a_member_they_do_not_act_for(bylaws, client, sign_in_at):
    assembly = assembly_make(bylaws)
    member = member_make()
    sign_in_at(client, member_make().person, "high")
    response = client.post(
        reverse("governance:assembly_sign", args=[assembly.pk]), {"member": member.pk}
    )
    assert response.status_code == 404
    assert not AttendanceSignature.objects.exists()


def test_a_suspended_member_cannot_vote_on_the_page(bylaws, chair, client, sign_in_at):
    assembly = assembly_make(bylaws, opened_at=timezone.now(), quorum_required=1)
    motion = motion_make(bylaws, assembly=assembly)
    member = member_make()
    register_sign(assembly, member)
    services.assembly_motion_open(motion=motion, acting_user=chair)
    member.status = MemberStatus.SUSPENDED
    member.save()
    sign_in_at(client, member.person, "high")
    response = client.post(
        reverse("governance:assembly_vote", args=[assembly.pk, motion.pk]),
        {"member": member.pk, "choice": "for"},
    )
    assert response.status_code == 302
    assert [str(m) for m in response.wsgi_request._messages] == [str(NotAMember.message)]
    assert motion_count(motion) == MotionCount(0, 0, 0)
    with pytest.raises(NotAMember):
        open_vote_cast(motion=motion, member=member, choice="for", user=member.person, acr="high")


def test_the_live_fragment_shows_the_quorum_and_asks_for_a_reload_on_a_new_state(
    bylaws, chair, client, django_assert_max_num_queries
):
    assembly = assembly_make(bylaws, opened_at=timezone.now(), quorum_required=3)
    motion = motion_make(bylaws, assembly=assembly)
    url = reverse("governance:assembly_live", args=[assembly.pk])
    for _ in range(2):
        register_sign(assembly, member_make())
    page = client.get(reverse("governance:assembly_detail", args=[assembly.pk]))
    assert b'hx-trigger="every 2s"' in page.content
    state, shown = page.context["state"], page.context["shown"]
    assert b'id="quorum-announce"' in page.content
    response = client.get(url, {"state": state}, HTTP_HX_REQUEST="true")
    assert b'data-quorum-met="false"' in response.content
    assert "HX-Refresh" not in response
    assert response["Cache-Control"] == "no-store"
    # Nothing changed since the page showed it: nothing to swap.
    response = client.get(url, {"state": state, "shown": shown}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    for _ in range(28):
        register_sign(assembly, member_make())
    with django_assert_max_num_queries(6):
        response = client.get(url, {"state": state, "shown": shown}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'data-present="30"' in response.content
    assert b'data-quorum-met="true"' in response.content
    # The quorum's state changed since the page showed it: announced in the live region.
    assert b'hx-swap-oob="innerHTML"' in response.content
    shown = response.context["shown"]
    register_sign(assembly, member_make())
    response = client.get(url, {"state": state, "shown": shown}, HTTP_HX_REQUEST="true")
    assert b'data-present="31"' in response.content
    assert b"hx-swap-oob" not in response.content
    services.assembly_motion_open(motion=motion, acting_user=chair)
    response = client.get(url, {"state": state, "shown": shown}, HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"


def test_the_assembly_page_costs_the_same_queries_for_3_or_30_present(
    bylaws, chair, client, sign_in_at
):
    from django.test.utils import CaptureQueriesContext

    assembly = assembly_make(bylaws, opened_at=timezone.now(), quorum_required=1)
    opened = motion_make(bylaws, assembly=assembly, title="Budget")
    motion_make(bylaws, assembly=assembly, title="Varia")
    viewer = member_make()
    register_sign(assembly, viewer)
    services.assembly_motion_open(motion=opened, acting_user=chair)
    sign_in_at(client, viewer.person, "substantial")
    url = reverse("governance:assembly_detail", args=[assembly.pk])
    counts = []
    for more in (2, 27):
        for _ in range(more):
            register_sign(assembly, member_make())
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 20


def test_an_assembly_is_hidden_until_its_notice(bylaws, chair, client):
    assembly = call(chair)
    assert client.get(reverse("governance:assembly_detail", args=[assembly.pk])).status_code == 404
    assert client.get(reverse("governance:assembly_live", args=[assembly.pk])).status_code == 404
    services.agenda_item_add(assembly=assembly, title="Budget", acting_user=chair)
    services.assembly_notice_send(assembly=assembly, acting_user=chair)
    page = client.get(reverse("governance:assembly_detail", args=[assembly.pk]))
    assert page.status_code == 200
    assert b"hx-trigger" not in page.content  # weeks ahead, the page does not poll


def test_the_manage_page_is_the_boards(bylaws, chair, client, sign_in_at):
    assembly = call(chair)
    sign_in_at(client, member_make().person, "high")
    url = reverse("governance:assembly_manage", args=[assembly.pk])
    assert client.get(url).status_code == 403
    assert client.post(reverse("governance:assembly_notice", args=[assembly.pk])).status_code == 403
    client.force_login(chair)
    assert client.get(url).status_code == 200


def test_the_board_runs_an_assembly_through_its_pages(bylaws, chair, client, sign_in_at):
    sign_in_at(client, chair, "low")
    starts = timezone.localtime() + datetime.timedelta(days=12)
    response = client.post(
        reverse("governance:assembly_call"),
        {
            "kind": "annual",
            "title": "AGA 2026",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "place": "Salle",
            "video_room": "on",
        },
    )
    assembly = bylaws.assemblies.get()
    assert response["Location"] == reverse("governance:assembly_manage", args=[assembly.pk])
    client.post(
        reverse("governance:assembly_item_add", args=[assembly.pk]),
        {"title": "États financiers", "resolution": "simple"},
    )
    item = assembly.agenda.get()
    client.post(
        reverse("governance:assembly_document_add", args=[assembly.pk]),
        {
            "item": item.pk,
            "title": "États 2025",
            "file": SimpleUploadedFile("e.pdf", PDF, content_type="application/pdf"),
        },
    )
    document = item.documents.get()
    client.post(reverse("governance:assembly_notice", args=[assembly.pk]))
    assembly.refresh_from_db()
    assert assembly.notice_sent_at is not None
    download = client.get(reverse("governance:assembly_document", args=[assembly.pk, document.pk]))
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    client.post(reverse("governance:assembly_open", args=[assembly.pk]))
    assembly.refresh_from_db()
    assert assembly.status == "open" and assembly.quorum_required == 3
    for _ in range(3):
        register_sign(assembly, member_make())
    motion = item.motion
    client.post(reverse("governance:assembly_motion_open", args=[assembly.pk, motion.pk]))
    motion.refresh_from_db()
    assert motion.status == MotionStatus.OPEN
    client.post(reverse("governance:assembly_motion_close", args=[assembly.pk, motion.pk]))
    client.post(reverse("governance:assembly_close", args=[assembly.pk]))
    assembly.refresh_from_db()
    assert assembly.status == "closed"
    listing = client.get(reverse("governance:assembly_list"))
    assert reverse("governance:assembly_minutes", args=[assembly.pk]).encode() in listing.content


def test_public_pages_show_the_bylaws_history_and_closed_results(bylaws, chair, client):
    v2 = bylaws_make(notice_days=20)
    closed = assembly_make(bylaws, status=AssemblyStatus.CLOSED, closed_at=timezone.now())
    counted = motion_make(bylaws, assembly=closed, title="Budget adopté")
    sitting = assembly_make(bylaws)
    ongoing = motion_make(bylaws, assembly=sitting, title="Vote en séance")
    for motion in (counted, ongoing):
        motion.status = "closed"
        motion.closed_at = timezone.now()
        motion.votes_for, motion.votes_against, motion.votes_abstain = 5, 1, 0
        motion.adopted = True
        motion.save()
    client.cookies["django_language"] = "en"
    page = client.get(reverse("governance:bylaws"))
    assert page.status_code == 200
    assert page.context["bylaws"] == v2
    assert b"Version 2" in page.content and b"Version 1" in page.content
    assert client.get(reverse("governance:bylaws_version", args=[1])).status_code == 200
    results = client.get(reverse("governance:results"))
    assert b"Budget adopt" in results.content
    assert "Vote en séance".encode() not in results.content


# --- A race on PostgreSQL -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_signatures_of_the_same_member_at_once_make_one_line(postgresql_only):
    bylaws = bylaws_make(quorum_count=1)
    assembly = assembly_make(bylaws)
    member = member_make()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def signer():
        try:
            barrier.wait(timeout=5)
            results.append(sign(assembly, member).pk)
        except Exception as error:
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=signer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []
    assert len(results) == 2 and results[0] == results[1]
    assert AttendanceSignature.objects.filter(assembly=assembly).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_board_members_sending_the_notice_at_once_mail_each_member_once(postgresql_only):
    bylaws = bylaws_make(quorum_count=1)
    chairs = []
    for n in range(2):
        member = member_make(email=f"board{n}@example.org")
        board_seat_give(member)
        chairs.append(member.person)
    for _ in range(3):
        member_make()
    assembly = call(chairs[0])
    services.agenda_item_add(assembly=assembly, title="Budget", acting_user=chairs[0])
    mail.outbox.clear()
    barrier = threading.Barrier(2)
    errors = []

    def send(chair):
        try:
            barrier.wait(timeout=5)
            services.assembly_notice_send(assembly=assembly, acting_user=chair)
        except Exception as error:
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=send, args=(chair,)) for chair in chairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []
    assert bylaws.assemblies.get().notice_sent_at is not None
    assert len(mail.outbox) == 5
    assert NoticeDelivery.objects.filter(assembly=assembly).count() == 5
    assert [e.action for e in audit_events_for(assembly)].count("assembly_notice_send") == 1


def test_a_worker_imports_the_notice_task(settings):
    """A worker autodiscovers `tasks` modules only: CELERY_IMPORTS names this one."""
    assert "coop_governance.assembly_tasks" in settings.CELERY_IMPORTS
    assert assembly_notice_mail.name == "coop_governance.assembly_tasks.assembly_notice_mail"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_mails_the_notice(celery_worker_process, real_broker):
    import time

    bylaws_make(quorum_count=1)
    member = member_make(email="chair@example.org")
    board_seat_give(member)
    for _ in range(2):
        member_make()
    assembly = call(member.person)
    services.agenda_item_add(assembly=assembly, title="Budget", acting_user=member.person)
    services.assembly_notice_send(assembly=assembly, acting_user=member.person)
    deadline = time.monotonic() + 30
    while NoticeDelivery.objects.filter(assembly=assembly).count() < 3:
        assert time.monotonic() < deadline, "the worker did not mail the notice within 30 s"
        time.sleep(0.2)
    mails = "".join(path.read_text() for path in celery_worker_process.iterdir())
    assert mails.count(f"/cooperative/assemblees/{assembly.pk}/") >= 3
