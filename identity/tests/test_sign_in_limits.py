"""Brute-force protection of password sign-in, through HTTP."""

import logging
import time

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.urls import reverse

from identity import services
from identity.tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("identity:login")


def sign_in(client, email, password, ip="192.0.2.1"):
    return client.post(LOGIN, {"email": email, "password": password}, REMOTE_ADDR=ip)


def fail(client, times, email="alice@example.com", ip="192.0.2.1"):
    for _ in range(times):
        response = sign_in(client, email, "wrong password", ip)
        assert response.status_code == 200
        assert response.context["form"].has_error("__all__", "invalid_login")


def assert_refused(response):
    assert response.status_code == 429
    assert response.context["form"].has_error("__all__", "too_many_attempts")
    assert int(response["Retry-After"]) > 0


@pytest.fixture
def password_checks(monkeypatch):
    """Every password check the sign-in service makes, in order."""
    checked = []

    def spy(request, **credentials):
        checked.append(credentials["email"])
        return authenticate(request, **credentials)

    monkeypatch.setattr(services, "authenticate", spy)
    return checked


def test_five_failures_lock_the_account_even_for_the_right_password(client, alice):
    fail(client, 5)
    response = sign_in(client, alice.email, PASSWORD)
    assert_refused(response)
    assert "_auth_user_id" not in client.session


def test_the_refusal_says_how_long_to_wait(client, alice):
    fail(client, 5)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = sign_in(client, alice.email, PASSWORD)
    assert "Too many attempts; try again in 15 minutes." in response.content.decode()
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60


def test_a_refused_attempt_does_not_check_the_password(client, alice, password_checks):
    fail(client, 5)
    assert len(password_checks) == 5
    assert_refused(sign_in(client, alice.email, PASSWORD))
    assert len(password_checks) == 5


def test_four_failures_still_let_the_right_password_in(client, alice):
    fail(client, 4)
    response = sign_in(client, alice.email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_a_success_clears_the_account_count(client, alice):
    fail(client, 4)
    assert sign_in(client, alice.email, PASSWORD).status_code == 302
    client.logout()
    fail(client, 4)
    assert sign_in(client, alice.email, PASSWORD).status_code == 302


def test_the_account_count_ignores_letter_case_and_spaces(client, alice):
    for email in ["Alice@Example.com", " alice@EXAMPLE.COM", "ALICE@example.com"]:
        fail(client, 1, email=email)
    fail(client, 2, email="alice@example.com")
    assert_refused(sign_in(client, "aLiCe@example.com", PASSWORD))


def test_the_account_lock_holds_from_another_ip_address(client, alice):
    fail(client, 5, ip="192.0.2.1")
    assert_refused(sign_in(client, alice.email, PASSWORD, ip="198.51.100.7"))


def test_an_unknown_address_is_locked_the_same_way(client, db):
    """Otherwise the lock would tell which addresses have an account."""
    fail(client, 5, email="nobody@example.com")
    assert_refused(sign_in(client, "nobody@example.com", PASSWORD))


def test_an_account_lock_leaves_other_accounts_alone(client, alice, make_user):
    bob = make_user(email="bob@example.com")
    fail(client, 5)
    response = sign_in(client, bob.email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(bob.pk)


def test_the_lock_ends_with_its_window(client, alice, monkeypatch):
    fail(client, 5)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 15 * 60 + 1)
    assert sign_in(client, alice.email, PASSWORD).status_code == 302


def test_refused_attempts_do_not_prolong_the_lock(client, alice, monkeypatch):
    fail(client, 5)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 14 * 60)
    assert_refused(sign_in(client, alice.email, PASSWORD))
    monkeypatch.setattr(time, "time", lambda: now + 15 * 60 + 1)
    assert sign_in(client, alice.email, PASSWORD).status_code == 302


def test_twenty_failures_from_one_ip_address_lock_it(client, alice, make_user):
    for n in range(20):
        fail(client, 1, email=f"person{n}@example.com", ip="203.0.113.9")
    response = sign_in(client, alice.email, PASSWORD, ip="203.0.113.9")
    assert_refused(response)
    assert "_auth_user_id" not in client.session


def test_an_ip_address_lock_leaves_other_addresses_alone(client, alice):
    for n in range(20):
        fail(client, 1, email=f"person{n}@example.com", ip="203.0.113.9")
    assert sign_in(client, alice.email, PASSWORD, ip="192.0.2.1").status_code == 302


def test_twenty_failures_from_one_ipv6_64_lock_all_of_it(client, alice):
    """A host given a /64 could take a fresh address for every attempt: the /64 counts."""
    for n in range(20):
        fail(client, 1, email=f"person{n}@example.com", ip=f"2001:db8:1:2::{n + 1:x}")
    assert_refused(sign_in(client, alice.email, PASSWORD, ip="2001:db8:1:2:ffff::1"))
    assert sign_in(client, alice.email, PASSWORD, ip="2001:db8:1:3::1").status_code == 302


def test_neighbouring_ipv4_addresses_are_counted_apart(client, alice):
    for n in range(20):
        fail(client, 1, email=f"person{n}@example.com", ip="203.0.113.9")
    assert sign_in(client, alice.email, PASSWORD, ip="203.0.113.10").status_code == 302


def test_successes_do_not_count_towards_the_ip_address_limit(client, make_user):
    """People behind one address (an office, a library) may all sign in."""
    for n in range(25):
        user = make_user(email=f"member{n}@example.com")
        assert sign_in(client, user.email, PASSWORD, ip="203.0.113.9").status_code == 302
        client.logout()


def test_refusals_do_not_count_towards_the_ip_address_limit(client, alice, make_user):
    fail(client, 5, email="bob@example.com", ip="203.0.113.9")
    for _ in range(20):
        assert_refused(sign_in(client, "bob@example.com", PASSWORD, ip="203.0.113.9"))
    assert sign_in(client, alice.email, PASSWORD, ip="203.0.113.9").status_code == 302


def test_each_refusal_is_logged_with_its_reason(client, alice, caplog):
    fail(client, 5)
    with caplog.at_level(logging.WARNING, logger="identity.security"):
        sign_in(client, alice.email, PASSWORD)
        sign_in(client, alice.email, PASSWORD)
    records = [r for r in caplog.records if r.name == "identity.security"]
    assert len(records) == 2
    assert "too many failures for account" in records[0].getMessage()
    assert "client_ip=192.0.2.1" in records[0].getMessage()


def test_an_ip_address_refusal_is_logged_as_such(client, alice, caplog):
    for n in range(20):
        fail(client, 1, email=f"person{n}@example.com", ip="203.0.113.9")
    with caplog.at_level(logging.WARNING, logger="identity.security"):
        sign_in(client, alice.email, PASSWORD, ip="203.0.113.9")
    (record,) = [r for r in caplog.records if r.name == "identity.security"]
    assert "too many failures for client" in record.getMessage()


def test_a_malformed_form_is_not_an_attempt(client, alice, password_checks):
    for _ in range(10):
        assert client.post(LOGIN, {"email": "not an address", "password": "x"}).status_code == 200
    assert password_checks == []
    assert sign_in(client, alice.email, PASSWORD).status_code == 302
