"""Who reads a vault document: its owner, or a service with a live share. One test per
refusal (identity.vault.selectors.access_vault_document_read)."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from identity.models import (
    OidcClient,
    VaultAccess,
    VaultAction,
    VaultActorKind,
    VaultDocument,
    VaultShare,
)
from identity.tests.vault.conftest import MARKER
from identity.vault import errors
from identity.vault.services import (
    vault_document_delete,
    vault_document_open,
    vault_share_grant,
    vault_share_revoke,
)

DAY = datetime.timedelta(days=1)


@pytest.fixture
def shared(alice, connected, deposit):
    document = deposit()
    share = vault_share_grant(
        document=document, client=connected, expires_at=timezone.now() + 7 * DAY, acting_user=alice
    )
    return document, share


def test_the_owner_reads(alice, deposit):
    assert MARKER in vault_document_open(document=deposit(), actor_user=alice)


def test_another_person_is_refused(bob, deposit):
    with pytest.raises(errors.VaultAccessDenied):
        vault_document_open(document=deposit(), actor_user=bob)


def test_an_anonymous_visitor_is_refused(deposit):
    with pytest.raises(errors.VaultAccessDenied):
        vault_document_open(document=deposit(), actor_user=AnonymousUser())


def test_a_deactivated_owner_is_refused(alice, deposit):
    document = deposit()
    alice.is_active = False
    with pytest.raises(errors.VaultAccessDenied):
        vault_document_open(document=document, actor_user=alice)


def test_no_actor_is_refused(deposit):
    with pytest.raises(errors.VaultAccessDenied):
        vault_document_open(document=deposit())


def test_two_actors_at_once_are_refused(alice, shared):
    document, share = shared
    with pytest.raises(errors.VaultAccessDenied):
        vault_document_open(document=document, actor_user=alice, actor_client=share.client)


def test_a_service_with_a_live_share_reads_and_is_logged(shared):
    document, share = shared
    content = vault_document_open(document=document, actor_client=share.client, action="download")
    assert MARKER in content
    last = VaultAccess.objects.filter(document=document).first()
    assert (last.action, last.actor_kind, last.actor_client) == (
        VaultAction.DOWNLOAD,
        VaultActorKind.CLIENT,
        share.client,
    )


def test_a_service_without_a_share_is_refused(city, deposit):
    with pytest.raises(errors.VaultShareMissing):
        vault_document_open(document=deposit(), actor_client=city)


def test_a_service_whose_share_expired_is_refused(shared, move_time):
    document, share = shared
    move_time(7 * DAY + datetime.timedelta(seconds=1))
    with pytest.raises(errors.VaultShareMissing):
        vault_document_open(document=document, actor_client=share.client)


def test_a_share_still_reads_just_before_it_expires(shared, move_time):
    document, share = shared
    move_time(7 * DAY - datetime.timedelta(minutes=1))
    assert MARKER in vault_document_open(document=document, actor_client=share.client)


def test_a_service_whose_share_was_revoked_is_refused_at_once(alice, shared):
    document, share = shared
    vault_document_open(document=document, actor_client=share.client)
    vault_share_revoke(share=share, acting_user=alice)
    with pytest.raises(errors.VaultShareMissing):
        vault_document_open(document=document, actor_client=share.client)


def test_another_service_is_refused(shared, make_client):
    document, _share = shared
    other = make_client(name="Autre service", host="autre.example")
    with pytest.raises(errors.VaultShareMissing):
        vault_document_open(document=document, actor_client=other)


def test_a_share_of_another_document_does_not_read_this_one(shared, deposit):
    _document, share = shared
    with pytest.raises(errors.VaultShareMissing):
        vault_document_open(document=deposit(), actor_client=share.client)


def test_a_deactivated_service_is_refused_despite_its_share(shared):
    document, share = shared
    OidcClient.objects.filter(pk=share.client_id).update(is_active=False)
    share.client.refresh_from_db()
    with pytest.raises(errors.VaultAccessDenied):
        vault_document_open(document=document, actor_client=share.client)


def test_a_deleted_document_is_refused_to_its_owner(alice, deposit):
    document = vault_document_delete(document=deposit(), acting_user=alice)
    with pytest.raises(errors.VaultDocumentDeleted):
        vault_document_open(document=document, actor_user=alice)


def test_a_deleted_document_is_refused_to_a_service_that_had_a_share(alice, shared):
    document, share = shared
    document = vault_document_delete(document=document, acting_user=alice)
    with pytest.raises(errors.VaultShareMissing):
        vault_document_open(document=document, actor_client=share.client)
    assert VaultShare.objects.get(pk=share.pk).revoked_at == document.deleted_at


def test_a_write_action_is_not_a_read(alice, deposit):
    with pytest.raises(ValueError, match="not a read action"):
        vault_document_open(document=deposit(), actor_user=alice, action="delete")


def test_a_refused_read_writes_no_log_row(bob, deposit):
    document = deposit()
    with pytest.raises(errors.VaultAccessDenied):
        vault_document_open(document=document, actor_user=bob)
    assert list(VaultAccess.objects.filter(document=document).values_list("action", flat=True)) == [
        VaultAction.DEPOSIT
    ]


def test_a_document_deleted_since_it_was_loaded_is_refused(alice, deposit):
    document = deposit()
    stale = VaultDocument.objects.get(pk=document.pk)
    vault_document_delete(document=document, acting_user=alice)
    assert stale.deleted_at is None
    with pytest.raises(errors.VaultDocumentDeleted):
        vault_document_open(document=stale, actor_user=alice)
