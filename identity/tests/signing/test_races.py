"""Signing races between real transactions on PostgreSQL: each thread has its own
connection."""

import pytest

from core.tests.races import all_at_once, barrier_after
from identity.models import SignatureRequestStatus, VaultDocument, VaultDocumentKind
from identity.signing import services
from identity.tests.signing.pdfs import pdf_make

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgresql_only"),
]


def test_two_finishes_at_once_sign_once(alice, soft_card, monkeypatch):
    request = services.signature_request_own_create(person=alice, pdf=pdf_make(), title="Bail")
    started = services.signing_session_start(
        request=request,
        user=alice,
        assurance="substantial",
        certificate=soft_card.signing_certificate,
    )
    signature = soft_card.sign(started.signed_attributes)
    # Both threads have made and verified their signed PDF before either stores it.
    barrier_after(monkeypatch, services, "_signed_make", 2)

    def finish(n: int):
        return services.signature_request_sign(
            request=request,
            user=alice,
            assurance="substantial",
            session_public_id=started.session.public_id,
            signature=signature,
            disclose_name=False,
        )

    outcomes = all_at_once(finish, 2)

    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert {o.signed_document_id for o in outcomes} == {outcomes[0].signed_document_id}
    assert all(o.status == SignatureRequestStatus.SIGNED for o in outcomes)
    signed = VaultDocument.objects.filter(owner=alice, kind=VaultDocumentKind.SIGNED_DOCUMENT)
    assert signed.count() == 1
