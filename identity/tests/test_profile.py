"""The profile page, with and without HTMX."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from identity.models import User

pytestmark = pytest.mark.django_db

PROFILE = {
    "given_name": "Alice",
    "family_name": "Tremblay-Roy",
    "birth_date": "1990-05-17",
    "phone": "(418) 555-0123",
    "street_address": "12 rue Saint-Jean",
    "locality": "Québec",
    "region": "QC",
    "postal_code": "g1r 4p5",
    "preferred_language": "fr",
}


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return alice


def test_profile_requires_sign_in(client, db):
    response = client.get(reverse("identity:profile"))
    assert response.status_code == 302
    assert response.url == f"{reverse('identity:login')}?next={reverse('identity:profile')}"


def test_profile_page_is_french_by_default_and_accessible(client, signed_in):
    html = client.get(reverse("identity:profile")).content.decode()
    assert '<html lang="fr-CA">' in html
    assert 'hx-post="/compte/profil/"' in html
    assert 'hx-target="this"' in html
    assert 'hx-swap="outerHTML"' in html
    for name, autocomplete in [
        ("given_name", "given-name"),
        ("family_name", "family-name"),
        ("birth_date", "bday"),
        ("phone", "tel"),
        ("street_address", "street-address"),
        ("postal_code", "postal-code"),
    ]:
        assert f'<label for="id_{name}">' in html
        assert f'autocomplete="{autocomplete}"' in html
    assert 'aria-describedby="id_postal_code_helptext"' in html
    assert html.index("<h1>") < html.index('<h2 id="email-heading"')


def test_profile_shows_unverified_email_with_resend_button(client, signed_in):
    html = client.get(reverse("identity:profile")).content.decode()
    assert 'data-email-verified="false"' in html
    assert f'action="{reverse("identity:verify_email_resend")}"' in html


def test_profile_shows_verified_email(client, make_user):
    client.force_login(make_user(email_verified=True))
    html = client.get(reverse("identity:profile")).content.decode()
    assert 'data-email-verified="true"' in html
    assert reverse("identity:verify_email_resend") not in html


def test_profile_update_by_plain_post_saves_normalized_and_redirects(client, signed_in):
    response = client.post(reverse("identity:profile"), PROFILE)
    assert response.status_code == 302
    assert response.url == reverse("identity:profile")
    signed_in.refresh_from_db()
    assert signed_in.family_name == "Tremblay-Roy"
    assert signed_in.postal_code == "G1R 4P5"
    assert signed_in.phone == "+14185550123"
    assert signed_in.birth_date == datetime.date(1990, 5, 17)
    assert signed_in.locality == "Québec"


def test_profile_update_by_htmx_returns_the_form_alone(client, signed_in):
    response = client.post(reverse("identity:profile"), PROFILE, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<form")
    assert "<html" not in html
    assert 'id="profile-form"' in html
    assert 'role="status"' in html
    assert "HX-Request" in response["Vary"]
    signed_in.refresh_from_db()
    assert signed_in.postal_code == "G1R 4P5"


def test_profile_get_by_htmx_returns_the_form_alone(client, signed_in):
    html = client.get(reverse("identity:profile"), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html
    assert 'id="profile-form"' in html


def test_invalid_postal_code_is_a_form_error_and_saves_nothing(client, signed_in):
    response = client.post(reverse("identity:profile"), {**PROFILE, "postal_code": "12345"})
    assert response.status_code == 200
    assert response.context["form"].has_error("postal_code", "invalid_postal_code")
    html = response.content.decode()
    assert '<html lang="fr-CA">' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_postal_code_helptext id_postal_code_error"' in html
    assert 'id="id_postal_code_error"' in html
    signed_in.refresh_from_db()
    assert signed_in.postal_code == ""
    assert signed_in.family_name == "Tremblay"


def test_invalid_postal_code_by_htmx_returns_the_form_with_errors(client, signed_in):
    response = client.post(
        reverse("identity:profile"), {**PROFILE, "postal_code": "D1R 4P5"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="id_postal_code_error"' in html
    assert 'role="alert"' in html


def test_invalid_phone_is_a_form_error(client, signed_in):
    response = client.post(reverse("identity:profile"), {**PROFILE, "phone": "555-0123"})
    assert response.context["form"].has_error("phone", "invalid_phone")


def test_future_birth_date_is_a_form_error(client, signed_in):
    response = client.post(reverse("identity:profile"), {**PROFILE, "birth_date": "2999-01-01"})
    assert response.context["form"].has_error("birth_date", "future")
    signed_in.refresh_from_db()
    assert signed_in.birth_date is None


def test_changing_language_sets_the_language_cookie(client, signed_in):
    response = client.post(reverse("identity:profile"), {**PROFILE, "preferred_language": "en"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(reverse("identity:profile")).content.decode()
    assert '<html lang="en-CA">' in html


def test_changing_language_by_htmx_refreshes_the_page(client, signed_in):
    response = client.post(
        reverse("identity:profile"), {**PROFILE, "preferred_language": "en"}, HTTP_HX_REQUEST="true"
    )
    assert response["HX-Refresh"] == "true"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_unchanged_language_sets_no_cookie(client, signed_in):
    response = client.post(reverse("identity:profile"), PROFILE)
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_changing_the_address_clears_stale_coordinates(client, make_user):
    user = make_user(latitude=Decimal("46.811"), longitude=Decimal("-71.207"))
    client.force_login(user)
    client.post(reverse("identity:profile"), PROFILE)
    user.refresh_from_db()
    assert user.latitude is None
    assert user.longitude is None


def test_profile_cannot_change_email_or_verification(client, signed_in):
    client.post(
        reverse("identity:profile"),
        {**PROFILE, "email": "mallory@example.com", "email_verified": "on", "is_staff": "on"},
    )
    user = User.objects.get(pk=signed_in.pk)
    assert user.email == "alice@example.com"
    assert user.email_verified is False
    assert user.is_staff is False
