"""No page of the site can be framed by another site (clickjacking): the consent page,
the sign-in pages, the registrar's counter and the admin answer X-Frame-Options: DENY."""

import pytest
from django.urls import reverse

from identity.roles import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name", ["identity:login", "card_login:sign_in", "identity:signup", "home"]
)
def test_sign_in_pages_cannot_be_framed(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "name",
    [
        "identity:profile",
        "identity:connected_services",
        "card:registrar",
        "admin:identity_user_changelist",
    ],
)
def test_signed_in_pages_cannot_be_framed(client, make_person, sign_in_at, name):
    sign_in_at(client, make_person("registrar@example.ca", Role.REGISTRAR), "high")
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
