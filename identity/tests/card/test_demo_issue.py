"""`manage.py card_demo_issue`: the demo card goes through the registrar's issuance
services, proof of possession included, and respects who may issue to whom."""

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command

from card_agent.agent import CardAgent, fixed_pin
from card_agent.softcard import SoftCardSource
from card_agent.tests.test_agent_softcard import server_verifies
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
    # A second run leaves the card alone.
    call_command("card_demo_issue", state=state)
    assert Card.objects.filter(user=demo_people["shopper"]).count() == 1


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
