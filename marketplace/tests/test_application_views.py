"""The application page and "My stores", through HTTP: who reaches the page, what bad
input gets, and what the applicant sees of the coop's decision."""

import pytest
from django.urls import reverse

from marketplace.models import Store, StoreRole, StoreStaff, StoreStatus
from marketplace.services import store_apply, store_refuse

pytestmark = pytest.mark.django_db

URL = "/boutiques/inscription/"
FORM = {
    "name": "Atelier Vélo Jarry",
    "legal_name": "Samuel Bergeron",
    "neq": "2270 135 961",
    "description": "Réparations.",
    "street_address": "535, rue Jarry Est",
    "neighbourhood": "Villeray",
    "locality": "Montréal",
    "postal_code": "h2p 1v4",
    "phone": "514 555-0114",
    "latitude": "",
    "longitude": "",
    "gst_number": "700135961 RT 0001",
    "qst_number": "1200135961 TQ 0001",
}


@pytest.fixture
def retailer(make_person):
    return make_person("retailer@example.com", "shopper")


@pytest.fixture
def signed_in(client, retailer, sign_in_at):
    sign_in_at(client, retailer, "substantial")
    return client


def test_the_page_is_reserved_from_store_slugs():
    assert reverse("marketplace:store_application") == URL


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("identity:login"))
    assert "next=%2Fboutiques%2Finscription%2F" in response.url


def test_a_password_session_is_stepped_up(client, retailer, sign_in_at):
    sign_in_at(client, retailer, "low")
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("identity:login"))
    response = client.post(URL, FORM)
    assert response.status_code == 302
    assert not Store.objects.exists()


def test_the_form_is_shown_in_french(signed_in):
    response = signed_in.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr-CA"' in html
    assert 'name="neq"' in html and 'name="small_supplier"' in html


def test_an_application_creates_a_pending_store_owned_by_the_applicant(signed_in, retailer):
    response = signed_in.post(URL, FORM)
    assert response.status_code == 302
    assert response.url == reverse("marketplace:my_stores")
    store = Store.objects.get()
    assert (store.status, store.applicant, store.neq) == (
        StoreStatus.PENDING,
        retailer,
        "2270135961",
    )
    assert (store.gst_number, store.qst_number) == ("700135961RT0001", "1200135961TQ0001")
    assert store.latitude is None and store.longitude is None
    assert StoreStaff.objects.get(store=store, user=retailer).role == StoreRole.OWNER


def test_a_small_supplier_gives_no_numbers(signed_in):
    form = {**FORM, "small_supplier": "on", "gst_number": "", "qst_number": ""}
    assert signed_in.post(URL, form).status_code == 302
    assert Store.objects.get().small_supplier


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("neq", "12345"),
        ("neq", "12345678901"),
        ("gst_number", "123456789RC0001"),
        ("qst_number", "123456789TQ0001"),
        ("gst_number", ""),  # registered, without its number
        ("postal_code", "00000"),
        ("phone", "555"),
        ("latitude", "45.5"),  # without the longitude
        ("latitude", "91"),
        ("name", ""),
        ("legal_name", ""),
    ],
)
def test_bad_input_is_a_400_and_writes_nothing(signed_in, field, value):
    response = signed_in.post(URL, {**FORM, field: value})
    assert response.status_code == 400
    assert response.context["form"].errors
    assert not Store.objects.exists()


def test_a_small_supplier_with_numbers_is_a_400(signed_in):
    response = signed_in.post(URL, {**FORM, "small_supplier": "on"})
    assert response.status_code == 400
    assert not Store.objects.exists()


def test_a_second_application_while_one_waits_is_a_409(signed_in, retailer):
    store_apply(
        applicant=retailer,
        **{key: value for key, value in FORM.items() if key not in {"latitude", "longitude"}},
    )
    html = signed_in.get(URL).content.decode()
    assert "data-application-pending" in html
    assert 'name="neq"' not in html
    response = signed_in.post(URL, {**FORM, "name": "Autre boutique"})
    assert response.status_code == 409
    assert Store.objects.count() == 1


def test_my_stores_shows_a_waiting_application_then_the_refusal_and_its_reason(
    signed_in, retailer, make_person
):
    signed_in.post(URL, FORM)
    html = signed_in.get(reverse("marketplace:my_stores")).content.decode()
    assert "Atelier Vélo Jarry" in html
    assert 'data-store-status="pending"' in html
    admin = make_person("admin@example.com", "coop_admin")
    store_refuse(store=Store.objects.get(), reason="Le NEQ ne correspond pas.", acting_user=admin)
    html = signed_in.get(reverse("marketplace:my_stores")).content.decode()
    assert 'data-store-status="refused"' in html
    assert "Le NEQ ne correspond pas." in html
