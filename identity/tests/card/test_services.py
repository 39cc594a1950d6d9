"""Identity checks, card records and revocation through the services, with the database
constraints that back them and who may act."""

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from identity.card import errors
from identity.card.ca import card_certificate_issue
from identity.card.selectors import access_card_issue, access_card_revoke
from identity.card.services import (
    card_declare_lost,
    card_register,
    card_revoke,
    identity_check_record,
)
from identity.models import Card, CardRevocationReason, CardStatus, IdentityDocumentType
from identity.tests.card.conftest import card_certificate

pytestmark = pytest.mark.django_db


def check_for(person, registrar, **fields):
    fields.setdefault("document_type", IdentityDocumentType.PASSPORT)
    fields.setdefault("document_last4", "AB12")
    fields.setdefault("branch", "Caisse du Vieux-Québec")
    return identity_check_record(person=person, registrar=registrar, **fields)


def test_identity_check_keeps_four_characters_and_who_where_when(alice, registrar):
    check = check_for(alice, registrar, document_last4=" ab12 ")
    assert check.document_last4 == "AB12"
    assert check.registrar == registrar
    assert check.branch == "Caisse du Vieux-Québec"
    assert check.checked_at <= timezone.now()


@pytest.mark.parametrize("last4", ["AB1", "ABC12", ""])
def test_identity_check_needs_exactly_four_characters(alice, registrar, last4):
    with pytest.raises(ValidationError):
        check_for(alice, registrar, document_last4=last4)


def test_identity_check_constraint_backs_four_characters(alice, registrar):
    check = check_for(alice, registrar)
    with pytest.raises(IntegrityError), transaction.atomic():
        type(check).objects.filter(pk=check.pk).update(document_last4="AB1")


def test_identity_check_needs_a_known_document_type(alice, registrar):
    with pytest.raises(ValidationError):
        check_for(alice, registrar, document_type="library_card")


def test_only_registrars_record_identity_checks(alice, make_user):
    bob = make_user("bob@example.com")
    with pytest.raises(PermissionDenied):
        check_for(alice, bob)


def test_access_card_issue_needs_the_permission(alice, registrar):
    from django.contrib.auth.models import AnonymousUser

    access_card_issue(registrar)
    with pytest.raises(PermissionDenied):
        access_card_issue(alice)
    with pytest.raises(PermissionDenied):
        access_card_issue(AnonymousUser())
    registrar.is_active = False
    with pytest.raises(PermissionDenied):
        access_card_issue(registrar)


def test_access_card_revoke_holder_or_registrar(card, alice, registrar, make_user):
    access_card_revoke(acting_user=alice, card=card)
    access_card_revoke(acting_user=registrar, card=card)
    with pytest.raises(PermissionDenied):
        access_card_revoke(acting_user=make_user("bob@example.com"), card=card)


def test_card_register_stores_the_certificate(card, alice, registrar):
    certificate = card_certificate(card)
    assert card.user == alice
    assert card.issued_by == registrar
    assert card.status == CardStatus.ACTIVE
    assert card.serial_number == format(certificate.serial_number, "x")
    assert len(card.fingerprint_sha256) == 64
    assert card.not_after == certificate.not_valid_after_utc


def test_card_register_refuses_a_certificate_for_someone_else(alice, registrar, make_user):
    bob = make_user("bob@example.com")
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = card_certificate_issue(public_key=key.public_key(), user=bob)
    with pytest.raises(errors.CardCertificateMismatch):
        card_register(
            person=alice,
            certificate=certificate,
            identity_check=check_for(alice, registrar),
            registrar=registrar,
        )


def test_card_register_refuses_an_identity_check_of_someone_else(alice, registrar, make_user):
    bob = make_user("bob@example.com")
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = card_certificate_issue(public_key=key.public_key(), user=alice)
    with pytest.raises(errors.CardCertificateMismatch):
        card_register(
            person=alice,
            certificate=certificate,
            identity_check=check_for(bob, registrar),
            registrar=registrar,
        )


def test_new_card_replaces_the_active_one(card, alice, issue_card):
    new = issue_card(alice, ec.generate_private_key(ec.SECP256R1()))
    card.refresh_from_db()
    assert card.status == CardStatus.REVOKED
    assert card.revocation_reason == CardRevocationReason.REPLACED
    assert new.status == CardStatus.ACTIVE


def test_database_allows_one_active_card_per_person(card):
    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.create(
            user=card.user,
            serial_number="abc",
            certificate_der=b"x",
            fingerprint_sha256="0" * 64,
            issued_by=card.issued_by,
            not_after=card.not_after,
            identity_check=card.identity_check,
        )


def test_database_requires_reason_and_time_for_revoked(card):
    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.filter(pk=card.pk).update(status=CardStatus.REVOKED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.filter(pk=card.pk).update(revocation_reason=CardRevocationReason.LOST)


def test_revoke_is_final_and_idempotent(card, alice, registrar):
    card_revoke(card=card, reason=CardRevocationReason.STOLEN, acting_user=alice)
    first_time = card.revoked_at
    card_revoke(card=card, reason=CardRevocationReason.OTHER, acting_user=registrar)
    card.refresh_from_db()
    assert card.revocation_reason == CardRevocationReason.STOLEN
    assert card.revoked_at == first_time


def test_revoke_by_a_stranger_is_refused(card, make_user):
    with pytest.raises(PermissionDenied):
        card_revoke(
            card=card,
            reason=CardRevocationReason.LOST,
            acting_user=make_user("bob@example.com"),
        )
    card.refresh_from_db()
    assert card.status == CardStatus.ACTIVE


def test_declare_lost_revokes_the_active_card(card, alice):
    revoked = card_declare_lost(user=alice)
    assert revoked.pk == card.pk
    assert revoked.status == CardStatus.REVOKED
    assert revoked.revocation_reason == CardRevocationReason.LOST
    with pytest.raises(errors.NoActiveCard):
        card_declare_lost(user=alice)
