"""Card races between real transactions on PostgreSQL: each thread has its own connection."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import connection
from django.test import Client

from core.tests.races import all_at_once, barrier_after
from identity.card import errors, services
from identity.card.ca import card_certificate_issue
from identity.models import Card, CardStatus, IdentityDocumentType
from identity.tests.card.conftest import card_certificate, signing_certificate_issue, token_make

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgresql_only"),
]


def test_two_registrars_at_once_leave_one_active_card(alice, registrar, monkeypatch):
    check = services.identity_check_record(
        person=alice,
        document_type=IdentityDocumentType.PASSPORT,
        document_last4="9Z9Z",
        branch="Caisse Rosemont",
        registrar=registrar,
    )
    certificates = [
        card_certificate_issue(
            public_key=ec.generate_private_key(ec.SECP256R1()).public_key(), user=alice
        )
        for _ in range(2)
    ]
    # Both threads find no active card before either inserts one.
    barrier_after(monkeypatch, services, "card_active_for", 2)

    def register(n: int):
        return services.card_register(
            person=alice, certificate=certificates[n], identity_check=check, registrar=registrar
        )

    outcomes = all_at_once(register, 2)

    assert sum(isinstance(o, errors.CardError) for o in outcomes) == 1
    assert Card.objects.filter(user=alice, status=CardStatus.ACTIVE).count() == 1


def test_one_nonce_sent_twice_at_once_signs_in_once(card, card_key, monkeypatch):
    first = Client()
    nonce = first.post("/login/card/nonce").json()["nonce"]
    second = Client()
    second.cookies = first.cookies  # the same browser session, two requests at once
    token = token_make(key=card_key, certificate=card_certificate(card), nonce=nonce)
    # Both requests read the session, nonce included, before either saves it.
    barrier = threading.Barrier(2, timeout=10)
    real_cache = services.cache

    class WaitingCache:
        def add(self, *args, **kwargs):
            barrier.wait()
            return real_cache.add(*args, **kwargs)

        def __getattr__(self, name):
            return getattr(real_cache, name)

    monkeypatch.setattr(services, "cache", WaitingCache())

    def submit(client: Client) -> int:
        try:
            response = client.post(
                "/login/card/token",
                data=json.dumps({"token": token}),
                content_type="application/json",
            )
            return response.status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(submit, [first, second]))
    assert statuses == [200, 400]


def test_two_signing_keys_added_at_once_leave_one(
    alice, card_key, issue_card, registrar, monkeypatch
):
    """Two counters adding a slot 9C key to the same card issued before slot 9C: the
    conditional update keeps the first, the second is refused."""
    card = issue_card(alice, card_key, signing=False)
    certificates = [
        signing_certificate_issue(ec.generate_private_key(ec.SECP256R1())) for _ in range(2)
    ]
    # Both threads have checked the certificate before either writes it.
    barrier_after(monkeypatch, services, "_signing_columns", 2)

    def add(n: int):
        return services.card_signing_certificate_record(
            card=card, signing_certificate=certificates[n], registrar=registrar
        )

    outcomes = all_at_once(add, 2)

    assert sum(isinstance(o, errors.SigningKeyNotAddable) for o in outcomes) == 1
    card.refresh_from_db()
    recorded = [c for c in certificates if f"{c.serial_number:x}" == card.signing_serial_number]
    assert len(recorded) == 1
