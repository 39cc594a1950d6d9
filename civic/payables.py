"""Payables: what a city service asks a person to pay (a ticket, a permit fee), paid through
the coop's payment gateway (docs/payables.md).

- The service creates one through the API (`payable_create`, its Idempotency-Key stored:
  a retry finds the same payable and code). The person pays at `civic:payable`, or finds
  it by its reference and payment code.
- Paying copies joining's `share_purchase_start`: the payment's idempotency key is stored
  and committed first, the gateway is called with no row locked, and its intent recorded
  after. The gateway's succeeded event (marketplace.signals.payment_succeeded) locks the
  payable and settles it once: paid, a receipt in the payer's vault, the amount
  transferred to the service's payee account after the commit (no commission, no sales
  tax), and `payable.paid` sent to the service (identity.webhooks.client_webhook_send).
- The service may cancel an open payable (`payable.cancelled`), or one it was paid for:
  the payer is refunded and the transfer reversed (`payable.refunded`).
"""

import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from civic.models import Payable, PayableStatus, PayeeAccount
from civic.payable_errors import (
    PayableConsentMissing,
    PayableIdempotencyConflict,
    PayablePaymentRefused,
    PayableReferenceTaken,
)
from civic.payable_locks import payable_lock
from civic.payable_receipts import payable_receipt_pdf, payable_receipt_title
from civic.payable_selectors import (
    PAYABLES_SCOPE,
    access_payable_address,
    access_payable_pay,
)
from core.enqueue import enqueue_on_commit
from core.sealed import key_sealer
from identity.audit import audit_record
from identity.models import ClientWebhookEvent, OidcClient, OidcConsent, User, VaultDocumentKind
from identity.oidc.subjects import subject_for
from identity.webhooks import client_webhook_send
from marketplace.gateways import GatewayEvent, payment_gateway
from marketplace.gateways.offline import OfflineGateway, offline_payment_event
from marketplace.payments import WebhookOutcome, payment_webhook_receive

logger = logging.getLogger(__name__)

CURRENCY = "CAD"
# A receipt is kept six years (the tax authorities' period for books and records).
RECEIPT_KEEP_YEARS = 6
# Payment codes: 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L), in
# three groups of four: 60 bits, printed on the ticket.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_GROUPS = 3
CODE_GROUP_LENGTH = 4


# --- Payment codes ------------------------------------------------------------------------


def payment_code_new() -> str:
    groups = [
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    ]
    return "-".join(groups)


def payment_code_normalize(code: str) -> str:
    """What a person typed, as the code is kept: upper case, no spaces or dashes."""
    return "".join(c for c in str(code).upper() if c.isalnum())


def payment_code_digest(code: str) -> str:
    """The digest a payable is found by: keyed, so a database leak does not let anyone
    try codes offline without the key."""
    key = hashlib.sha256(b"uniqc.civic.payment-code|" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, payment_code_normalize(code).encode(), hashlib.sha256).hexdigest()


def payable_payment_code(payable: Payable) -> str:
    return key_sealer().decrypt(payable.payment_code_sealed.encode()).decode()


def payable_pay_url(payable: Payable) -> str:
    return f"{settings.SITE_URL}{reverse('civic:payable', args=[payable.public_id])}"


# --- The service's side -------------------------------------------------------------------


@dataclass(frozen=True)
class PayableInput:
    """A payable as the API received it, every field checked (civic.payable_api)."""

    reference: str
    kind: str
    description_fr: str
    description_en: str
    amount: Decimal
    currency: str
    due_date: date | None
    sub: str | None


def person_for_subject(*, client: OidcClient, sub: str) -> User | None:
    """The person `client` knows as `sub`, among those who signed in to it (a pairwise
    subject is not reversible: each consenting person's subject is computed)."""
    consents = OidcConsent.objects.filter(client=client).select_related("user")
    for consent in consents.iterator():
        if hmac.compare_digest(subject_for(user=consent.user, client=client), sub):
            return consent.user
    return None


def _same_request(payable: Payable, given: PayableInput) -> bool:
    return (
        payable.reference == given.reference
        and payable.kind == given.kind
        and payable.amount == given.amount
        and payable.description_fr == given.description_fr
        and payable.description_en == given.description_en
        and payable.due_date == given.due_date
    )


@transaction.atomic
def payable_create(
    *, client: OidcClient, idempotency_key: str, given: PayableInput
) -> tuple[Payable, str, bool]:
    """Create the payable `given` for `client` (access checked by the API: the `payables`
    scope and a payee account); returns it, its payment code and whether it is new. The
    same Idempotency-Key again finds the same payable, or is refused if the body changed."""
    found = Payable.objects.filter(client=client, idempotency_key=idempotency_key).first()
    if found is not None:
        if not _same_request(found, given):
            raise PayableIdempotencyConflict()
        return found, payable_payment_code(found), False
    if Payable.objects.filter(client=client, reference=given.reference).exists():
        raise PayableReferenceTaken()
    person = None
    if given.sub:
        person = person_for_subject(client=client, sub=given.sub)
        if person is None:
            raise PayableConsentMissing()
        access_payable_address(client=client, person=person)
    code = payment_code_new()
    payable = Payable(
        client=client,
        reference=given.reference,
        kind=given.kind,
        description_fr=given.description_fr,
        description_en=given.description_en,
        amount=given.amount,
        currency=given.currency,
        due_date=given.due_date,
        person=person,
        payment_code_sealed=key_sealer().encrypt(code.encode()).decode(),
        payment_code_digest=payment_code_digest(code),
        idempotency_key=idempotency_key,
    )
    payable.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            payable.save()
    except IntegrityError:
        # The same key or reference at the same moment: the first one stands.
        found = Payable.objects.filter(client=client, idempotency_key=idempotency_key).first()
        if found is None:
            raise PayableReferenceTaken() from None
        if not _same_request(found, given):
            raise PayableIdempotencyConflict() from None
        return found, payable_payment_code(found), False
    audit_record(
        acting_user=None,
        action="payable_created",
        target=payable,
        subject_user=person,
        detail={
            "client": client.client_id,
            "reference": payable.reference,
            "amount": str(payable.amount),
        },
    )
    return payable, code, True


def payable_cancel(*, client: OidcClient, payable: Payable) -> Payable:
    """The service takes a payable back: an open one is cancelled; a paid one is refunded
    to its payer and its transfer reversed. Repeating it changes nothing."""
    with transaction.atomic():
        payable = payable_lock(payable.pk)
        if payable.status in (PayableStatus.CANCELLED, PayableStatus.REFUNDED):
            return payable
        now = timezone.now()
        if payable.status == PayableStatus.OPEN:
            Payable.objects.filter(pk=payable.pk).update(
                status=PayableStatus.CANCELLED, closed_at=now
            )
            event = ClientWebhookEvent.PAYABLE_CANCELLED
            data = {"id": str(payable.public_id), "reference": payable.reference}
        else:
            Payable.objects.filter(pk=payable.pk).update(
                status=PayableStatus.REFUNDED, closed_at=now
            )
            event = ClientWebhookEvent.PAYABLE_REFUNDED
            data = {
                "id": str(payable.public_id),
                "reference": payable.reference,
                "amount": f"{payable.amount:.2f}",
                "refunded_at": now.isoformat(),
            }
            from civic.payable_tasks import payable_refund_send

            enqueue_on_commit(payable_refund_send, payable.pk)
        audit_record(
            acting_user=None,
            action="payable_cancelled"
            if event == ClientWebhookEvent.PAYABLE_CANCELLED
            else "payable_refunded",
            target=payable,
            subject_user=payable.paid_by or payable.person,
            detail={"client": client.client_id, "reference": payable.reference},
        )
        client_webhook_send(
            client=payable.client, event_type=event, subject=str(payable.public_id), data=data
        )
    payable.refresh_from_db()
    return payable


def payable_refund_send(*, payable_pk: int) -> None:
    """The money of a refunded payable goes back (Celery, after the commit): the service's
    transfer is reversed, then the payer refunded, each with a key derived from the stored
    one (a retry refunds once); no row is locked meanwhile."""
    payable = Payable.objects.get(pk=payable_pk)
    if payable.status != PayableStatus.REFUNDED or payable.refund_id or not payable.intent_id:
        return
    if payable.transfer_id:
        _transfer_reverse(payable)
    refund_id = payment_gateway(payable.gateway).refund_create(
        intent_id=payable.intent_id,
        amount=payable.amount,
        idempotency_key=f"{payable.payment_idempotency_key}-refund",
    )
    Payable.objects.filter(pk=payable.pk, refund_id="").update(refund_id=refund_id)


# --- The person's side --------------------------------------------------------------------


def payable_by_code(*, reference: str, code: str) -> Payable | None:
    """The open or paid payable with this reference and payment code, or None."""
    digest = payment_code_digest(code)
    for payable in Payable.objects.filter(reference=reference.strip()[:60]):
        if hmac.compare_digest(payable.payment_code_digest, digest):
            return payable
    return None


@transaction.atomic
def _payable_payment_reserve(*, payable: Payable, acting_user: Any) -> Payable:
    """Bind the payment to `acting_user` and store its idempotency key, once."""
    payable = payable_lock(payable.pk)
    access_payable_pay(acting_user=acting_user, payable=payable)
    if payable.payment_idempotency_key:
        return payable
    gateway = payment_gateway()
    Payable.objects.filter(pk=payable.pk).update(
        gateway=gateway.name,
        is_test=gateway.is_test,
        payment_idempotency_key=f"uniqc-payable-{uuid.uuid4().hex}",
        paid_by=acting_user,
    )
    audit_record(
        acting_user=acting_user,
        action="payable_payment_started",
        target=payable,
        subject_user=acting_user,
        detail={"reference": payable.reference, "amount": str(payable.amount)},
    )
    payable.refresh_from_db()
    return payable


def payable_payment_start(*, payable: Payable, acting_user: Any) -> Payable:
    """Start (or find again) the payment of `payable` by `acting_user`; returns it with its
    intent at the gateway. A retry sends the same stored key, so the gateway keeps one
    payment."""
    payable = _payable_payment_reserve(payable=payable, acting_user=acting_user)
    if payable.intent_id:
        return payable
    # No row is locked here: the gateway may take its time.
    started = payment_gateway(payable.gateway).payment_start(
        reference=f"PAY-{payable.public_id.hex[:12].upper()}",
        amount=payable.amount,
        currency=payable.currency,
        idempotency_key=payable.payment_idempotency_key,
        description=f"{payable.client.name} — {payable.reference}",
        return_url=payable_pay_url(payable),
    )
    Payable.objects.filter(pk=payable.pk, intent_id="").update(intent_id=started.intent_id)
    payable.refresh_from_db()
    return payable


def payable_offline_pay(*, payable: Payable, succeeded: bool, acting_user: Any) -> WebhookOutcome:
    """Pay (or be declined on) the offline gateway's test card: the event Stripe would send,
    signed with the offline gateway's key, through the webhook path. No money moves."""
    access_payable_pay(acting_user=acting_user, payable=payable)
    if payable.gateway != OfflineGateway.name or not payable.intent_id:
        raise PayablePaymentRefused()
    body = offline_payment_event(
        intent_id=payable.intent_id,
        amount=payable.amount,
        currency=payable.currency,
        reference=payable.reference,
        succeeded=succeeded,
    )
    gateway = OfflineGateway()
    return payment_webhook_receive(
        gateway_name=gateway.name, payload=body, headers=gateway.event_sign(payload=body)
    )


# --- The gateway's answer (receivers of marketplace.signals) ----------------------------


def _keep_until(now: datetime) -> datetime:
    try:
        return now.replace(year=now.year + RECEIPT_KEEP_YEARS)
    except ValueError:  # 29 February
        return now.replace(year=now.year + RECEIPT_KEEP_YEARS, day=28)


def payable_payment_succeeded(sender: Any, event: GatewayEvent, **kwargs: Any) -> bool:
    """A payable is paid: settle it once (receipt, transfer, webhook). Paid after the
    service cancelled it, the money goes back. Returns whether the intent was a payable's."""
    payable = Payable.objects.filter(gateway=event.gateway, intent_id=event.intent_id).first()
    if payable is None:
        return False
    if _payable_settle(payable_pk=payable.pk, event=event):
        payment_gateway(payable.gateway).refund_create(
            intent_id=payable.intent_id,
            amount=payable.amount,
            idempotency_key=f"{payable.payment_idempotency_key}-late",
        )
    return True


@transaction.atomic
def _payable_settle(*, payable_pk: int, event: GatewayEvent) -> bool:
    """Mark a payable paid, once; True when the payment must go back (cancelled meanwhile)."""
    payable = payable_lock(payable_pk)
    if payable.status in (PayableStatus.PAID, PayableStatus.REFUNDED):
        return False
    if payable.status == PayableStatus.CANCELLED:
        logger.warning("payable %s paid after it was cancelled: refunded", payable.pk)
        return True
    if (event.amount is not None and event.amount != payable.amount) or (
        event.currency and event.currency != payable.currency
    ):
        logger.error("payable %s paid %s %s", payable.pk, event.amount, event.currency)
        return False
    now = timezone.now()
    payable.status = PayableStatus.PAID
    payable.paid_at = now
    payable.charge_id = event.charge_id
    payer = payable.paid_by
    from identity.vault.services import vault_document_deposit

    receipt = vault_document_deposit(
        owner=payer,
        kind=VaultDocumentKind.RECEIPT,
        title=payable_receipt_title(payable),
        content=payable_receipt_pdf(payable, language=payer.preferred_language or "fr"),
        content_type="application/pdf",
        source_client=payable.client,
        source_app="civic",
        keep_until=_keep_until(now),
    )
    Payable.objects.filter(pk=payable.pk, status=PayableStatus.OPEN).update(
        status=PayableStatus.PAID, paid_at=now, charge_id=event.charge_id, receipt=receipt
    )
    audit_record(
        acting_user=None,
        action="payable_paid",
        target=payable,
        subject_user=payer,
        detail={"reference": payable.reference, "amount": str(payable.amount)},
    )
    data: dict[str, Any] = {
        "id": str(payable.public_id),
        "reference": payable.reference,
        "amount": f"{payable.amount:.2f}",
        "paid_at": now.isoformat(),
    }
    if _payer_shares_subject(payer=payer, client=payable.client):
        data["payer_sub"] = subject_for(user=payer, client=payable.client)
    client_webhook_send(
        client=payable.client,
        event_type=ClientWebhookEvent.PAYABLE_PAID,
        subject=str(payable.public_id),
        data=data,
    )
    from civic.payable_tasks import payable_transfer_send

    enqueue_on_commit(payable_transfer_send, payable.pk)
    return False


def _payer_shares_subject(*, payer: User, client: OidcClient) -> bool:
    """The service learns who paid only from someone who let it send them payables."""
    consent = OidcConsent.objects.filter(user=payer, client=client).first()
    return consent is not None and PAYABLES_SCOPE in consent.claims_granted


def payable_transfer_send(*, payable_pk: int) -> str:
    """The amount of a paid payable goes to the service's payee account, whole (no
    commission in v1; no sales tax: a municipal fine or fee is not a taxable supply).
    After the commit, no row locked; the stored key makes a retry transfer once."""
    payable = Payable.objects.select_related("client").get(pk=payable_pk)
    if payable.transfer_id or payable.status != PayableStatus.PAID:
        return payable.transfer_id
    payee = PayeeAccount.objects.get(client=payable.client)
    if payee.gateway != payable.gateway:
        # The city's account is at another gateway than the payment: the coop's treasurer
        # pays it by hand; no transfer is attempted that cannot land.
        logger.error(
            "payable %s: payee at %s, paid at %s", payable.pk, payee.gateway, payable.gateway
        )
        return ""
    transfer_id = payment_gateway(payable.gateway).transfer_create(
        destination=payee.account_id,
        amount=payable.amount,
        currency=payable.currency,
        transfer_group=f"PAY-{payable.public_id.hex[:12].upper()}",
        source_charge=payable.charge_id,
        idempotency_key=f"{payable.payment_idempotency_key}-transfer",
    )
    Payable.objects.filter(pk=payable.pk, transfer_id="").update(transfer_id=transfer_id)
    payable.refresh_from_db()
    if payable.status == PayableStatus.REFUNDED:
        # Refunded while this transfer was in flight: the refund found no transfer to
        # take back, so it is taken back here (the same key: at most one reversal).
        _transfer_reverse(payable)
    return transfer_id


def _transfer_reverse(payable: Payable) -> None:
    payment_gateway(payable.gateway).transfer_reverse(
        transfer_id=payable.transfer_id,
        amount=payable.amount,
        idempotency_key=f"{payable.payment_idempotency_key}-transfer-reverse",
    )


def payable_payment_failed(sender: Any, event: GatewayEvent, **kwargs: Any) -> bool:
    """A declined card changes nothing on the payable: it stays open for another try.
    Returns whether the intent was a payable's."""
    return Payable.objects.filter(gateway=event.gateway, intent_id=event.intent_id).exists()


# --- The coop sets a service up ----------------------------------------------------------


@transaction.atomic
def payee_account_set(
    *, client: OidcClient, gateway: str, account_id: str, transfers_enabled: bool, is_test: bool
) -> PayeeAccount:
    """Record (or change) the account at the gateway where `client`'s payables are paid
    to; by the coop (a command or the demo), audited."""
    account = PayeeAccount.objects.filter(client=client).first() or PayeeAccount(client=client)
    account.gateway = gateway
    account.account_id = account_id
    account.transfers_enabled = transfers_enabled
    account.is_test = is_test
    account.full_clean()
    account.save()
    audit_record(
        acting_user=None,
        action="payee_account_set",
        target=account,
        detail={"client": client.client_id, "gateway": gateway, "account": account_id},
    )
    return account
