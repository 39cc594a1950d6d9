"""The holder's list of passkeys: names, dates, card; renaming and removal; a revoked
card takes its passkeys with it."""

import pytest
from django.urls import reverse

from identity.card.services import card_revoke
from identity.models import CardRevocationReason, Passkey
from identity.passkeys.services import passkeys_revoke_for_card
from identity.tests.passkeys.conftest import session_client


@pytest.fixture
def passkey(alice, card) -> Passkey:
    return Passkey.objects.create(
        user=alice, card=card, credential_id=b"cred-1", public_key=b"k", name="Mon portable"
    )


def test_list_shows_name_dates_and_card(passkey, alice, card):
    page = session_client(alice, acr="substantial").get(reverse("identity:passkeys:list"))
    content = page.content.decode()
    assert page.status_code == 200
    assert "Mon portable" in content
    assert card.serial_number[:14] in content


def test_list_needs_a_signed_in_person(client):
    response = client.get(reverse("identity:passkeys:list"))
    assert response.status_code == 302


def test_rename(passkey, alice):
    client = session_client(alice, acr="substantial")
    response = client.post(
        reverse("identity:passkeys:rename", args=[passkey.pk]), {"name": "  Ordi  du bureau "}
    )
    assert response.status_code == 302
    passkey.refresh_from_db()
    assert passkey.name == "Ordi du bureau"


def test_rename_to_nothing_keeps_the_name(passkey, alice):
    client = session_client(alice, acr="substantial")
    client.post(reverse("identity:passkeys:rename", args=[passkey.pk]), {"name": " "})
    passkey.refresh_from_db()
    assert passkey.name == "Mon portable"


def test_remove(passkey, alice):
    client = session_client(alice, acr="substantial")
    response = client.post(reverse("identity:passkeys:remove", args=[passkey.pk]))
    assert response.status_code == 302
    passkey.refresh_from_db()
    assert passkey.revoked_at is not None
    page = client.get(reverse("identity:passkeys:list")).content.decode()
    assert f'data-passkey-id="{passkey.pk}"' not in page


def test_remove_needs_post(passkey, alice):
    client = session_client(alice, acr="substantial")
    assert client.get(reverse("identity:passkeys:remove", args=[passkey.pk])).status_code == 405
    passkey.refresh_from_db()
    assert passkey.revoked_at is None


@pytest.mark.parametrize("action", ["rename", "remove"])
def test_another_persons_passkey_is_not_found(passkey, make_user, action):
    bob = make_user("bob@example.com")
    client = session_client(bob, acr="substantial")
    response = client.post(reverse(f"identity:passkeys:{action}", args=[passkey.pk]), {"name": "x"})
    assert response.status_code == 404
    passkey.refresh_from_db()
    assert (passkey.name, passkey.revoked_at) == ("Mon portable", None)


def test_revoking_a_card_revokes_only_its_passkeys(
    passkey, alice, card, make_user, card_key, issue_card
):
    bob = make_user("bob@example.com")
    bob_card = issue_card(bob, card_key)
    bobs = Passkey.objects.create(
        user=bob, card=bob_card, credential_id=b"cred-2", public_key=b"k", name="Bob"
    )
    card_revoke(card=card, reason=CardRevocationReason.LOST, acting_user=alice)
    passkey.refresh_from_db()
    bobs.refresh_from_db()
    assert passkey.revoked_at is not None
    assert bobs.revoked_at is None
    assert passkeys_revoke_for_card(card=card) == 0
