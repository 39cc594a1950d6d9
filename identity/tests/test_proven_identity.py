"""Names and birth date proven by a registrar: the person no longer changes them alone;
only another registrar, signed in with their own card, corrects them (issue 8)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from identity.card.services import identity_check_record
from identity.models import IdentityDocumentType
from identity.roles import Role
from identity.services import user_profile_update
from identity.tests.test_admin_escalation import post_change

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar(make_user):
    return make_user("registrar@example.com", roles=(Role.REGISTRAR,), email_verified=True)


@pytest.fixture
def proven(alice, registrar):
    alice.birth_date = datetime.date(1990, 5, 17)
    alice.save(update_fields=["birth_date"])
    identity_check_record(
        person=alice,
        document_type=IdentityDocumentType.PASSPORT,
        document_last4="1234",
        branch="Desjardins Saint-Roch",
        registrar=registrar,
    )
    return alice


@pytest.mark.parametrize(
    "change",
    [{"given_name": "Alicia"}, {"family_name": "Roy"}, {"birth_date": datetime.date(1980, 1, 1)}],
)
def test_the_person_cannot_change_a_proven_name_or_birth_date(proven, change):
    with pytest.raises(PermissionDenied):
        user_profile_update(user=proven, acting_user=proven, **change)
    proven.refresh_from_db()
    assert (proven.given_name, proven.birth_date) == ("Alice", datetime.date(1990, 5, 17))


def test_the_person_still_changes_the_rest(proven):
    user_profile_update(user=proven, acting_user=proven, locality="Lévis", given_name="Alice")
    proven.refresh_from_db()
    assert proven.locality == "Lévis"


def test_a_registrar_with_their_card_corrects_a_proven_name(proven, registrar):
    user_profile_update(
        user=proven, acting_user=registrar, acting_assurance="high", family_name="Tremblay-Roy"
    )
    proven.refresh_from_db()
    assert proven.family_name == "Tremblay-Roy"


@pytest.mark.parametrize("acr", [None, "low", "substantial"])
def test_a_registrar_without_their_card_cannot_correct_a_proven_name(proven, registrar, acr):
    with pytest.raises(PermissionDenied):
        user_profile_update(
            user=proven, acting_user=registrar, acting_assurance=acr, family_name="Roy"
        )
    proven.refresh_from_db()
    assert proven.family_name == "Tremblay"


def test_a_registrar_cannot_correct_their_own_proven_names(make_user, registrar):
    """Even at a high session: proven attributes are never corrected by their holder."""
    root = make_user("root@example.com", is_superuser=True)
    colleague = make_user("colleague@example.com", roles=(Role.REGISTRAR,))
    identity_check_record(
        person=colleague,
        document_type=IdentityDocumentType.PASSPORT,
        document_last4="4321",
        branch="Desjardins Saint-Roch",
        registrar=root,
    )
    with pytest.raises(PermissionDenied):
        user_profile_update(
            user=colleague, acting_user=colleague, acting_assurance="high", given_name="Root"
        )
    with pytest.raises(PermissionDenied):
        user_profile_update(
            user=colleague, acting_user=registrar, acting_assurance="high", given_name="Eve"
        )
    colleague.refresh_from_db()
    assert colleague.given_name == "Alice"


def test_a_registrar_cannot_change_the_rest_of_a_profile(proven, registrar):
    with pytest.raises(PermissionDenied):
        user_profile_update(
            user=proven, acting_user=registrar, acting_assurance="high", locality="Lévis"
        )


@pytest.mark.parametrize("acr", ["low", "high"])
def test_a_coop_admin_cannot_change_a_proven_birth_date(proven, make_user, acr):
    admin = make_user(email="admin@example.com", roles=(Role.COOP_ADMIN,))
    with pytest.raises(PermissionDenied):
        user_profile_update(
            user=proven,
            acting_user=admin,
            acting_assurance=acr,
            birth_date=datetime.date(1990, 5, 18),
        )
    proven.refresh_from_db()
    assert proven.birth_date == datetime.date(1990, 5, 17)


def test_a_coop_admin_sees_proven_fields_read_only_in_the_admin(
    client, proven, make_user, sign_in_at
):
    admin = make_user(email="admin@example.com", roles=(Role.COOP_ADMIN,), is_staff=True)
    sign_in_at(client, admin, "high")
    response = post_change(
        client, proven, family_name="Roy", birth_date="1970-01-01", locality="Lévis"
    )
    assert response.status_code == 302
    proven.refresh_from_db()
    assert (proven.family_name, proven.birth_date) == ("Tremblay", datetime.date(1990, 5, 17))
    assert proven.locality == "Lévis"


def test_a_person_not_yet_proven_changes_their_names(alice):
    user_profile_update(user=alice, acting_user=alice, given_name="Alicia")
    alice.refresh_from_db()
    assert alice.given_name == "Alicia"


def test_the_profile_page_shows_proven_fields_but_does_not_take_them(client, proven):
    client.force_login(proven)
    page = client.get(reverse("identity:profile")).content.decode()
    # Shown as text (the design system's read-only field), not as an input to fill.
    assert 'name="given_name"' not in page
    assert 'name="birth_date"' not in page
    readonly = page.split("field--readonly", 1)[1].split("</div>", 1)[0]
    assert "Alice" in readonly
    assert 'name="locality"' in page
    response = client.post(
        reverse("identity:profile"),
        {
            "given_name": "Mallory",
            "family_name": "Roy",
            "birth_date": "1970-01-01",
            "phone": "",
            "street_address": "",
            "locality": "Lévis",
            "region": "QC",
            "postal_code": "",
            "preferred_language": "fr",
        },
    )
    assert response.status_code == 302
    proven.refresh_from_db()
    assert (proven.given_name, proven.birth_date) == ("Alice", datetime.date(1990, 5, 17))
    assert proven.locality == "Lévis"
