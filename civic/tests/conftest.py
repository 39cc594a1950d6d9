"""The civic tests' fixtures for tenders: a vault root of the test's own, the test card CA,
officials, a supplier's representative with an active card, and an open call."""

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from civic import tenders as services
from civic.tests import tender_helpers as helpers
from identity.card.ca import card_certificate_issue
from identity.card.services import card_register, identity_check_record
from identity.models import Card, IdentityDocumentType
from identity.roles import Role

NEQ_A = "1140000000"
NEQ_B = "2260000000"


@pytest.fixture(autouse=True)
def tender_vault_root(settings, tmp_path) -> Path:
    settings.VAULT_ROOT = tmp_path / "vault"
    return settings.VAULT_ROOT


@pytest.fixture
def creator(make_person):
    return helpers.official_make(make_person, "acheteuse@ville.example")


@pytest.fixture
def officials(make_person):
    return [helpers.official_make(make_person, f"officiel{i}@ville.example") for i in (1, 2, 3)]


@pytest.fixture
def issue_card_to(card_settings, make_person):
    registrar = make_person("guichet@example.com", Role.REGISTRAR)

    def issue(person) -> Card:
        check = identity_check_record(
            person=person,
            document_type=IdentityDocumentType.DRIVERS_LICENCE,
            document_last4="7K3Q",
            branch="Desjardins, Limoilou",
            registrar=registrar,
        )
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = card_certificate_issue(public_key=key.public_key(), user=person)
        return card_register(
            person=person, certificate=certificate, identity_check=check, registrar=registrar
        )

    return issue


@pytest.fixture
def representative(make_person, creator, issue_card_to):
    """Rémi, approved for supplier A, with an active card."""
    person = make_person("remi@deneigement.example", "shopper")
    services.supplier_representative_approve(
        neq=NEQ_A, legal_name="Déneigement Rémi inc.", person=person, acting_user=creator
    )
    person.card = issue_card_to(person)
    return person


@pytest.fixture
def representative_b(make_person, creator, issue_card_to):
    person = make_person("bea@trottoirs.example", "shopper")
    services.supplier_representative_approve(
        neq=NEQ_B, legal_name="Trottoirs Béa ltée", person=person, acting_user=creator
    )
    person.card = issue_card_to(person)
    return person


@pytest.fixture
def ceremony(creator, officials):
    call = helpers.call_make(creator=creator, officials=officials)
    return helpers.ceremony_run(call, officials, creator=creator)


@pytest.fixture
def open_call(ceremony):
    return ceremony.call
