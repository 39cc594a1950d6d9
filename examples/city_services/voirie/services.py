"""Every write of the reporting service."""

import uuid
from decimal import Decimal

from django.db import transaction
from django.utils.dateparse import parse_datetime

from voirie.citizens import Citizen, access_category
from voirie.errors import ReportNotAllowedError
from voirie.models import Report, Ticket, TicketStatus
from voirie.payables import payable_request


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
