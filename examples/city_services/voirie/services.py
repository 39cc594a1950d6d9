"""Every write of the reporting service."""

import datetime
import uuid
from decimal import Decimal

from django.db import transaction
from django.utils.dateparse import parse_datetime

from voirie.citizens import Citizen, access_category
from voirie.errors import ReportNotAllowedError
from voirie.models import Permit, PermitStatus, Report, Ticket, TicketStatus
from voirie.payables import payable_request
from voirie.permit_pdf import pdf_make
from voirie.signatures import signature_check, signature_request_create, signed_document_fetch


@transaction.atomic
def report_file(
    *,
    citizen: Citizen,
    category: str,
    address: str,
    description: str,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Report:
    """File a report under the citizen's Uniqc identifier; claims need an adult."""
    if not access_category(citizen, category):
        raise ReportNotAllowedError(category)
    report = Report(
        citizen_sub=citizen.sub,
        category=category,
        address=address,
        latitude=latitude,
        longitude=longitude,
        description=description,
    )
    report.full_clean()
    report.save()
    return report


# --- Tickets paid through Uniqc ------------------------------------------------------------

DEMO_OFFENCE = {
    "fr": "Stationnement interdit, rue Saint-Jean",
    "en": "No parking, rue Saint-Jean",
}
DEMO_AMOUNT = Decimal("75.00")


def ticket_issue_demo(*, citizen: Citizen) -> Ticket:
    """Issue a demonstration parking ticket to the signed-in citizen and ask Uniqc to
    collect it. The ticket and its idempotency key are saved first; the API call follows,
    and a retry (ticket_send) sends the same key."""
    ticket = Ticket.objects.create(
        citizen_sub=citizen.sub,
        description=DEMO_OFFENCE["fr"],
        amount=DEMO_AMOUNT,
        idempotency_key=str(uuid.uuid4()),
    )
    return ticket_send(ticket=ticket)


def ticket_send(*, ticket: Ticket) -> Ticket:
    """Create (or find again) the ticket's payable at Uniqc and keep where to pay it."""
    if ticket.payable_id:
        return ticket
    payable = payable_request(
        idempotency_key=ticket.idempotency_key,
        body={
            "reference": ticket.reference,
            "kind": "ticket",
            "description": DEMO_OFFENCE,
            "amount": f"{ticket.amount:.2f}",
            "currency": "CAD",
        },
    )
    Ticket.objects.filter(pk=ticket.pk, payable_id="").update(
        payable_id=payable["id"],
        pay_url=payable["pay_url"],
        payment_code=payable["payment_code"],
        status=TicketStatus.TO_PAY,
    )
    ticket.refresh_from_db()
    return ticket


def ticket_event_apply(*, event: dict) -> bool:
    """Apply a verified webhook event to its ticket, once; whether a ticket changed."""
    data = event.get("data") or {}
    payable_id = str(data.get("id", ""))
    if not payable_id:
        return False
    tickets = Ticket.objects.filter(payable_id=payable_id)
    if event.get("type") == "payable.paid":
        paid_at = parse_datetime(str(data.get("paid_at", "")))
        if paid_at is None:
            return False
        return bool(
            tickets.filter(status=TicketStatus.TO_PAY).update(
                status=TicketStatus.PAID, paid_at=paid_at
            )
        )
    if event.get("type") in ("payable.cancelled", "payable.refunded"):
        return bool(
            tickets.exclude(status=TicketStatus.CANCELLED).update(
                status=TicketStatus.CANCELLED, paid_at=None
            )
        )
    return False


# --- Permits signed with the citizen's card, through Uniqc ---------------------------------

PERMIT_TITLE = "Demande de permis d’occupation du domaine public"
PERMIT_MESSAGE = "Signez votre demande avec votre carte pour que la Ville l’étudie."


def _permit_pdf(permit: Permit) -> bytes:
    return pdf_make(
        title=PERMIT_TITLE,
        lines=[
            f"Ville de Québec · Service de la voirie · Demande {permit.reference}",
            "",
            f"Adresse : {permit.address}",
            f"Du {permit.starts_on.isoformat()} au {permit.ends_on.isoformat()} inclusivement",
            f"Objet : {permit.purpose}",
            f"Demandeur (identifiant Uniqc pour ce service) : {permit.citizen_sub[:40]}",
            f"Faite le {permit.created_at.date().isoformat()}",
            "",
            "Je demande à occuper la voie publique à cette adresse et à ces dates, et je",
            "m’engage à respecter les conditions du permis qui me sera délivré.",
        ],
    )


def permit_apply(
    *,
    citizen: Citizen,
    address: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    purpose: str,
) -> Permit:
    """Make the citizen's application and its PDF, then ask Uniqc for their signature.
    The application, its PDF and its idempotency key are saved first; the API call
    follows, and a retry (permit_send) sends the same key and the same PDF."""
    with transaction.atomic():
        permit = Permit(
            citizen_sub=citizen.sub,
            address=address,
            starts_on=starts_on,
            ends_on=ends_on,
            purpose=purpose,
            application_pdf=b"",
            idempotency_key=str(uuid.uuid4()),
        )
        permit.full_clean(exclude=["application_pdf"])
        permit.save()
        permit.application_pdf = _permit_pdf(permit)  # it prints the reference, from the pk
        permit.save(update_fields=["application_pdf"])
    return permit_send(permit=permit)


def permit_send(*, permit: Permit) -> Permit:
    """Create (or find again) the application's signature request at Uniqc and keep where
    the citizen signs it."""
    if permit.request_id:
        return permit
    created = signature_request_create(
        idempotency_key=permit.idempotency_key,
        sub=permit.citizen_sub,
        title=f"{PERMIT_TITLE} {permit.reference}",
        message=PERMIT_MESSAGE,
        pdf=bytes(permit.application_pdf),
    )
    Permit.objects.filter(pk=permit.pk, request_id="").update(
        request_id=created["id"], sign_url=created["sign_url"], status=PermitStatus.TO_SIGN
    )
    permit.refresh_from_db()
    return permit


# Uniqc's events about a signature request, and the status each one closes it with.
PERMIT_CLOSING_EVENTS = {
    "signature_request.declined": PermitStatus.DECLINED,
    "signature_request.expired": PermitStatus.EXPIRED,
    "signature_request.cancelled": PermitStatus.CANCELLED,
}


def _signature_of(report: dict, *, sub: str) -> tuple[bool, str]:
    """Whether Uniqc's verification finds the PDF signed, validly, by the citizen who
    applied (the city's `sub` for them), and at which level."""
    signatures = report.get("signatures") if isinstance(report, dict) else None
    for signature in signatures if isinstance(signatures, list) else []:
        if not isinstance(signature, dict):
            continue
        signer = signature.get("signer")
        by_citizen = isinstance(signer, dict) and signer.get("sub") == sub
        if signature.get("valid") is True and by_citizen:
            return True, str(signature.get("level", ""))[:10]
    return False, ""


def permit_event_apply(*, event: dict) -> bool:
    """Apply a verified webhook event to its application, once; whether one changed.
    `signature_request.signed` downloads the signed PDF first: if Uniqc cannot give it
    now, SignaturesUnavailable goes up, the webhook answers an error, and Uniqc sends the
    event again later."""
    data = event.get("data") or {}
    request_id = str(data.get("id", ""))
    if not request_id:
        return False
    permits = Permit.objects.filter(request_id=request_id, status=PermitStatus.TO_SIGN)
    event_type = event.get("type")
    if event_type == "signature_request.signed":
        signed_at = parse_datetime(str(data.get("signed_at", "")))
        if signed_at is None or not permits.exists():
            return False
        permit = permits.first()
        signed_pdf = signed_document_fetch(request_id=request_id)
        valid, level = _signature_of(signature_check(pdf=signed_pdf), sub=permit.citizen_sub)
        return bool(
            permits.update(
                status=PermitStatus.SIGNED,
                signed_at=signed_at,
                signed_pdf=signed_pdf,
                signature_valid=valid,
                signature_level=level,
            )
        )
    if event_type in PERMIT_CLOSING_EVENTS:
        return bool(permits.update(status=PERMIT_CLOSING_EVENTS[event_type]))
    return False
