"""The vault's pages, through the Django test client as a signed-in person."""

import datetime
import io
import json
import zipfile

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from identity.models import (
    SignatureMode,
    SignatureRequest,
    VaultAccess,
    VaultAction,
    VaultDocument,
    VaultDocumentKind,
    VaultShare,
)
from identity.tests.vault.conftest import MARKER
from identity.vault.services import vault_document_open, vault_keys_rewrap, vault_share_grant

DAY = datetime.timedelta(days=1)


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


def page(document, name="vault:document"):
    return reverse(name, args=[document.public_id])


def test_every_page_needs_a_signed_in_person(client, deposit):
    document = deposit()
    for url in (
        reverse("vault:home"),
        reverse("vault:log"),
        reverse("vault:export"),
        page(document),
        page(document, "vault:download"),
        page(document, "vault:view"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("identity:login")), url


def test_home_lists_my_documents_by_kind_and_not_others(signed_in, deposit, bob):
    deposit(title="Relevé de membre 2026", kind=VaultDocumentKind.MEMBERSHIP_STATEMENT)
    deposit(title="Reçu de la boutique", kind=VaultDocumentKind.RECEIPT)
    deposit(title="Le document de Bob", owner=bob)
    response = signed_in.get(reverse("vault:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="vault-kind-membership_statement"' in html
    assert 'id="vault-kind-receipt"' in html
    assert "Relevé de membre 2026" in html
    assert "Le document de Bob" not in html
    assert 'id="vault-to-sign-empty"' in html


def test_home_costs_the_same_queries_for_3_and_30_documents(
    signed_in, deposit, django_assert_max_num_queries
):
    for number in range(3):
        deposit(title=f"Reçu {number}")
    signed_in.get(reverse("vault:home"))
    with django_assert_max_num_queries(8) as few:
        signed_in.get(reverse("vault:home"))
    for number in range(27):
        deposit(title=f"Reçu de plus {number}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        signed_in.get(reverse("vault:home"))


def test_home_lists_the_requests_waiting_for_my_signature(signed_in, alice, bob, deposit, city):
    document = deposit(kind=VaultDocumentKind.DOCUMENT_TO_SIGN, title="Permis de rénovation")

    def request_for(person, **fields):
        return SignatureRequest.objects.create(
            client=city,
            person=person,
            title=fields.pop("title", "Permis de rénovation"),
            mode=SignatureMode.PADES,
            document=document,
            document_sha256=document.sha256,
            expires_at=fields.pop("expires_at", timezone.now() + 7 * DAY),
            **fields,
        )

    waiting = request_for(alice)
    request_for(alice, title="Expirée", expires_at=timezone.now() - DAY)
    request_for(bob, title="Celle de Bob")
    html = signed_in.get(reverse("vault:home")).content.decode()
    assert f'data-signature-request="{waiting.public_id}"' in html
    assert "Expirée" not in html
    assert "Celle de Bob" not in html
    try:
        sign_url = reverse("signing:request", args=[waiting.public_id])
    except NoReverseMatch:
        sign_url = None
    if sign_url:
        assert f'href="{sign_url}"' in html
    else:
        # Before the signing pages exist, the title is shown without a link.
        assert ">Permis de rénovation</th>" in html


def test_the_account_hub_links_to_the_safe(signed_in, deposit):
    deposit()
    html = signed_in.get(reverse("identity:account")).content.decode()
    assert 'id="panel-vault"' in html
    assert f'href="{reverse("vault:home")}"' in html


def test_another_persons_document_is_404_on_every_page(client, bob, deposit):
    document = deposit()
    client.force_login(bob)
    for name in ("vault:document", "vault:download", "vault:view", "vault:delete"):
        assert client.get(page(document, name)).status_code == 404, name
    assert client.post(page(document, "vault:share"), {"days": 7}).status_code == 404
    assert not VaultAccess.objects.exclude(action=VaultAction.DEPOSIT).exists()


def test_the_document_page_shows_its_facts_and_history(signed_in, deposit, city):
    document = deposit(title="Relevé annuel", source_client=city)
    html = signed_in.get(page(document)).content.decode()
    assert "Relevé annuel" in html
    assert city.name in html
    assert document.sha256 in html
    assert 'data-action="deposit"' in html


def test_download_gives_the_file_and_logs_it(signed_in, deposit):
    document = deposit(content=b"%PDF-1.7 " + MARKER, title="Reçu 42")
    response = signed_in.get(page(document, "vault:download"))
    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 " + MARKER
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "recu-42.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert VaultAccess.objects.filter(document=document).first().action == VaultAction.DOWNLOAD


def test_view_shows_a_pdf_inline_and_logs_a_view(signed_in, deposit):
    document = deposit()
    response = signed_in.get(page(document, "vault:view"))
    assert response["Content-Disposition"].startswith("inline")
    assert VaultAccess.objects.filter(document=document).first().action == VaultAction.VIEW


def test_view_of_a_type_the_browser_could_run_downloads_instead(signed_in, deposit):
    document = deposit(content=b"<script>alert(1)</script>", content_type="text/html")
    response = signed_in.get(page(document, "vault:view"))
    assert response.status_code == 302
    assert response["Location"] == page(document, "vault:download")


def test_sharing_from_the_page(signed_in, alice, connected, deposit):
    document = deposit()
    html = signed_in.get(page(document)).content.decode()
    assert 'id="document-share-form"' in html
    response = signed_in.post(page(document, "vault:share"), {"client": connected.pk, "days": 30})
    assert response.status_code == 302
    share = VaultShare.objects.get(document=document)
    assert share.client == connected
    assert (
        datetime.timedelta(days=30) - datetime.timedelta(minutes=1)
        < share.expires_at - share.granted_at
        <= datetime.timedelta(days=30)
    )


def test_sharing_with_a_service_not_connected_is_refused_by_the_form(signed_in, city, deposit):
    document = deposit()
    html = signed_in.get(page(document)).content.decode()
    assert 'id="document-share-none"' in html
    response = signed_in.post(page(document, "vault:share"), {"client": city.pk, "days": 7})
    assert response.status_code == 400
    assert not VaultShare.objects.exists()


def test_a_duration_not_offered_is_refused(signed_in, connected, deposit):
    document = deposit()
    response = signed_in.post(page(document, "vault:share"), {"client": connected.pk, "days": 365})
    assert response.status_code == 400
    assert not VaultShare.objects.exists()


def test_stopping_a_share_from_the_page(signed_in, alice, connected, deposit):
    document = deposit()
    share = vault_share_grant(
        document=document, client=connected, expires_at=timezone.now() + DAY, acting_user=alice
    )
    url = reverse("vault:unshare", args=[document.public_id, share.pk])
    assert signed_in.get(url).status_code == 405
    assert signed_in.post(url).status_code == 302
    share.refresh_from_db()
    assert share.revoked_at is not None


def test_a_share_of_another_document_cannot_be_stopped_through_this_one(
    signed_in, alice, connected, deposit
):
    first, second = deposit(), deposit()
    share = vault_share_grant(
        document=first, client=connected, expires_at=timezone.now() + DAY, acting_user=alice
    )
    url = reverse("vault:unshare", args=[second.public_id, share.pk])
    assert signed_in.post(url).status_code == 404


def test_deleting_asks_then_deletes(
    signed_in, deposit, vault_root, django_capture_on_commit_callbacks
):
    document = deposit()
    response = signed_in.get(page(document, "vault:delete"))
    assert 'id="vault-delete-form"' in response.content.decode()
    assert signed_in.post(page(document, "vault:delete")).status_code == 200
    assert VaultDocument.objects.get(pk=document.pk).deleted_at is None
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(page(document, "vault:delete"), {"confirm": "yes"})
    assert response.status_code == 302
    assert VaultDocument.objects.get(pk=document.pk).deleted_at is not None
    assert not (vault_root / document.blob_name).exists()
    assert signed_in.get(page(document, "vault:download")).status_code == 404
    html = signed_in.get(page(document)).content.decode()
    assert 'id="document-deleted"' in html


def test_deleting_a_document_the_law_keeps_is_refused(signed_in, deposit):
    signed_in.cookies["django_language"] = "en"
    document = deposit(keep_until=timezone.now() + 365 * DAY)
    html = signed_in.get(page(document)).content.decode()
    assert "Required by law" in html
    response = signed_in.post(page(document, "vault:delete"), {"confirm": "yes"}, follow=True)
    assert VaultDocument.objects.get(pk=document.pk).deleted_at is None
    assert "The law requires this document to be kept until" in response.content.decode()


def test_the_journal_lists_every_access_newest_first_and_only_mine(
    signed_in, alice, bob, connected, deposit
):
    document = deposit(title="Relevé")
    vault_document_open(document=document, actor_user=alice, action="download")
    vault_share_grant(
        document=document, client=connected, expires_at=timezone.now() + DAY, acting_user=alice
    )
    vault_document_open(document=document, actor_client=connected)
    deposit(owner=bob, title="Le relevé de Bob")
    html = signed_in.get(reverse("vault:log")).content.decode()
    actions = [part.split('"')[0] for part in html.split('data-action="')[1:]]
    assert actions == ["view", "share", "download", "deposit"]
    assert 'data-actor="client"' in html
    assert connected.name in html
    assert "Le relevé de Bob" not in html


def test_the_journal_is_paginated_at_the_same_query_cost(
    signed_in, alice, deposit, django_assert_max_num_queries
):
    document = deposit()
    for _ in range(60):
        vault_document_open(document=document, actor_user=alice)
    first = signed_in.get(reverse("vault:log"))
    assert first.content.decode().count('<tr data-action="') == 50
    assert 'rel="next"' in first.content.decode()
    with django_assert_max_num_queries(9):
        second = signed_in.get(reverse("vault:log") + "?page=2")
    assert second.content.decode().count('<tr data-action="') == 11


def test_the_journal_folds_a_key_rotation_into_one_line(signed_in, deposit, settings):
    for _ in range(3):
        deposit()
    settings.VAULT_KEYS = ["a2V5LXJvdGF0aW9uLXRlc3Qta2V5LTMyLWJ5dGVzISE=", *settings.VAULT_KEYS]
    assert vault_keys_rewrap(batch=2) == 3
    html = signed_in.get(reverse("vault:log")).content.decode()
    assert 'data-action="rewrap"' not in html
    assert 'id="vault-rotations"' in html
    assert "3 documents" in html


def test_export_streams_a_zip_of_everything_and_logs_it(signed_in, alice, deposit, vault_root):
    first = deposit(content=b"%PDF first " + MARKER, title="Relevé", kind="membership_statement")
    second = deposit(content=b"second", title="Notes", content_type="text/plain")
    files_before = sorted(vault_root.rglob("*"))
    assert "2 documents" in signed_in.get(reverse("vault:export")).content.decode()
    response = signed_in.post(reverse("vault:export"))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    manifest = json.loads(archive.read("manifest.json"))
    assert {entry["id"] for entry in manifest} == {str(first.public_id), str(second.public_id)}
    contents = {entry["id"]: archive.read(entry["file"]) for entry in manifest}
    assert contents[str(first.public_id)] == b"%PDF first " + MARKER
    assert contents[str(second.public_id)] == b"second"
    assert any(name.startswith("membership_statement/") for name in archive.namelist())
    assert sorted(vault_root.rglob("*")) == files_before
    exported = VaultAccess.objects.filter(action=VaultAction.EXPORT)
    assert {row.document_id for row in exported} == {first.pk, second.pk}
    assert len({row.detail["export"] for row in exported}) == 1


def test_export_needs_a_post(signed_in, deposit):
    deposit()
    signed_in.get(reverse("vault:export"))
    assert not VaultAccess.objects.filter(action=VaultAction.EXPORT).exists()
