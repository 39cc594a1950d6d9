"""Who may do what with a payable; each access_* raises, one condition per line, each
tested on its own (civic/tests/test_payable_access.py)."""

from typing import Any

from civic.models import Payable, PayableStatus
from civic.payable_errors import (
    PayableConsentMissing,
    PayableNotFound,
    PayableNotOpen,
    PayablePaymentInProgress,
    PayablePaymentRefused,
    PayableScopeMissing,
    PayeeAccountMissing,
)
from identity.models import OidcClient, OidcConsent

PAYABLES_SCOPE = "payables"
PAID_STATES = (PayableStatus.PAID, PayableStatus.REFUNDED)


def access_payables_api(*, client: OidcClient, scopes: frozenset[str]) -> None:
    """A service may use the payables API with a client-credentials token granted the
    `payables` scope, and an account at the gateway to be paid into."""
    if PAYABLES_SCOPE not in scopes:
        raise PayableScopeMissing()
    if not hasattr(client, "payee_account"):
        raise PayeeAccountMissing()


def access_payable_of_client(*, client: OidcClient, payable: Payable | None) -> Payable:
    """A service reaches only its own payables (another's is "not found")."""
    if payable is None:
        raise PayableNotFound()
    if payable.client_id != client.pk:
        raise PayableNotFound()
    return payable


def access_payable_address(*, client: OidcClient, person: Any) -> None:
    """A payable goes to a named person only if they let this service send them some
    (the `payables` permission, granted at sign-in)."""
    consent = OidcConsent.objects.filter(user=person, client=client).first()
    if consent is None:
        raise PayableConsentMissing()
    if PAYABLES_SCOPE not in consent.claims_granted:
        raise PayableConsentMissing()


def access_payable_view(*, acting_user: Any, payable: Payable) -> None:
    """A signed-in person sees a payable addressed to nobody (its link or its code is the
    key) or to them; once paid, only its payer sees it; another's is "not found"."""
    if not getattr(acting_user, "is_authenticated", False):
        raise PayablePaymentRefused()
    if payable.person_id is not None and payable.person_id != acting_user.pk:
        raise PayableNotFound()
    if payable.status in PAID_STATES and payable.paid_by_id != acting_user.pk:
        raise PayableNotFound()


def access_payable_pay(*, acting_user: Any, payable: Payable) -> None:
    """Pay: a person who may see it, while it is open, unless someone else started paying."""
    access_payable_view(acting_user=acting_user, payable=payable)
    if payable.status != PayableStatus.OPEN:
        raise PayableNotOpen()
    if payable.paid_by_id is not None and payable.paid_by_id != acting_user.pk:
        raise PayablePaymentInProgress()


def payables_addressed_to(person: Any) -> list[Payable]:
    """The open payables services addressed to `person` (none for a visitor), due first."""
    if not getattr(person, "is_authenticated", False):
        return []
    return list(
        Payable.objects.filter(person=person, status=PayableStatus.OPEN)
        .select_related("client")
        .order_by("due_date", "created_at", "id")[:50]
    )
