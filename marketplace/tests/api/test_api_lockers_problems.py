"""Lockers' refusals reach API clients as problem documents like the marketplace's: a
stable code, the status their class names, and their own members (attempts left, the
time a locked kiosk opens again, with Retry-After)."""

from datetime import timedelta

from django.utils import timezone

from lockers.errors import KioskLocked, NoRoom, PickupCodeRefused
from marketplace.api.problems import api_exception_handler


def test_a_lockers_refusal_is_a_problem_with_its_code_and_status():
    response = api_exception_handler(NoRoom(), {})
    assert response.status_code == 409
    assert response.data["code"] == "no_room"


def test_a_wrong_code_says_how_many_tries_are_left():
    response = api_exception_handler(PickupCodeRefused(attempts_left=3), {})
    assert response.status_code == 400
    assert response.data["attempts_left"] == 3


def test_a_locked_kiosk_says_until_when_and_retry_after():
    until = timezone.now() + timedelta(minutes=10)
    response = api_exception_handler(KioskLocked(until=until), {})
    assert response.status_code == 429
    assert response.data["locked_until"] == until.isoformat()
    assert 590 <= int(response["Retry-After"]) <= 600
