"""Finding 8: a client's pairwise sector is recorded when it is registered (OIDC Core 8.1).

Before, the sector was recomputed as the redirect host that sorts first: adding a redirect
URI changed every `sub` the client had given out, and a client that listed another relying
party's host (never using it) received that party's subjects at its own host.
"""

import importlib
import uuid
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from identity.models import OidcClient
from identity.oidc.services import oidc_client_create
from identity.oidc.subjects import subject_for
from identity.oidc.validation import SECTOR_DOCUMENT_MAX_BYTES
from identity.tests.oidc.conftest import REDIRECT_URI

SHOP_URI = "https://shop.example/cb"
ATTACKER_URI = "https://zzz.attacker.example/cb"

migration_0008 = importlib.import_module("identity.migrations.0008_oidc_sector_and_staged_keys")


def create(redirect_uris: list[str], **fields) -> OidcClient:
    return oidc_client_create(name="Client", redirect_uris=redirect_uris, **fields).client


def refused_fields(**fields) -> set[str]:
    with pytest.raises(ValidationError) as refused:
        create(**fields)
    return set(refused.value.message_dict)


@pytest.mark.django_db(transaction=True)
def test_adding_a_redirect_uri_on_a_host_that_sorts_first_keeps_every_sub(
    provider, register, alice, sector_documents
):
    document = sector_documents.serve(
        "https://rp.example/sector.json", [REDIRECT_URI, "https://aaa.example/cb"]
    )
    registered = register(sector_identifier_uri=document)
    provider.sign_in()
    token, _ = provider.code_flow(registered)
    before = provider.id_token_claims(token["id_token"])["sub"]

    client = OidcClient.objects.get(client_id=registered.client_id)
    client.redirect_uris = [*client.redirect_uris, "https://aaa.example/cb"]
    client.full_clean()
    client.save()

    token, _ = provider.code_flow(registered)
    assert provider.id_token_claims(token["id_token"])["sub"] == before
    assert OidcClient.objects.get(pk=client.pk).sector_identifier == "rp.example"


@pytest.mark.django_db
def test_redirect_uris_on_two_hosts_without_a_sector_identifier_uri_are_refused():
    assert refused_fields(redirect_uris=[SHOP_URI, ATTACKER_URI]) == {"redirect_uris"}
    assert not OidcClient.objects.exists()


@pytest.mark.django_db
def test_a_client_listing_another_rps_host_does_not_get_its_subjects(sector_documents, alice):
    shop = create([SHOP_URI])
    # The attacker's own document may list the shop's address: the sector is then the
    # attacker's host, whose subjects are not the shop's.
    document = sector_documents.serve(
        "https://zzz.attacker.example/sector.json", [SHOP_URI, ATTACKER_URI]
    )
    attacker = create([SHOP_URI, ATTACKER_URI], sector_identifier_uri=document)
    assert attacker.sector_identifier == "zzz.attacker.example"
    assert subject_for(user=alice, client=attacker) != subject_for(user=alice, client=shop)


@pytest.mark.django_db
def test_a_sector_identifier_uri_on_another_rps_host_must_be_served_by_it(sector_documents):
    # The shop serves no such document: the attacker cannot name the shop's host.
    uri = "https://shop.example/sector.json"
    assert refused_fields(redirect_uris=[ATTACKER_URI], sector_identifier_uri=uri) == {
        "sector_identifier_uri"
    }
    assert sector_documents.fetched == [uri]
    assert not OidcClient.objects.exists()


@pytest.mark.django_db
def test_a_sector_document_that_does_not_list_a_redirect_uri_is_refused(sector_documents):
    document = sector_documents.serve("https://shop.example/sector.json", [SHOP_URI])
    assert refused_fields(
        redirect_uris=[SHOP_URI, ATTACKER_URI], sector_identifier_uri=document
    ) == {"sector_identifier_uri"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("uri", "body"),
    [
        ("http://shop.example/sector.json", b"[]"),  # not https
        ("https://shop.example/sector.json#x", b"[]"),  # a fragment
        ("https://shop.example/unreachable.json", None),
        ("https://shop.example/sector.json", b"<html>"),
        ("https://shop.example/sector.json", b'{"redirect_uris": ["https://shop.example/cb"]}'),
        ("https://shop.example/sector.json", b"[1]"),
        ("https://shop.example/sector.json", b"[" * 5000 + b"]" * 5000),
        (
            "https://shop.example/sector.json",
            b'["https://shop.example/cb", "' + b"a" * SECTOR_DOCUMENT_MAX_BYTES + b'"]',
        ),
    ],
    ids=["http", "fragment", "unreachable", "html", "object", "not-strings", "deep", "large"],
)
def test_an_unusable_sector_identifier_uri_is_refused(sector_documents, uri, body):
    if body is not None:
        sector_documents.served[uri] = body
    assert refused_fields(redirect_uris=[SHOP_URI], sector_identifier_uri=uri) == {
        "sector_identifier_uri"
    }
    assert not OidcClient.objects.exists()


@pytest.mark.django_db
def test_redirect_uris_cannot_move_to_another_host_without_a_sector_document():
    client = create([SHOP_URI])
    client.redirect_uris = [ATTACKER_URI]
    with pytest.raises(ValidationError) as refused:
        client.full_clean()
    assert set(refused.value.message_dict) == {"redirect_uris"}


@pytest.mark.django_db
def test_the_recorded_sector_cannot_be_changed():
    client = create([SHOP_URI])
    client.sector_identifier = "zzz.attacker.example"
    with pytest.raises(ValidationError) as refused:
        client.full_clean()
    assert set(refused.value.message_dict) == {"sector_identifier"}


@pytest.mark.django_db
def test_a_later_sector_identifier_uri_must_be_on_the_recorded_sector(sector_documents):
    client = create([SHOP_URI])
    client.sector_identifier_uri = sector_documents.serve(
        "https://zzz.attacker.example/sector.json", [SHOP_URI]
    )
    with pytest.raises(ValidationError) as refused:
        client.full_clean()
    assert set(refused.value.message_dict) == {"sector_identifier_uri"}


@pytest.mark.django_db
def test_a_sector_document_on_the_recorded_host_lets_a_client_add_another_host(
    sector_documents, alice
):
    """How a client migrated with redirect URIs on several hosts, or one that grows, adds
    a host: a document on its sector host, read again when its redirect URIs change."""
    client = create([SHOP_URI])
    before = subject_for(user=alice, client=client)
    client.sector_identifier_uri = sector_documents.serve(
        "https://shop.example/sector.json", [SHOP_URI, "https://aaa.example/cb"]
    )
    client.redirect_uris = [SHOP_URI, "https://aaa.example/cb"]
    client.full_clean()
    client.save()
    client.name = "Renamed"
    client.full_clean()
    assert len(sector_documents.fetched) == 1  # not read again for an unrelated edit
    stored = OidcClient.objects.get(pk=client.pk)
    assert stored.sector_identifier == "shop.example"
    assert subject_for(user=alice, client=stored) == before


def test_sector_before_0008_is_what_the_old_property_computed():
    before = migration_0008.sector_before_0008
    args = {"sector_identifier": "", "client_id": "cid"}
    assert before(
        **args, redirect_uris=["https://zeta.example/cb", "https://alpha.example/cb"]
    ) == ("alpha.example")
    assert before(**args, redirect_uris=["http://127.0.0.1:8001/cb"]) == "127.0.0.1"
    assert before(**args, redirect_uris=[]) == "cid"
    assert (
        before(sector_identifier="ville.example", client_id="cid", redirect_uris=[SHOP_URI])
        == "ville.example"
    )


@pytest.mark.django_db(transaction=True)
def test_migration_0008_keeps_the_subjects_of_existing_clients():
    executor = MigrationExecutor(connection)
    executor.migrate([("identity", "0007_audit_event")])
    old_apps = executor.loader.project_state(("identity", "0007_audit_event")).apps
    OldClient = old_apps.get_model("identity", "OidcClient")
    rows = {
        "alpha.example": ["https://zeta.example/cb", "https://alpha.example/cb"],
        "ville.example": [SHOP_URI],  # an explicit sector identifier, kept
        "shop.example": [SHOP_URI],
    }
    for sector, redirect_uris in rows.items():
        OldClient.objects.create(
            client_id=sector,
            name=sector,
            is_public=True,
            redirect_uris=redirect_uris,
            sector_identifier="ville.example" if sector == "ville.example" else "",
        )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    person = SimpleNamespace(public_id=uuid.uuid4())
    for sector in rows:
        migrated = OidcClient.objects.get(client_id=sector)
        assert migrated.sector_identifier == sector
        # The `sub` the old code derived from its sector, for the same person.
        old = SimpleNamespace(is_internal=False, sector_identifier=sector)
        assert subject_for(user=person, client=migrated) == subject_for(user=person, client=old)


@pytest.mark.django_db
def test_the_sub_does_not_follow_the_redirect_uris(alice):
    """Even a write that skips validation leaves the sub alone: the sector is stored, not
    recomputed from the redirect URIs (before, `aaa.example` sorting first became it)."""
    client = create([REDIRECT_URI])
    before = subject_for(user=alice, client=client)
    client.redirect_uris = [REDIRECT_URI, "https://aaa.example/cb"]
    client.save()
    assert subject_for(user=alice, client=OidcClient.objects.get(pk=client.pk)) == before
