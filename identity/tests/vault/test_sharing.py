"""Sharing with a service, ending a share, and deleting: each recorded where the person
looks (the vault's log, Connected services' release log) and in the audit trail."""

import datetime

import pytest
from django.utils import timezone

from identity.audit import audit_events_for
from identity.models import (
    AuditEvent,
    OidcClaimRelease,
    OidcClient,
    VaultAccess,
    VaultAction,
    VaultDocument,
)
from identity.vault import errors
from identity.vault.services import (
    vault_document_delete,
    vault_share_grant,
    vault_share_revoke,
)

DAY = datetime.timedelta(days=1)


def test_a_share_is_logged_released_and_audited(alice, connected, deposit):
    document = deposit()
    expires_at = timezone.now() + 30 * DAY
    share = vault_share_grant(
        document=document, client=connected, expires_at=expires_at, acting_user=alice
    )
    release = OidcClaimRelease.objects.get(user=alice, client=connected)
    assert release.claims == ["shared_document"]
    assert release.detail["document"] == str(document.public_id)
    logged = VaultAccess.objects.filter(document=document, action=VaultAction.SHARE).get()
    assert logged.actor_user == alice
    assert logged.detail["client_name"] == connected.name
    assert [event.action for event in audit_events_for(share)] == ["vault.share_grant"]


def test_signing_records_its_share_as_a_signed_document(alice, connected, deposit):
    vault_share_grant(
        document=deposit(),
        client=connected,
        expires_at=timezone.now() + DAY,
        acting_user=alice,
        release_claim="signed_document",
    )
    assert OidcClaimRelease.objects.get(user=alice).claims == ["signed_document"]


def test_a_share_of_more_than_90_days_is_refused(alice, connected, deposit):
    with pytest.raises(errors.VaultShareTooLong):
        vault_share_grant(
            document=deposit(),
            client=connected,
            expires_at=timezone.now() + 90 * DAY + datetime.timedelta(minutes=1),
            acting_user=alice,
        )


def test_a_share_ending_in_the_past_is_refused(alice, connected, deposit):
    with pytest.raises(errors.VaultShareInPast):
        vault_share_grant(
            document=deposit(),
            client=connected,
            expires_at=timezone.now() - datetime.timedelta(seconds=1),
            acting_user=alice,
        )


def test_sharing_with_a_service_one_is_not_connected_to_is_refused(alice, city, deposit):
    with pytest.raises(errors.VaultShareClientNotConnected):
        vault_share_grant(
            document=deposit(), client=city, expires_at=timezone.now() + DAY, acting_user=alice
        )


def test_sharing_with_a_deactivated_service_is_refused(alice, connected, deposit):
    OidcClient.objects.filter(pk=connected.pk).update(is_active=False)
    connected.refresh_from_db()
    with pytest.raises(errors.VaultShareClientNotConnected):
        vault_share_grant(
            document=deposit(), client=connected, expires_at=timezone.now() + DAY, acting_user=alice
        )


def test_another_person_cannot_share_my_document(bob, connected, deposit):
    with pytest.raises(errors.VaultAccessDenied):
        vault_share_grant(
            document=deposit(), client=connected, expires_at=timezone.now() + DAY, acting_user=bob
        )


def test_a_deleted_document_cannot_be_shared(alice, connected, deposit):
    document = vault_document_delete(document=deposit(), acting_user=alice)
    with pytest.raises(errors.VaultDocumentDeleted):
        vault_share_grant(
            document=document, client=connected, expires_at=timezone.now() + DAY, acting_user=alice
        )


def test_revoking_twice_changes_nothing_the_second_time(alice, connected, deposit):
    share = vault_share_grant(
        document=deposit(), client=connected, expires_at=timezone.now() + DAY, acting_user=alice
    )
    first = vault_share_revoke(share=share, acting_user=alice)
    second = vault_share_revoke(share=share, acting_user=alice)
    assert first.revoked_at == second.revoked_at is not None
    assert VaultAccess.objects.filter(action=VaultAction.UNSHARE).count() == 1
    assert AuditEvent.objects.filter(action="vault.share_revoke").count() == 1


def test_another_person_cannot_revoke_my_share(alice, bob, connected, deposit):
    share = vault_share_grant(
        document=deposit(), client=connected, expires_at=timezone.now() + DAY, acting_user=alice
    )
    with pytest.raises(errors.VaultAccessDenied):
        vault_share_revoke(share=share, acting_user=bob)


# --- Deleting ------------------------------------------------------------------------


def test_deleting_erases_the_file_and_the_key_and_keeps_a_tombstone(
    alice, deposit, vault_root, django_capture_on_commit_callbacks
):
    document = deposit()
    path = vault_root / document.blob_name
    with django_capture_on_commit_callbacks(execute=True):
        vault_document_delete(document=document, acting_user=alice)
    assert not path.exists()
    row = VaultDocument.objects.get(pk=document.pk)
    assert row.deleted_at is not None
    assert (row.blob_name, row.kek_id, row.data_key_wrapped, row.nonce) == ("", "", None, None)
    assert row.title == document.title
    assert VaultAccess.objects.filter(document=document, action=VaultAction.DELETE).exists()
    assert [event.action for event in audit_events_for(row)] == ["vault.document_delete"]


def test_deleting_before_keep_until_is_refused(alice, deposit, vault_root):
    document = deposit(keep_until=timezone.now() + 365 * DAY)
    with pytest.raises(errors.VaultRetention) as refused:
        vault_document_delete(document=document, acting_user=alice)
    assert refused.value.code == "vault_retention"
    assert (vault_root / document.blob_name).exists()
    assert VaultDocument.objects.get(pk=document.pk).deleted_at is None


def test_deleting_after_keep_until_is_allowed(alice, deposit, move_time):
    document = deposit(keep_until=timezone.now() + 365 * DAY)
    move_time(366 * DAY)
    assert vault_document_delete(document=document, acting_user=alice).deleted_at is not None


def test_deleting_twice_changes_nothing_the_second_time(alice, deposit):
    document = deposit()
    first = vault_document_delete(document=document, acting_user=alice)
    second = vault_document_delete(document=document, acting_user=alice)
    assert first.deleted_at == second.deleted_at
    assert VaultAccess.objects.filter(action=VaultAction.DELETE).count() == 1


def test_another_person_cannot_delete_my_document(bob, deposit):
    with pytest.raises(errors.VaultAccessDenied):
        vault_document_delete(document=deposit(), acting_user=bob)
