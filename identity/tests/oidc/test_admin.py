"""Coop admins register clients in the admin; the secret is shown once, stored as a digest."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied

from identity.models import AuditEvent, OidcClient, User
from identity.oidc.services import (
    digest,
    oidc_client_active_set,
    oidc_client_create,
    oidc_client_secret_reset,
    oidc_client_update,
)
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
        "pkce_required": "on",
        **fields,
    }


def test_the_admin_records_the_sector_and_refuses_two_hosts_without_a_document(admin_client):
    two_hosts = '["https://ville.example/cb", "https://aaa.example/cb"]'
    response = admin_client.post(
        "/admin/identity/oidcclient/add/", client_form(redirect_uris=two_hosts)
    )
    assert response.status_code == 200
    # The admin speaks French first: the message asks for a sector identifier URI.
    (message,) = response.context["adminform"].form.errors["redirect_uris"]
    assert "identifiant de secteur" in message
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


def admin_events(action: str):
    from identity.models import AuditEvent

    return list(AuditEvent.objects.filter(action=action).select_related("acting_user"))


def test_adding_a_client_is_audited(admin_client):
    admin_client.post(
        "/admin/identity/oidcclient/add/",
        {
            "name": "Ville",
            "id_token_alg": "ES256",
            "redirect_uris": '["https://ville.example/cb"]',
            "post_logout_redirect_uris": "[]",
            "allowed_scopes": "openid",
            "is_active": "on",
        },
    )
    (event,) = admin_events("oidc_client.create")
    assert event.acting_user.email == "admin@example.com"
    assert event.target_id == str(OidcClient.objects.get().pk)


def test_a_secret_reset_is_audited(admin_client):
    from identity.oidc.services import oidc_client_create

    created = oidc_client_create(name="Ville", redirect_uris=["https://ville.example/cb"])
    admin_client.post(
        "/admin/identity/oidcclient/",
        {"action": "secret_reset", "_selected_action": [created.client.pk]},
    )
    (event,) = admin_events("oidc_client.secret_reset")
    assert event.acting_user.email == "admin@example.com"


def test_changing_and_deactivating_a_client_go_through_the_services(admin_client):
    from identity.oidc.services import oidc_client_create

    client = oidc_client_create(name="Ville", redirect_uris=["https://ville.example/cb"]).client
    before = client.updated_at
    response = admin_client.post(
        f"/admin/identity/oidcclient/{client.pk}/change/",
        {
            "name": "Ville de Québec",
            "id_token_alg": client.id_token_alg,
            "redirect_uris": '["https://ville.example/cb"]',
            "post_logout_redirect_uris": "[]",
            "allowed_scopes": client.allowed_scopes,
            "pkce_required": "on",
        },
    )
    assert response.status_code == 302
    client.refresh_from_db()
    assert (client.name, client.is_active) == ("Ville de Québec", False)
    assert client.updated_at > before
    (update,) = admin_events("oidc_client.update")
    assert update.detail == {"fields": ["name"]}
    assert len(admin_events("oidc_client.deactivate")) == 1


def test_the_add_form_offers_pkce_required_ticked(admin_client):
    html = admin_client.get("/admin/identity/oidcclient/add/").content.decode()
    field = re.search(r'<input[^>]*name="pkce_required"[^>]*>', html)
    assert field is not None
    assert "checked" in field.group(0)


def test_pkce_required_is_shown_and_can_be_unticked_for_an_old_client(admin_client):
    from identity.oidc.services import oidc_client_create

    client = oidc_client_create(name="Ville", redirect_uris=["https://ville.example/cb"]).client
    assert client.pkce_required is True
    listing = admin_client.get("/admin/identity/oidcclient/").content.decode()
    assert "column-pkce_required" in listing
    response = admin_client.post(
        f"/admin/identity/oidcclient/{client.pk}/change/",
        client_form(pkce_required="", allowed_scopes=client.allowed_scopes),
    )
    assert response.status_code == 302
    client.refresh_from_db()
    assert client.pkce_required is False
    (update,) = admin_events("oidc_client.update")
    assert update.detail == {"fields": ["pkce_required"]}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("redirect_uris", "[" * 15_000),
        ("post_logout_redirect_uris", "[" * 15_000),
        ("redirect_uris", '["https://ville.example/cb", ' + "1, " * 30_000 + "1]"),
        ("redirect_uris", '["https://ville.example/cb", NaN]'),
    ],
)
def test_nested_or_oversized_json_is_a_form_error_not_a_500(admin_client, field, value):
    """Django's JSON form field calls json.loads: 15,000 `[` raised RecursionError."""
    data = {
        "name": "Ville",
        "id_token_alg": "ES256",
        "redirect_uris": '["https://ville.example/cb"]',
        "post_logout_redirect_uris": "[]",
        "allowed_scopes": "openid",
        "is_active": "on",
        field: value,
    }
    response = admin_client.post("/admin/identity/oidcclient/add/", data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not OidcClient.objects.exists()


def test_a_client_cannot_be_deleted_from_the_admin_even_by_a_superuser(client, register):
    """Deactivation is audited; deletion took grants and people's release log, untraced."""
    registered = register()
    client.force_login(
        User.objects.create_superuser("root@example.com", "pw", given_name="R", family_name="S")
    )
    delete = f"/admin/identity/oidcclient/{registered.client.pk}/delete/"
    assert client.post(delete, {"post": "yes"}).status_code == 403
    listing = client.get("/admin/identity/oidcclient/").content.decode()
    assert "delete_selected" not in listing
    client.post(
        "/admin/identity/oidcclient/",
        {"action": "delete_selected", "_selected_action": [registered.client.pk], "post": "yes"},
    )
    assert OidcClient.objects.filter(pk=registered.client.pk).exists()


@pytest.fixture
def viewer_client(client, make_user):
    """Someone who may see the clients and nothing more."""
    viewer = make_user("viewer@example.com", roles=(Role.COOP_ADMIN,))
    viewer.user_permissions.add(Permission.objects.get(codename="view_oidcclient"))
    client.force_login(viewer)
    return client


def test_resetting_a_secret_needs_the_change_permission(viewer_client, register):
    """The action had no permission of its own: whoever could list clients reset them."""
    registered = register()
    listing = viewer_client.get("/admin/identity/oidcclient/")
    assert listing.status_code == 200
    assert "secret_reset" not in listing.content.decode()
    viewer_client.post(
        "/admin/identity/oidcclient/",
        {"action": "secret_reset", "_selected_action": [registered.client.pk]},
    )
    registered.client.refresh_from_db()
    assert registered.client.client_secret_digest == digest(registered.client_secret)
    assert not AuditEvent.objects.filter(action="oidc_client.secret_reset").exists()


@pytest.mark.parametrize(
    "change",
    [
        lambda client, user: oidc_client_secret_reset(client=client, acting_user=user),
        lambda client, user: oidc_client_active_set(
            client=client, is_active=False, acting_user=user
        ),
        lambda client, user: oidc_client_update(client=client, name="Autre", acting_user=user),
        lambda client, user: oidc_client_create(
            name="Autre", redirect_uris=["https://autre.example/cb"], acting_user=user
        ),
    ],
)
def test_the_client_services_check_who_acts(register, make_user, change):
    registered = register()
    viewer = make_user("viewer@example.com", roles=(Role.COOP_ADMIN,))
    viewer.user_permissions.add(Permission.objects.get(codename="view_oidcclient"))
    with pytest.raises(PermissionDenied):
        change(registered.client, viewer)
    registered.client.refresh_from_db()
    assert (registered.client.name, registered.client.is_active) == ("Ville de Québec", True)
    assert OidcClient.objects.count() == 1
