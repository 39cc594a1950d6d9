"""Password reset by mail and password change, through HTTP."""

import re

import pytest
from django.urls import reverse

from identity.tests.conftest import PASSWORD, link_path

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a quite different passphrase"


@pytest.fixture
def alice(make_user):
    """Reset links go only to a verified address (users_for_password_reset)."""
    return make_user(email_verified=True)


def page_without_csrf(client, url: str) -> str:
    """A page's HTML with its CSRF token (masked afresh on every render) blanked out."""
    html = client.get(url).content.decode()
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def reset_request(client, email, capture):
    with capture(execute=True):
        return client.post(reverse("identity:password_reset"), {"email": email})


def test_reset_page_is_french_by_default(client):
    html = client.get(reverse("identity:password_reset")).content.decode()
    assert '<html lang="fr-CA">' in html
    assert '<label for="id_email">' in html
    assert 'autocomplete="email"' in html


def test_reset_full_flow(client, alice, mailoutbox, django_capture_on_commit_callbacks):
    response = reset_request(client, "ALICE@example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response.url == reverse("identity:password_reset_done")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["alice@example.com"]
    path = link_path(mailoutbox[0].body, "/compte/mot-de-passe/")

    response = client.get(path)
    assert response.status_code == 302
    form_url = response.url
    assert form_url.endswith("/nouveau/")
    html = client.get(form_url).content.decode()
    assert 'autocomplete="new-password"' in html

    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("identity:password_reset_complete")

    login = reverse("identity:login")
    response = client.post(login, {"email": alice.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    response = client.post(login, {"email": alice.email, "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_reset_link_works_once(client, alice, mailoutbox, django_capture_on_commit_callbacks):
    reset_request(client, alice.email, django_capture_on_commit_callbacks)
    path = link_path(mailoutbox[0].body, "/compte/mot-de-passe/")
    form_url = client.get(path).url
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    client.cookies.clear()
    response = client.get(path)
    assert response.status_code == 400
    assert response.context["validlink"] is False


def test_reset_with_weak_password_is_a_form_error(
    client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    reset_request(client, alice.email, django_capture_on_commit_callbacks)
    form_url = client.get(link_path(mailoutbox[0].body, "/compte/mot-de-passe/")).url
    response = client.post(form_url, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200
    assert response.context["form"].has_error("new_password2")
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_reset_for_unknown_email_answers_the_same_and_sends_nothing(
    client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    known = reset_request(client, alice.email, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    unknown = reset_request(client, "nobody@example.com", django_capture_on_commit_callbacks)
    assert mailoutbox == []
    assert (unknown.status_code, unknown.url) == (known.status_code, known.url)
    assert page_without_csrf(client, unknown.url) == page_without_csrf(client, known.url)


def test_reset_for_inactive_account_sends_nothing(
    client, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    make_user(is_active=False)
    response = reset_request(client, "alice@example.com", django_capture_on_commit_callbacks)
    assert response.url == reverse("identity:password_reset_done")
    assert mailoutbox == []


def test_reset_for_unverified_address_sends_nothing(
    client, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    """An address no one proved (typed in by an admin, say) cannot take the account."""
    make_user(email="unproven@example.com")
    response = reset_request(client, "unproven@example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert mailoutbox == []


def test_reset_mails_at_most_once_a_minute(
    client, alice, mailoutbox, django_capture_on_commit_callbacks
):
    reset_request(client, alice.email, django_capture_on_commit_callbacks)
    response = reset_request(client, alice.email, django_capture_on_commit_callbacks)
    assert response.url == reverse("identity:password_reset_done")
    assert len(mailoutbox) == 1


def test_reset_link_uses_site_url_not_host_header(
    client, alice, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://uniqc.example"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("identity:password_reset"),
            {"email": alice.email},
            HTTP_HOST="attacker.example",
        )
    assert "https://uniqc.example/compte/mot-de-passe/" in mailoutbox[0].body
    assert "attacker.example" not in mailoutbox[0].body


def test_password_change_requires_sign_in(client, db):
    response = client.get(reverse("identity:password_change"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("identity:login"))


def test_password_change(client, alice):
    client.post(reverse("identity:login"), {"email": alice.email, "password": PASSWORD})
    html = client.get(reverse("identity:password_change")).content.decode()
    assert 'autocomplete="current-password"' in html
    response = client.post(
        reverse("identity:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("identity:password_change_done")
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    # The session that changed the password stays signed in.
    assert client.get(reverse("identity:profile")).status_code == 200


def test_password_change_with_wrong_old_password_fails(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("identity:password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.context["form"].has_error("old_password")
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
