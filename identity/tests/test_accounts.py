"""Sign-up, email verification, sign-in and sign-out, through HTTP."""

import datetime
import re

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from identity import tasks
from identity.assurance import SESSION_ACR, SESSION_AMR
from identity.models import User
from identity.roles import Role, user_roles
from identity.tests.conftest import PASSWORD, link_path
from identity.tokens import email_verification_token

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "Bob@Example.com",
    "given_name": "Bob",
    "family_name": "Gagnon",
    "password": PASSWORD,
    "password_confirm": PASSWORD,
    "preferred_language": "en",
}


@pytest.fixture
def signed_up(client, mailoutbox, django_capture_on_commit_callbacks):
    """Sign Bob up through the page; return him and the path of his verification link."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("identity:signup"), SIGNUP)
    assert response.status_code == 302
    assert response.url == reverse("identity:profile")
    assert len(mailoutbox) == 1
    user = User.objects.get(email="bob@example.com")
    return user, link_path(mailoutbox[0].body, "/compte/verifier/")


# --- Sign-up ---------------------------------------------------------------------------


def test_signup_page_is_french_by_default(client):
    response = client.get(reverse("identity:signup"))
    assert response.status_code == 200
    assert '<html lang="fr-CA">' in response.content.decode()


def test_signup_page_labels_every_input(client):
    html = client.get(reverse("identity:signup")).content.decode()
    for name, autocomplete in [
        ("email", "email"),
        ("given_name", "given-name"),
        ("family_name", "family-name"),
        ("password", "new-password"),
        ("password_confirm", "new-password"),
    ]:
        assert f'<label for="id_{name}">' in html
        assert f'autocomplete="{autocomplete}"' in html
    assert '<label for="id_preferred_language">' in html


def test_signup_creates_unverified_shopper_signed_in_low(client, signed_up):
    user, _path = signed_up
    assert user.email_verified is False
    assert user.email_verified_at is None
    assert user.preferred_language == "en"
    assert user.check_password(PASSWORD)
    assert user_roles(user) == {Role.SHOPPER}
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session[SESSION_ACR] == "low"
    assert client.session[SESSION_AMR] == ["pwd"]


def test_signup_switches_the_site_to_the_chosen_language(client, signed_up):
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(reverse("identity:profile")).content.decode()
    assert '<html lang="en-CA">' in html


def test_signed_in_person_visiting_signup_goes_to_profile(client, alice):
    client.force_login(alice)
    response = client.get(reverse("identity:signup"))
    assert response.status_code == 302
    assert response.url == reverse("identity:profile")


def test_signup_mails_the_person_once(signed_up, mailoutbox):
    user, _path = signed_up
    assert mailoutbox[0].to == [user.email]


def test_signup_mail_is_written_in_preferred_language(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    languages = []
    render = tasks.render_to_string

    def spy(*args, **kwargs):
        languages.append(translation.get_language())
        return render(*args, **kwargs)

    monkeypatch.setattr(tasks, "render_to_string", spy)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("identity:signup"), SIGNUP)
    assert languages == ["en", "en"]


def test_signup_with_taken_email_is_a_form_error_and_writes_nothing(
    client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    data = {**SIGNUP, "email": "ALICE@example.com"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("identity:signup"), data)
    assert response.status_code == 200
    assert response.context["form"].has_error("email", "unique")
    assert 'id="id_email_error"' in response.content.decode()
    assert User.objects.count() == 1
    assert mailoutbox == []
    assert "_auth_user_id" not in client.session


def test_signup_with_different_passwords_is_a_form_error(client):
    response = client.post(reverse("identity:signup"), {**SIGNUP, "password_confirm": "other"})
    assert response.context["form"].has_error("password_confirm", "password_mismatch")
    assert not User.objects.exists()


def test_signup_with_weak_password_is_a_form_error(client):
    data = {**SIGNUP, "password": "12345678", "password_confirm": "12345678"}
    response = client.post(reverse("identity:signup"), data)
    assert response.context["form"].has_error("password")
    assert 'aria-invalid="true"' in response.content.decode()
    assert not User.objects.exists()


# --- Email verification ----------------------------------------------------------------


def test_opening_the_verification_link_only_shows_a_confirm_button(client, signed_up):
    user, path = signed_up
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<form id="verify-email-form" method="post">' in html
    assert "Confirm my email address" in html
    assert "csrfmiddlewaretoken" in html
    user.refresh_from_db()
    assert user.email_verified is False
    assert user.email_verified_at is None


def test_opening_the_verification_link_twice_leaves_it_usable(client, signed_up):
    """A mail scanner that opens the link first does not use it up."""
    user, path = signed_up
    assert client.get(path).status_code == 200
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302
    user.refresh_from_db()
    assert user.email_verified is True


def test_confirming_the_verification_link_verifies_email(client, signed_up):
    user, path = signed_up
    response = client.post(path)
    assert response.status_code == 302
    assert response.url == reverse("identity:profile")
    user.refresh_from_db()
    assert user.email_verified is True
    assert user.email_verified_at is not None


def test_verification_link_works_for_a_visitor_too(client, signed_up):
    """A visitor (a fresh browser, CSRF checks on) confirms with the page's own form."""
    user, path = signed_up
    csrf_client = Client(enforce_csrf_checks=True)
    html = csrf_client.get(path).content.decode()
    csrf_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    response = csrf_client.post(path, {"csrfmiddlewaretoken": csrf_token})
    assert response.status_code == 302
    assert response.url == reverse("identity:login")
    user.refresh_from_db()
    assert user.email_verified is True


def test_verification_link_used_twice_fails_and_changes_nothing(client, signed_up):
    user, path = signed_up
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302
    user.refresh_from_db()
    verified_at = user.email_verified_at

    response = client.post(path)
    assert response.status_code == 400
    assert 'id="resend-form"' not in response.content.decode()
    assert client.get(path).status_code == 400
    user.refresh_from_db()
    assert user.email_verified is True
    assert user.email_verified_at == verified_at


@pytest.mark.parametrize("method", ["get", "post"])
def test_expired_verification_link_fails(client, signed_up, monkeypatch, method):
    user, path = signed_up
    later = email_verification_token._now() + datetime.timedelta(
        seconds=settings.PASSWORD_RESET_TIMEOUT + 1
    )
    monkeypatch.setattr(email_verification_token, "_now", lambda: later)
    response = getattr(client, method)(path)
    assert response.status_code == 400
    assert 'id="resend-form"' in response.content.decode()
    user.refresh_from_db()
    assert user.email_verified is False


@pytest.mark.parametrize("method", ["get", "post"])
def test_verification_link_with_a_forged_token_fails(client, signed_up, method):
    user, path = signed_up
    uidb64 = path.split("/")[-3]
    response = getattr(client, method)(reverse("identity:verify_email", args=[uidb64, "abc-123"]))
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email_verified is False


@pytest.mark.parametrize("method", ["get", "post"])
def test_verification_link_of_another_person_fails(client, signed_up, alice, method):
    _user, path = signed_up
    token = path.split("/")[-2]
    other = urlsafe_base64_encode(force_bytes(alice.pk))
    response = getattr(client, method)(reverse("identity:verify_email", args=[other, token]))
    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.email_verified is False


@pytest.mark.parametrize("method", ["get", "post"])
def test_verification_link_naming_nobody_fails(client, db, method):
    response = getattr(client, method)(
        reverse("identity:verify_email", args=["bm9ib2R5", "abc-123"])
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert '<html lang="fr-CA">' in html
    assert f'href="{reverse("identity:login")}?next=' in html


@pytest.mark.parametrize("method", ["get", "post"])
def test_password_reset_token_does_not_verify_email(client, alice, method):
    uidb64 = urlsafe_base64_encode(force_bytes(alice.pk))
    token = default_token_generator.make_token(alice)
    response = getattr(client, method)(reverse("identity:verify_email", args=[uidb64, token]))
    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.email_verified is False


def test_resend_mails_a_link_that_works(
    client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("identity:verify_email_resend"))
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert client.post(link_path(mailoutbox[0].body, "/compte/verifier/")).status_code == 302
    alice.refresh_from_db()
    assert alice.email_verified is True


def test_resend_is_limited_to_once_a_minute(
    client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("identity:verify_email_resend"))
        client.post(reverse("identity:verify_email_resend"))
    assert len(mailoutbox) == 1


def test_resend_right_after_signup_sends_nothing(
    client, signed_up, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("identity:verify_email_resend"))
    assert len(mailoutbox) == 1


def test_resend_once_verified_sends_nothing(
    client, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(make_user(email_verified=True))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("identity:verify_email_resend"))
    assert mailoutbox == []


def test_resend_requires_post(client, alice):
    client.force_login(alice)
    assert client.get(reverse("identity:verify_email_resend")).status_code == 405


def test_resend_requires_sign_in(client, db, mailoutbox):
    response = client.post(reverse("identity:verify_email_resend"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("identity:login"))
    assert mailoutbox == []


# --- Sign-in and sign-out --------------------------------------------------------------


def test_login_page_is_french_by_default(client, db):
    html = client.get(reverse("identity:login")).content.decode()
    assert '<html lang="fr-CA">' in html
    assert 'autocomplete="current-password"' in html


def test_sign_in_records_low_assurance_and_password(client, alice):
    response = client.post(
        reverse("identity:login"), {"email": "Alice@Example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse(settings.LOGIN_REDIRECT_URL)
    assert client.session["_auth_user_id"] == str(alice.pk)
    assert client.session[SESSION_ACR] == "low"
    assert client.session[SESSION_AMR] == ["pwd"]


def test_sign_in_with_wrong_password_is_a_generic_error(client, alice):
    response = client.post(reverse("identity:login"), {"email": alice.email, "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors().as_data()[0].code == "invalid_login"
    assert "_auth_user_id" not in client.session


def test_sign_in_of_unknown_email_is_the_same_generic_error(client, db):
    response = client.post(
        reverse("identity:login"), {"email": "nobody@example.com", "password": PASSWORD}
    )
    assert response.context["form"].non_field_errors().as_data()[0].code == "invalid_login"


def test_sign_in_of_inactive_account_is_the_same_generic_error(client, make_user):
    make_user(is_active=False)
    response = client.post(
        reverse("identity:login"), {"email": "alice@example.com", "password": PASSWORD}
    )
    assert response.context["form"].non_field_errors().as_data()[0].code == "invalid_login"
    assert "_auth_user_id" not in client.session


def test_sign_in_follows_a_safe_next(client, alice):
    response = client.post(
        reverse("identity:login") + "?next=/compte/profil/",
        {"email": alice.email, "password": PASSWORD},
    )
    assert response.url == "/compte/profil/"


def test_sign_in_keeps_next_through_the_form(client, alice):
    html = client.get(reverse("identity:login") + "?next=/compte/profil/").content.decode()
    assert '<input type="hidden" name="next" value="/compte/profil/">' in html
    response = client.post(
        reverse("identity:login"),
        {"email": alice.email, "password": PASSWORD, "next": "/compte/profil/"},
    )
    assert response.url == "/compte/profil/"


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/", "javascript:x"],
)
def test_sign_in_ignores_an_unsafe_next(client, alice, next_url):
    response = client.post(
        reverse("identity:login"),
        {"email": alice.email, "password": PASSWORD, "next": next_url},
    )
    assert response.status_code == 302
    assert response.url == reverse(settings.LOGIN_REDIRECT_URL)


def test_sign_out_requires_post(client, alice):
    client.force_login(alice)
    response = client.get(reverse("identity:logout"))
    assert response.status_code == 405
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_sign_out_ends_the_session(client, alice):
    client.post(reverse("identity:login"), {"email": alice.email, "password": PASSWORD})
    response = client.post(reverse("identity:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert SESSION_ACR not in client.session
