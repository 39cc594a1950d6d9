"""Services and access rules called directly, for the cases the pages cannot reach."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from identity import services
from identity.errors import EmailAlreadyVerified, SignUpThrottled, VerificationLinkInvalid
from identity.models import User
from identity.roles import Role
from identity.selectors import access_user_profile_change
from identity.services import (
    email_verification_send,
    email_verify,
    user_profile_update,
    user_sign_up,
)
from identity.tests.conftest import PASSWORD
from identity.tokens import email_verification_token

pytestmark = pytest.mark.django_db


def sign_up(**overrides) -> None:
    data = {
        "email": "bob@example.com",
        "password": PASSWORD,
        "given_name": "Bob",
        "family_name": "Gagnon",
        "preferred_language": "fr",
        "client_ip": "192.0.2.1",
        **overrides,
    }
    return user_sign_up(**data)


def test_sign_up_stores_email_in_lower_case(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        sign_up(email="Bob@EXAMPLE.com")
    assert User.objects.get().email == "bob@example.com"


def test_sign_up_enqueues_the_mail_after_commit(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks() as callbacks:
        sign_up()
    assert len(callbacks) == 1
    assert mailoutbox == []


def test_sign_up_refuses_an_unknown_language():
    with pytest.raises(ValidationError) as caught:
        sign_up(preferred_language="de")
    assert "preferred_language" in caught.value.error_dict
    assert not User.objects.exists()


def test_sign_up_refuses_a_weak_password():
    with pytest.raises(ValidationError) as caught:
        sign_up(password="password")
    assert "password" in caught.value.error_dict


@pytest.mark.parametrize(
    ("field", "value"), [("preferred_language", "de"), ("password", "password")]
)
def test_sign_up_refuses_bad_input_for_a_taken_address_as_for_a_new_one(alice, field, value):
    with pytest.raises(ValidationError) as caught:
        sign_up(email=alice.email, **{field: value})
    assert field in caught.value.error_dict


def test_sign_up_with_a_taken_address_answers_none_and_enqueues_one_notice(
    alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        assert sign_up(email=alice.email.upper()) is None
    assert len(callbacks) == 1
    assert User.objects.count() == 1


def test_sign_up_throttled_is_not_counted(db):
    for n in range(3):
        sign_up(email="same@example.com", client_ip=f"192.0.2.{n}")
    for _ in range(2):
        with pytest.raises(SignUpThrottled) as caught:
            sign_up(email="same@example.com", client_ip="198.51.100.1")
        assert caught.value.reason == "address"
    assert services.SIGN_UP_CLIENT_LIMIT.retry_after("198.51.100.1") == 0


def test_email_verify_refuses_an_already_verified_person(alice):
    token = email_verification_token.make_token(alice)
    email_verify(user=alice, token=token)
    with pytest.raises(VerificationLinkInvalid):
        email_verify(user=User.objects.get(pk=alice.pk), token=token)


def test_email_verify_refuses_a_token_made_for_an_older_address(alice):
    token = email_verification_token.make_token(alice)
    User.objects.filter(pk=alice.pk).update(email="alice@new.example")
    with pytest.raises(VerificationLinkInvalid):
        email_verify(user=User.objects.get(pk=alice.pk), token=token)


def test_verification_send_refuses_a_verified_person(make_user):
    with pytest.raises(EmailAlreadyVerified):
        email_verification_send(user=make_user(email_verified=True))


def test_access_profile_change_refuses_a_visitor(alice):
    with pytest.raises(PermissionDenied):
        access_user_profile_change(acting_user=AnonymousUser(), user=alice)


def test_access_profile_change_refuses_another_person(alice, make_user):
    with pytest.raises(PermissionDenied):
        access_user_profile_change(acting_user=make_user(email="eve@example.com"), user=alice)


def test_access_profile_change_allows_oneself(alice):
    access_user_profile_change(acting_user=alice, user=alice)


def test_access_profile_change_allows_a_coop_admin(alice, make_user):
    admin = make_user(email="admin@example.com", roles=(Role.COOP_ADMIN,))
    access_user_profile_change(acting_user=admin, user=alice)


def test_profile_update_by_another_person_changes_nothing(alice, make_user):
    eve = make_user(email="eve@example.com")
    with pytest.raises(PermissionDenied):
        user_profile_update(user=alice, acting_user=eve, given_name="Eve")
    alice.refresh_from_db()
    assert alice.given_name == "Alice"


def test_profile_update_refuses_fields_outside_the_profile(alice):
    with pytest.raises(TypeError):
        user_profile_update(user=alice, acting_user=alice, email_verified=True)


def test_profile_update_refusal_leaves_the_object_as_stored(alice):
    with pytest.raises(ValidationError):
        user_profile_update(user=alice, acting_user=alice, given_name="", postal_code="nope")
    assert alice.given_name == "Alice"
    assert alice.postal_code == ""


def test_profile_update_asks_access_about_the_fields_that_change(alice, monkeypatch):
    asked = []

    def spy(**kwargs):
        asked.append(kwargs["fields"])
        access_user_profile_change(**kwargs)

    monkeypatch.setattr(services, "access_user_profile_change", spy)
    user_profile_update(
        user=alice, acting_user=alice, given_name="Alice", family_name="Roy", phone=""
    )
    assert asked == [{"family_name"}]


def test_profile_update_writes_nothing_access_refuses(alice, monkeypatch):
    """A lock added to access_user_profile_change (names once proven) holds everywhere."""

    def names_locked(*, acting_user, user, fields, assurance):
        if {"given_name", "family_name", "birth_date"} & set(fields):
            raise PermissionDenied

    monkeypatch.setattr(services, "access_user_profile_change", names_locked)
    with pytest.raises(PermissionDenied):
        user_profile_update(user=alice, acting_user=alice, family_name="Roy", locality="Lévis")
    alice.refresh_from_db()
    assert alice.family_name == "Tremblay"
    assert alice.locality == ""
    user_profile_update(user=alice, acting_user=alice, family_name="Tremblay", locality="Lévis")
    alice.refresh_from_db()
    assert alice.locality == "Lévis"
