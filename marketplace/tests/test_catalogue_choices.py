"""The catalogue's cached categories and stores (search.catalogue_choices): read without a
query while nothing changed, and forgotten as soon as a category or a store changes,
whichever way it changes."""

import pytest

from marketplace.models import StoreStatus
from marketplace.search import catalogue_choices
from marketplace.services import (
    category_upsert,
    store_approve,
    store_suspend,
    store_update,
)

pytestmark = pytest.mark.django_db


def store_slugs() -> list[str]:
    return [slug for _pk, slug, _name in catalogue_choices().stores]


def test_read_once_then_from_the_cache(shelf, django_assert_num_queries):
    with django_assert_num_queries(2):  # the categories, the approved stores
        first = catalogue_choices()
    with django_assert_num_queries(0):
        again = catalogue_choices()
    assert again == first
    assert again.category("fromagerie").name_fr == "Fromagerie"
    assert again.store_id("montreal") == shelf["montreal"].pk
    assert again.category("inconnue") is None and again.store_id("inconnu") is None
    food = again.category("alimentation")
    assert len(again.descendants(food.pk)) == 3


def test_a_new_or_changed_category_is_seen_at_once(shelf):
    catalogue_choices()
    category_upsert(slug="librairie", name_fr="Librairie")
    assert catalogue_choices().category("librairie") is not None
    category_upsert(slug="librairie", name_fr="Livres", parent=shelf["food"])
    choices = catalogue_choices()
    assert choices.category("librairie").name_fr == "Livres"
    assert choices.category("librairie").pk in choices.descendants(shelf["food"].pk)


def test_a_store_suspended_approved_or_renamed_is_seen_at_once(shelf, make_store):
    assert "boulangerie" in store_slugs()
    # A decision is a conditional UPDATE, which sends no post_save.
    store_suspend(store=shelf["baker"], reason="Fermé.", acting_user=None)
    assert "boulangerie" not in store_slugs()
    store_approve(store=shelf["baker"], acting_user=None)
    assert "boulangerie" in store_slugs()
    store_update(store=shelf["baker"], acting_user=None, name="Au bon pain")
    assert ("boulangerie", "Au bon pain") in catalogue_choices().store_choices
    pending = make_store(slug="en-attente", status=StoreStatus.PENDING, listings=0)
    assert "en-attente" not in store_slugs()
    store_approve(store=pending, acting_user=None)
    assert "en-attente" in store_slugs()


def test_the_pages_store_filter_follows(client, shelf):
    name = shelf["baker"].name
    assert f">{name}</option>" in client.get("/catalogue/").content.decode()
    assert client.get("/catalogue/?store=boulangerie").status_code == 200
    store_suspend(store=shelf["baker"], reason="Fermé.", acting_user=None)
    assert f">{name}</option>" not in client.get("/catalogue/").content.decode()
    assert client.get("/catalogue/?store=boulangerie").status_code == 400
