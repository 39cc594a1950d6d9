"""`manage.py card_demo_issue`: the demo card goes through the registrar's issuance
services, proof of possession included, with both keys (a demo card made before slot 9C
gets its signature key on the next run), and respects who may issue to whom."""

import hashlib
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command

from card_agent import piv
from card_agent.agent import CardAgent, fixed_pin
from card_agent.softcard import SoftCardSource
from card_agent.tests.signed_attributes import minimal
from card_agent.tests.test_agent_softcard import server_verifies
from identity.audit import audit_events_for
from identity.models import Card, CardStatus
from identity.roles import Role

ORIGIN = "https://uniqc.test"
NONCE = "B" * 43 + "="


@pytest.fixture
def demo_people(make_user):
    return {
        "shopper": make_user("shopper@demo.uniqc.coop", roles=(Role.SHOPPER,)),
        "registrar": make_user("registrar@demo.uniqc.coop", roles=(Role.REGISTRAR,)),
        "admin": make_user("admin@demo.uniqc.coop", roles=(Role.COOP_ADMIN,), is_superuser=True),
    }


def test_the_demo_shopper_gets_a_card_from_the_demo_registrar(demo_people, tmp_path, capsys):
    state = tmp_path / "demo-card.json"
    call_command("card_demo_issue", state=state)
    card = Card.objects.get(user=demo_people["shopper"])
    assert card.status == CardStatus.ACTIVE
    assert card.issued_by == demo_people["registrar"]
    token = CardAgent(SoftCardSource.from_file(state)).sign(
        origin=ORIGIN, nonce=NONCE, pin_provider=fixed_pin("123456")
    )
    certificate = server_verifies(token, origin=ORIGIN, nonce=NONCE)
    assert certificate.public_bytes(serialization.Encoding.DER) == bytes(card.certificate_der)
    _signs_a_document(state, card)
    # A second run leaves the card alone.
    call_command("card_demo_issue", state=state)
    assert Card.objects.filter(user=demo_people["shopper"]).count() == 1


def _signs_a_document(state, card: Card) -> None:
    """The demo card signs a document with its slot 9C key, whose certificate the coop
    recorded on the card's row."""
    agent = CardAgent(SoftCardSource.from_file(state))
    assert agent.signing_certificate() == bytes(card.signing_certificate_der)
    digest = hashlib.sha256(b"a demo document").digest()
    signed = minimal(digest)
    signature = agent.sign_document(
        origin=ORIGIN,
        title="Demo",
        signed_attributes=signed,
        document_digest=digest,
        pin_provider=fixed_pin("123456"),
    )
    certificate = x509.load_der_x509_certificate(bytes(card.signing_certificate_der))
    certificate.public_key().verify(signature, signed, ec.ECDSA(hashes.SHA256()))


def test_a_demo_card_made_before_slot_9c_gets_its_signature_key(demo_people, tmp_path):
    """`make run` on a checkout whose demo card predates slot 9C: the next run adds the
    key through the registrar's service, and the card signs documents."""
    state = tmp_path / "demo-card.json"
    call_command("card_demo_issue", state=state)
    card = Card.objects.get(user=demo_people["shopper"])
    # Back to the card as it was issued before slot 9C: a version 1 file, no 9C columns.
    saved = json.loads(state.read_text())
    saved["objects"].pop(piv.OBJECT_SIGNATURE_CERTIFICATE.hex())
    state.write_text(
        json.dumps(
            {
                **{name: value for name, value in saved.items() if name != "keys"},
                "format": "uniqc-virtual-piv:1",
                "private_key": saved["keys"]["9a"],
            }
        )
    )
    Card.objects.filter(pk=card.pk).update(
        signing_serial_number="",
        signing_certificate_der=None,
        signing_fingerprint_sha256="",
        signing_pseudonym="",
    )
    call_command("card_demo_issue", state=state)
    card.refresh_from_db()
    assert card.status == CardStatus.ACTIVE and card.has_signing_key
    assert audit_events_for(card).filter(action="card.signing_key_add").exists()
    _signs_a_document(state, card)
    # A third run changes nothing.
    call_command("card_demo_issue", state=state)
    assert audit_events_for(card).filter(action="card.signing_key_add").count() == 1


def test_the_demo_registrars_card_comes_from_the_demo_superuser(demo_people, tmp_path):
    call_command(
        "card_demo_issue", state=tmp_path / "registrar.json", holder="registrar@demo.uniqc.coop"
    )
    card = Card.objects.get(user=demo_people["registrar"])
    assert card.status == CardStatus.ACTIVE
    assert card.issued_by == demo_people["admin"]


def test_no_card_without_the_holder_or_someone_allowed_to_issue_it(make_user, tmp_path, capsys):
    state = tmp_path / "demo-card.json"
    call_command("card_demo_issue", state=state)
    assert "shopper@demo.uniqc.coop is missing; run seed_demo." in capsys.readouterr().out
    make_user("shopper@demo.uniqc.coop", roles=(Role.SHOPPER,))
    call_command("card_demo_issue", state=state)
    assert "nobody may issue shopper@demo.uniqc.coop a card" in capsys.readouterr().out
    assert not state.exists()
    assert not Card.objects.exists()
