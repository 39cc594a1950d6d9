"""Stores with an owner and an API key, for the point-of-sale API's tests."""

from typing import Any

from identity.models import User
from identity.services import user_create
from marketplace.models import Store, StoreApiKey, StoreRole
from marketplace.services import store_staff_set
from marketplace.store_api import store_api_key_create


def owner_of(store: Store, *, email: str | None = None) -> User:
    owner = user_create(
        email=email or f"owner@{store.slug}.example",
        password="correct horse battery staple",
        given_name="Chloé",
        family_name="Tremblay",
    )
    store_staff_set(store=store, user=owner, role=StoreRole.OWNER, acting_user=None)
    return owner


def key_for(
    store: Store, *, scope: str = "read_write", owner: User | None = None, name: str = "Caisse 1"
) -> tuple[StoreApiKey, str]:
    """A key of `store`, made by its owner (made an owner first if not given)."""
    owner = owner or owner_of(store)
    return store_api_key_create(store=store, name=name, scope=scope, acting_user=owner)


def auth(key: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}
