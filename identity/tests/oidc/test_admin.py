"""Coop admins register clients in the admin; the secret is shown once, stored as a digest."""

import re

import pytest
from django.contrib.auth.models import Permission

from identity.models import OidcClient
from identity.oidc.services import digest
from identity.roles import Role

pytestmark = [pytest.mark.django_db, pytest.mark.urls("identity.tests.oidc.admin_urls")]


@pytest.fixture
def admin_client(client, make_user):
    coop_admin = make_user("admin@example.com", roles=(Role.COOP_ADMIN,))
    coop_admin.user_permissions.add(*Permission.objects.filter(codename__endswith="oidcclient"))
    client.force_login(coop_admin)
    return client


def shown_secret(response) -> str:
    messages = [str(message) for message in response.context["messages"]]
    found = [re.search(r": (\S+)$", message) for message in messages]
    secrets = [match.group(1) for match in found if match]
    assert len(secrets) == 1, messages
    return secrets[0]


def test_adding_a_client_shows_its_secret_once(admin_client):
    response = admin_client.post(
        "/admin/identity/oidcclient/add/",
        {
            "name": "Ville",
            "sector_identifier": "",
            "id_token_alg": "RS256",
            "redirect_uris": '["https://ville.example/cb"]',
            "post_logout_redirect_uris": "[]",
            "allowed_scopes": "openid age",
            "is_active": "on",
        },
        follow=True,
    )
    client = OidcClient.objects.get()
    assert client.client_secret_digest == digest(shown_secret(response))
    assert client.id_token_alg == "RS256"
    listing = admin_client.get("/admin/identity/oidcclient/")
    assert client.client_secret_digest not in listing.content.decode()


def test_unsafe_redirect_uri_is_refused_in_the_admin(admin_client):
    response = admin_client.post(
        "/admin/identity/oidcclient/add/",
        {
            "name": "Ville",
            "id_token_alg": "ES256",
            "redirect_uris": '["http://ville.example/cb"]',
            "post_logout_redirect_uris": "[]",
            "allowed_scopes": "openid",
        },
    )
    assert response.status_code == 200
    assert not OidcClient.objects.exists()


def test_secret_reset_action_shows_a_new_secret(admin_client):
    from identity.oidc.services import oidc_client_create

    created = oidc_client_create(name="Ville", redirect_uris=["https://ville.example/cb"])
    response = admin_client.post(
        "/admin/identity/oidcclient/",
        {"action": "secret_reset", "_selected_action": [created.client.pk]},
        follow=True,
    )
    new_secret = shown_secret(response)
    assert new_secret != created.client_secret
    created.client.refresh_from_db()
    assert created.client.client_secret_digest == digest(new_secret)


def client_form(**fields) -> dict:
    return {
        "name": "Ville",
        "id_token_alg": "ES256",
        "redirect_uris": '["https://ville.example/cb"]',
        "post_logout_redirect_uris": "[]",
        "allowed_scopes": "openid",
        "is_active": "on",
        **fields,
    }


def test_the_admin_records_the_sector_and_refuses_two_hosts_without_a_document(admin_client):
    two_hosts = '["https://ville.example/cb", "https://aaa.example/cb"]'
    response = admin_client.post(
        "/admin/identity/oidcclient/add/", client_form(redirect_uris=two_hosts)
    )
    assert response.status_code == 200
    assert "sector identifier URI" in str(response.context["adminform"].form.errors)
    assert not OidcClient.objects.exists()

    admin_client.post("/admin/identity/oidcclient/add/", client_form())
    assert OidcClient.objects.get().sector_identifier == "ville.example"


def test_the_admin_cannot_change_a_clients_sector(admin_client, sector_documents):
    admin_client.post("/admin/identity/oidcclient/add/", client_form())
    client = OidcClient.objects.get()
    change = f"/admin/identity/oidcclient/{client.pk}/change/"
    # The field is read-only: a posted value is ignored.
    admin_client.post(change, client_form(sector_identifier="shop.example"))
    assert OidcClient.objects.get().sector_identifier == "ville.example"
    # Nor can the redirect URIs move the sector, or a document on another host.
    moved = admin_client.post(change, client_form(redirect_uris='["https://shop.example/cb"]'))
    assert moved.status_code == 200
    document = sector_documents.serve("https://shop.example/s.json", ["https://ville.example/cb"])
    elsewhere = admin_client.post(change, client_form(sector_identifier_uri=document))
    assert elsewhere.status_code == 200
    stored = OidcClient.objects.get()
    assert (stored.sector_identifier, stored.redirect_uris, stored.sector_identifier_uri) == (
        "ville.example",
        ["https://ville.example/cb"],
        "",
    )
