"""Cards in the admin: registrars find and revoke them; nobody edits them by hand."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from identity.audit import audit_events_for
from identity.models import CardRevocationReason, CardStatus
from identity.roles import Role

CHANGELIST = "admin:identity_card_changelist"


def test_registrar_lists_and_revokes_a_stolen_card(client, registrar, card, sign_in_at):
    sign_in_at(client, registrar, "high")
    page = client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    assert card.serial_number in page.content.decode()
    response = client.post(
        reverse(CHANGELIST),
        {"action": "revoke_stolen", "_selected_action": [card.pk]},
    )
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.status == CardStatus.REVOKED
    assert card.revocation_reason == CardRevocationReason.STOLEN
    (event,) = audit_events_for(card).filter(action="card.revoke")
    assert event.acting_user == registrar
    assert event.subject_user == card.user
    assert event.detail["reason"] == CardRevocationReason.STOLEN


@pytest.mark.parametrize("acr", ["low", "substantial"])
def test_a_registrar_without_their_card_cannot_revoke(client, registrar, card, sign_in_at, acr):
    """Revoking someone's card needs the registrar pages' assurance: their own card."""
    sign_in_at(client, registrar, acr)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "revoke_stolen" not in page
    with translation.override("fr"):  # the admin speaks French first
        assert gettext("To revoke a card, sign in with your own card.") in page
    client.post(reverse(CHANGELIST), {"action": "revoke_stolen", "_selected_action": [card.pk]})
    card.refresh_from_db()
    assert card.status == CardStatus.ACTIVE
    assert not audit_events_for(card).filter(action="card.revoke").exists()


def test_a_superuser_without_their_card_cannot_revoke(client, make_person, card, sign_in_at):
    superuser = make_person("root@example.ca", Role.COOP_ADMIN)
    superuser.is_superuser = True
    superuser.save(update_fields=["is_superuser"])
    sign_in_at(client, superuser, "low")
    client.post(reverse(CHANGELIST), {"action": "revoke_stolen", "_selected_action": [card.pk]})
    card.refresh_from_db()
    assert card.status == CardStatus.ACTIVE


def test_coop_admin_sees_cards_but_cannot_revoke(client, make_person, card):
    admin = make_person("admin@example.ca", Role.COOP_ADMIN)
    client.force_login(admin)
    page = client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    assert "revoke_stolen" not in page.content.decode()
    client.post(reverse(CHANGELIST), {"action": "revoke_stolen", "_selected_action": [card.pk]})
    card.refresh_from_db()
    assert card.status == CardStatus.ACTIVE


def test_a_card_cannot_be_edited_or_deleted_by_hand(client, registrar, card):
    client.force_login(registrar)
    change = reverse("admin:identity_card_change", args=[card.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(change, {"status": "active"}).status_code == 403
    assert client.get(reverse("admin:identity_card_delete", args=[card.pk])).status_code == 403


def test_a_shopper_has_no_card_admin(client, make_person, card):
    client.force_login(make_person("s@example.ca", Role.SHOPPER))
    assert client.get(reverse(CHANGELIST)).status_code == 302
