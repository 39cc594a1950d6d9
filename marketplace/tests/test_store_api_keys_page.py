"""The owner's page of a store's point-of-sale API keys: only owners reach it, a new key
is shown once, a key is revoked from it; the link is among the owner's store tools."""

import pytest

from identity.models import AuditEvent
from marketplace.models import StoreApiKey
from marketplace.services import store_staff_set
from marketplace.store_api import KEY_PATTERN
from marketplace.tests.api.store_keys import key_for, owner_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(make_store):
    return make_store(slug="epicerie", listings=0)


@pytest.fixture
def owner(store):
    return owner_of(store)


def url(store):
    return f"/boutiques/mes-boutiques/{store.slug}/cles-api/"


def test_the_owner_makes_a_key_shown_once(client, store, owner):
    client.force_login(owner)
    assert client.get(url(store)).status_code == 200
    response = client.post(url(store), {"name": "Caisse 1", "scope": "read_write"})
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    [key] = set(KEY_PATTERN.findall(response.content.decode()))
    api_key = StoreApiKey.objects.get(store=store)
    assert (api_key.prefix, api_key.scope, api_key.created_by) == (key[0], "read_write", owner)
    again = client.get(url(store)).content.decode()
    assert api_key.prefix in again
    assert key[1] not in again


def test_a_form_with_no_name_is_refused(client, store, owner):
    client.force_login(owner)
    response = client.post(url(store), {"name": "", "scope": "read"})
    assert response.status_code == 400
    assert not StoreApiKey.objects.exists()


def test_the_owner_revokes_a_key(client, store, owner):
    api_key, _key = key_for(store, owner=owner)
    client.force_login(owner)
    response = client.post(f"{url(store)}{api_key.pk}/revoquer/")
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert (api_key.revoked_by, api_key.revoked_at is not None) == (owner, True)
    assert AuditEvent.objects.filter(action="store_api_key.revoke").count() == 1


def test_staff_who_do_not_own_the_store_are_refused(client, store, owner, make_person):
    api_key, _key = key_for(store, owner=owner)
    worker = make_person("worker@example.com")
    store_staff_set(store=store, user=worker, role="staff", acting_user=None)
    client.force_login(worker)
    assert client.get(url(store)).status_code == 403
    assert client.post(url(store), {"name": "x", "scope": "read"}).status_code == 403
    assert client.post(f"{url(store)}{api_key.pk}/revoquer/").status_code == 403
    api_key.refresh_from_db()
    assert api_key.revoked_at is None
    assert StoreApiKey.objects.count() == 1


def test_another_stores_owner_does_not_find_the_page_or_its_keys(client, store, owner, make_store):
    api_key, _key = key_for(store, owner=owner)
    elsewhere = make_store(slug="librairie", listings=0)
    other_owner = owner_of(elsewhere)
    client.force_login(other_owner)
    assert client.get(url(store)).status_code == 404
    assert client.post(f"{url(elsewhere)}{api_key.pk}/revoquer/").status_code == 404
    api_key.refresh_from_db()
    assert api_key.revoked_at is None


def test_a_visitor_is_sent_to_sign_in(client, store):
    response = client.get(url(store))
    assert response.status_code == 302


def test_the_link_is_among_the_owners_tools_only(client, store, owner, make_person):
    client.force_login(owner)
    assert url(store) in client.get("/boutiques/mes-boutiques/").content.decode()
    worker = make_person("worker@example.com")
    store_staff_set(store=store, user=worker, role="staff", acting_user=None)
    client.force_login(worker)
    assert url(store) not in client.get("/boutiques/mes-boutiques/").content.decode()
