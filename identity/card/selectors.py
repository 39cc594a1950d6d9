"""Reads about cards that carry rules, and who may act on cards."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from identity.assurance import level_satisfies
from identity.card import errors
from identity.models import Card, CardStatus, ServiceCertificate, ServiceCertificateStatus

# The level a registrar's own session must be at to act on other people's cards (check a
# document, issue, revoke): signed in with their own card.
REGISTRAR_ASSURANCE = "high"


def access_card_issue(user: Any) -> None:
    """Raise PermissionDenied unless `user` is a registrar who may check documents and
    issue cards (identity.issue_cards)."""
    if not user.is_authenticated:
        raise PermissionDenied
    if not user.is_active:
        raise PermissionDenied
    if not user.has_perm("identity.issue_cards"):
        raise PermissionDenied


def access_card_issue_to(*, registrar: Any, person: Any) -> None:
    """Raise unless `registrar` may check `person`'s identity and issue them a card.

    Nobody issues to themself. A registrar (identity.issue_cards) issues to people who hold
    neither that permission nor coop administration: otherwise one registrar could issue
    a card in a colleague's name, sign in with it, and issue themself a card as that
    colleague. Registrars', coop admins' and superusers' cards come from a superuser.
    """
    access_card_issue(registrar)
    if person.pk == registrar.pk:
        raise errors.CardIssueToSelf
    if registrar.is_superuser:
        return
    if person.is_superuser:
        raise errors.CardIssueToAdmin
    if person.has_perm("identity.administer_coop"):
        raise errors.CardIssueToAdmin
    if person.has_perm("identity.issue_cards"):
        raise errors.CardIssueToRegistrar


def access_card_revoke(*, acting_user: Any, card: Card) -> None:
    """Raise PermissionDenied unless `acting_user` may revoke `card`: its holder, or a
    registrar."""
    if not acting_user.is_authenticated:
        raise PermissionDenied
    if not acting_user.is_active:
        raise PermissionDenied
    if acting_user.pk == card.user_id:
        return
    if acting_user.has_perm("identity.issue_cards"):
        return
    raise PermissionDenied


def access_card_revoke_by_registrar(*, acting_user: Any, assurance: str | None) -> None:
    """Raise PermissionDenied unless `acting_user` may revoke other people's cards from the
    admin: a registrar whose session is at REGISTRAR_ASSURANCE (signed in with their own
    card), as on the registrar's pages. card_revoke then checks each card."""
    access_card_issue(acting_user)
    if not level_satisfies(assurance, REGISTRAR_ASSURANCE):
        raise PermissionDenied("Revoking someone's card needs your own card.")


def card_serial_hex(serial_number: int) -> str:
    """How Card.serial_number stores a certificate's serial."""
    return format(serial_number, "x")


def card_active_for(user: Any) -> Card | None:
    """The person's one active card, if any."""
    return Card.objects.filter(user=user, status=CardStatus.ACTIVE).first()


def cards_of(user: Any) -> QuerySet[Card]:
    """The person's cards, newest first, for their account page."""
    return Card.objects.filter(user=user).order_by("-issued_at", "-id")


def card_by_fingerprint(fingerprint_sha256: str) -> Card | None:
    return Card.objects.select_related("user").filter(fingerprint_sha256=fingerprint_sha256).first()


def card_by_any_serial(serial_number: int) -> Card | None:
    """The card whose sign-in (9A) or signing (9C) certificate has this serial: both
    certificates share the card's status."""
    serial = card_serial_hex(serial_number)
    return Card.objects.filter(Q(serial_number=serial) | Q(signing_serial_number=serial)).first()


def card_by_signing_fingerprint(fingerprint_sha256: str) -> Card | None:
    """The card whose signing (9C) certificate has this SHA-256 fingerprint."""
    return (
        Card.objects.select_related("user")
        .filter(signing_fingerprint_sha256=fingerprint_sha256)
        .exclude(signing_fingerprint_sha256="")
        .first()
    )


def service_certificate_by_serial(serial_number: int) -> ServiceCertificate | None:
    return ServiceCertificate.objects.filter(serial_number=card_serial_hex(serial_number)).first()


def cards_revoked_for_crl() -> QuerySet[Card]:
    """Cards whose certificates (both keys) a relying party must refuse: revoked cards, and
    suspended or pending (signed, not yet confirmed) ones, which are on hold."""
    return (
        Card.objects.exclude(status=CardStatus.ACTIVE)
        .only(
            "serial_number",
            "signing_serial_number",
            "status",
            "revocation_reason",
            "revoked_at",
            "issued_at",
        )
        .order_by("id")
    )


def service_certificates_revoked_for_crl() -> QuerySet[ServiceCertificate]:
    """The coop's service certificates that were revoked (a retired one stays good)."""
    return ServiceCertificate.objects.filter(status=ServiceCertificateStatus.REVOKED).order_by("id")
