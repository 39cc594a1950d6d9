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
    assert response.url == reverse("identity:signup_done")
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


def test_signup_creates_unverified_shopper_and_signs_no_one_in(client, signed_up):
    """The owner signs in once the address is verified: signing in at once would tell a
    new address from one that already has an account."""
    user, _path = signed_up
    assert user.email_verified is False
    assert user.email_verified_at is None
    assert user.preferred_language == "en"
    assert user.check_password(PASSWORD)
    assert user_roles(user) == {Role.SHOPPER}
    assert "_auth_user_id" not in client.session


def test_signup_switches_the_site_to_the_chosen_language(client, signed_up):
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    response = client.get(reverse("identity:signup_done"))
    html = response.content.decode()
    assert '<html lang="en-CA">' in html
    assert "Check your inbox" in html


def test_signup_keeps_the_next_address_for_the_sign_in_after_verification(client, db):
    response = client.post(reverse("identity:signup") + "?next=/oidc/authorize%3Fx%3D1", SIGNUP)
    assert response.url == reverse("identity:signup_done") + "?next=%2Foidc%2Fauthorize%3Fx%3D1"
    html = client.get(response.url).content.decode()
    assert f'href="{reverse("identity:login")}?next=/oidc/authorize%3Fx%3D1"' in html


def test_signed_in_person_visiting_signup_goes_to_their_account(client, alice):
    client.force_login(alice)
    response = client.get(reverse("identity:signup"))
    assert response.status_code == 302
    assert response.url == reverse("identity:account")


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


def _page_of(response) -> str:
    """A page as anyone would compare two of them: without its per-request tokens."""
    html = response.content.decode()
    html = re.sub(r"\b[A-Za-z0-9]{64}\b", "", html)  # CSRF tokens
    return re.sub(r'nonce="[^"]+"', "", html)


def test_signup_with_a_taken_address_answers_exactly_as_with_a_new_one(
    alice, mailoutbox, django_capture_on_commit_callbacks
):
    answers = []
    for email in ("ALICE@example.com", "newcomer@example.com"):
        client = Client()
        with django_capture_on_commit_callbacks(execute=True):
            posted = client.post(reverse("identity:signup"), {**SIGNUP, "email": email})
        shown = client.get(posted.url)
        answers.append(
            (
                posted.status_code,
                posted.url,
                posted.content,
                sorted(posted.cookies),
                shown.status_code,
                [template.name for template in shown.templates],
                _page_of(shown),
                "_auth_user_id" in client.session,
            )
        )
    assert answers[0] == answers[1]
    assert answers[0][:2] == (302, reverse("identity:signup_done"))
    assert answers[0][-1] is False


def test_signup_with_a_taken_address_mails_its_owner_and_writes_nothing(
    client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    alice.refresh_from_db()
    password_before = alice.password
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("identity:signup"), {**SIGNUP, "email": "ALICE@example.com"})
    assert User.objects.count() == 1
    alice.refresh_from_db()
    assert alice.password == password_before
    assert alice.given_name != SIGNUP["given_name"]
    [mail] = mailoutbox
    assert mail.to == [alice.email]
    assert "/compte/verifier/" not in mail.body
    assert f"{settings.SITE_URL}{reverse('identity:login')}" in mail.body
    assert f"{settings.SITE_URL}{reverse('identity:password_reset')}" in mail.body


def test_signup_for_a_new_address_mails_a_verification_link(
    client, db, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("identity:signup"), SIGNUP)
    [mail] = mailoutbox
    assert mail.to == ["bob@example.com"]
    assert "/compte/verifier/" in mail.body


def test_signup_with_a_taken_address_still_checks_the_password(client, alice):
    data = {**SIGNUP, "email": alice.email, "password": "12345678", "password_confirm": "12345678"}
    response = client.post(reverse("identity:signup"), data)
    assert response.status_code == 200
    assert response.context["form"].has_error("password")


def test_signups_for_one_address_are_limited(
    client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    """Whoever types an address can mail it only so often, new or taken alike."""
    for email in ("ALICE@example.com", "newcomer@example.com"):
        for n in range(3):
            ip = f"192.0.2.{n + 1}"
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(
                    reverse("identity:signup"), {**SIGNUP, "email": email}, REMOTE_ADDR=ip
                )
            assert response.status_code == 302
        with django_capture_on_commit_callbacks(execute=True):
            refused = client.post(
                reverse("identity:signup"), {**SIGNUP, "email": email}, REMOTE_ADDR="192.0.2.9"
            )
        assert refused.status_code == 429
        assert refused.context["form"].has_error("__all__", "too_many_attempts")
        assert int(refused["Retry-After"]) > 0
    assert len(mailoutbox) == 6
    assert User.objects.filter(email="newcomer@example.com").count() == 1


def test_signups_from_one_client_are_limited(client, db, mailoutbox):
    for n in range(10):
        response = client.post(
            reverse("identity:signup"), {**SIGNUP, "email": f"person{n}@example.com"}
        )
        assert response.status_code == 302
    refused = client.post(reverse("identity:signup"), {**SIGNUP, "email": "other@example.com"})
    assert refused.status_code == 429
    assert refused.context["form"].has_error("__all__", "too_many_attempts")
    assert not User.objects.filter(email="other@example.com").exists()
    other_client = client.post(
        reverse("identity:signup"),
        {**SIGNUP, "email": "other@example.com"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert other_client.status_code == 302


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
    assert response.url == reverse("identity:login")
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
    client.force_login(user)  # the page offers a new link to its signed-in owner
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
    user, _path = signed_up
    client.force_login(user)
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
