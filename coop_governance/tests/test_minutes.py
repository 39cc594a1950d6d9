"""The minutes PDF, built from the record: the register with names and times, each
motion's count and outcome, the by-laws version."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from conftest import person_create
from coop_governance import assemblies as services
from coop_governance.minutes import assembly_minutes, minutes_pdf
from coop_governance.models import AgendaItem, AssemblyStatus
from coop_governance.tests.factories import (
    assembly_make,
    board_seat_give,
    bylaws_make,
    member_make,
    motion_make,
)
from coop_governance.votes import open_vote_cast
from identity.models import User

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")


@pytest.fixture
def closed_assembly():
    bylaws = bylaws_make(quorum_count=2)
    chair = member_make(person_create("chair@example.org", given_name="Aline", family_name="Roy"))
    board_seat_give(chair)
    assembly = assembly_make(bylaws, opened_at=timezone.now(), quorum_required=2)
    budget = motion_make(bylaws, assembly=assembly, title="Adopter le budget 2027")
    AgendaItem.objects.create(assembly=assembly, position=1, title="Budget 2027", motion=budget)
    AgendaItem.objects.create(assembly=assembly, position=2, title="Varia", body="Questions.")
    people = [
        ("Gabrielle", "Tremblay", "for"),
        ("Étienne", "Côté", "for"),
        ("Marc", "Gagnon", "against"),
    ]
    for n, (given, family, _choice) in enumerate(people):
        person = person_create(f"member{n}@example.org", given_name=given, family_name=family)
        member = member_make(person)
        services.attendance_sign(assembly=assembly, member=member, user=person, acr="high")
    services.assembly_motion_open(motion=budget, acting_user=chair.person)
    for signature, (_given, _family, choice) in zip(
        assembly.attendance.order_by("pk"), people, strict=True
    ):
        open_vote_cast(
            motion=budget,
            member=signature.member,
            choice=choice,
            user=signature.member.person,
            acr="high",
        )
    services.assembly_motion_close(motion=budget, acting_user=chair.person)
    return services.assembly_close(assembly=assembly, acting_user=chair.person)


def test_the_minutes_pdf_has_the_register_and_the_results(closed_assembly):
    with translation.override("en"):
        text = pdf_text(minutes_pdf(closed_assembly))
    for name in ("Gabrielle Tremblay", "Étienne Côté", "Marc Gagnon"):
        assert name in text
    assert "Members present: 3; quorum: 2 (reached)" in text
    assert "Adopter le budget 2027" in text
    assert "For: 2; against: 1; abstentions: 0." in text
    assert "Adopted." in text
    assert "version 1 of the by-laws" in text
    assert "Varia" in text


def test_the_minutes_record_the_register_in_signing_order(closed_assembly):
    minutes = assembly_minutes(closed_assembly)
    assert [line.name for line in minutes.register] == [
        "Gabrielle Tremblay",
        "Étienne Côté",
        "Marc Gagnon",
    ]
    assert all(line.signed_at for line in minutes.register)
    assert minutes.points[0].adopted is True and minutes.points[1].count is None


def test_the_minutes_are_served_for_a_closed_assembly_only(closed_assembly, client):
    client.force_login(closed_assembly.attendance.first().member.person)
    response = client.get(reverse("governance:assembly_minutes", args=[closed_assembly.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Gabrielle Tremblay" in pdf_text(response.content)
    sitting = assembly_make(closed_assembly.bylaws, status=AssemblyStatus.OPEN)
    assert client.get(reverse("governance:assembly_minutes", args=[sitting.pk])).status_code == 404


def test_the_minutes_name_the_members_present_so_only_members_read_them(closed_assembly, client):
    """The public results page has the counts; the minutes are the members' and the
    board's: a visitor is sent to sign in, a person who is not a member is refused."""
    url = reverse("governance:assembly_minutes", args=[closed_assembly.pk])
    visitor = client.get(url)
    assert visitor.status_code == 302 and visitor["Location"].startswith(reverse("identity:login"))
    client.force_login(person_create("neighbour@example.org"))
    assert client.get(url).status_code == 403
    listing = client.get(reverse("governance:assembly_list"))
    assert url.encode() not in listing.content
    chair = User.objects.get(email="chair@example.org")
    client.force_login(chair)
    assert client.get(url).status_code == 200
    assert url.encode() in client.get(reverse("governance:assembly_list")).content
