"""Test data for joining and withdrawal: people whose identity a registrar proved (or not),
and a share purchase paid through the offline gateway as the test page pays it."""

import datetime
from typing import Any

from django.utils import timezone

from conftest import person_create
from coop_governance.joining import share_purchase_offline_pay, share_purchase_start
from coop_governance.models import Member, SharePurchase
from identity.card.services import identity_check_record
from identity.models import IdentityDocumentType
from identity.roles import Role

CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/34", "cvc": "123"}
DECLINED = {**CARD, "card_number": "4000 0000 0000 0002"}


def registrar() -> Any:
    from identity.models import User

    found = User.objects.filter(email="registrar@example.org").first()
    return found or person_create("registrar@example.org", Role.REGISTRAR)


def person_proven(
    email: str, *, born: datetime.date | None = datetime.date(1990, 5, 17), **fields: Any
) -> Any:
    """A person with a birth date, whose identity document a registrar checked."""
    person = person_create(email, birth_date=born, **fields)
    identity_check_record(
        person=person,
        document_type=IdentityDocumentType.PASSPORT,
        document_last4="1234",
        branch="Desjardins Saint-Roch",
        registrar=registrar(),
    )
    return person


def minor_birth_date() -> datetime.date:
    today = timezone.localdate()
    return today.replace(year=today.year - 17)


def join_paid(person: Any, category: str = "consumer", store: Any = None) -> Member:
    """Join through the offline gateway's test card, as the pages do."""
    purchase = share_purchase_start(
        acting_user=person, acr="substantial", category=category, store=store
    )
    share_purchase_offline_pay(purchase=purchase, succeeded=True, acting_user=person)
    return SharePurchase.objects.get(pk=purchase.pk).member
