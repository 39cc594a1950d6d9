"""Who may do what with a call for tenders: one condition per line, each tested
(civic/tests/test_tender_access.py). The city's tender officials (the permission
`civic.add_tendercall`) create calls and approve suppliers' representatives
(`civic.add_supplierrepresentative`); an official of a call acts only for herself in its
key ceremony and opening; an approved representative, signed in with their card, bids for
their supplier; the public reads the call, its board and, once opened, its record."""

from typing import Any

from civic.models import SupplierRepresentative, TenderCall, TenderOfficial, TenderStatus
from civic.tender_errors import (
    BidAssuranceTooLow,
    NotAnOfficial,
    NotARepresentative,
    TenderAdministratorsOnly,
    TenderNotPublished,
)
from identity.assurance import level_satisfies

#: The permission of the city's tender officials (the coop admin role holds it, civic/apps.py;
#: other officials get it as a user permission).
PERMISSION_ADMINISTER = "civic.add_tendercall"
PERMISSION_APPROVE = "civic.add_supplierrepresentative"
KEYED = (TenderStatus.OPEN, TenderStatus.CLOSED, TenderStatus.OPENING, TenderStatus.OPENED)
BID_ASSURANCE = "high"


def access_tender_administer(user: Any) -> Any:
    """Creating a call, starting its ceremony: a tender official of the city."""
    if not getattr(user, "is_authenticated", False):
        raise TenderAdministratorsOnly()
    if not user.has_perm(PERMISSION_ADMINISTER):
        raise TenderAdministratorsOnly()
    return user


def access_supplier_approve(user: Any) -> Any:
    """Approving (or revoking) a supplier's representative, on a mandate document."""
    if not getattr(user, "is_authenticated", False):
        raise TenderAdministratorsOnly()
    if not user.has_perm(PERMISSION_APPROVE):
        raise TenderAdministratorsOnly()
    return user


def access_tender_official(user: Any, call: TenderCall) -> TenderOfficial:
    """An official's ceremony and opening messages: the signed-in official herself, and no
    one else (not even the one who created the call)."""
    if not getattr(user, "is_authenticated", False):
        raise NotAnOfficial()
    official = call.officials.filter(person=user).first()
    if official is None:
        raise NotAnOfficial()
    return official


def access_tender_bid(user: Any, neq: str, acr: str | None) -> SupplierRepresentative:
    """Submitting a bid for the supplier `neq`: its approved representative (mandate not
    revoked), signed in with their card."""
    if not getattr(user, "is_authenticated", False):
        raise NotARepresentative()
    mandate = (
        SupplierRepresentative.objects.select_related("supplier")
        .filter(person=user, supplier__neq=neq, revoked_at__isnull=True)
        .first()
    )
    if mandate is None:
        raise NotARepresentative()
    if not level_satisfies(acr, BID_ASSURANCE):
        raise BidAssuranceTooLow()
    return mandate


def access_tender_call(user: Any, call: TenderCall) -> TenderCall:
    """A call's page and board: public once its key exists; before, its officials and the
    tender officials only."""
    if call.status in KEYED:
        return call
    if not getattr(user, "is_authenticated", False):
        raise TenderNotPublished()
    if user.has_perm(PERMISSION_ADMINISTER):
        return call
    if call.officials.filter(person=user).exists():
        return call
    raise TenderNotPublished()


def access_tender_parameters(user: Any, call: TenderCall) -> TenderCall:
    """The manifest and the call's key: public once the ceremony made the key."""
    if call.status not in KEYED:
        raise TenderNotPublished()
    return call


def access_tender_record(user: Any, call: TenderCall) -> TenderCall:
    """The opening record: public once the bids are opened."""
    if call.status != TenderStatus.OPENED:
        raise TenderNotPublished()
    return call


def access_tender_opened_bids(user: Any, call: TenderCall) -> TenderOfficial:
    """The opened bids' contents: the call's officials, once the call is opened."""
    official = access_tender_official(user, call)
    if call.status != TenderStatus.OPENED:
        raise TenderNotPublished()
    return official
