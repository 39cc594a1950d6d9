"""Races between transactions, on PostgreSQL: each thread has its own connection."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from identity.errors import VerificationLinkInvalid
from identity.models import User
from identity.services import email_verify, user_create
from identity.tests.conftest import PASSWORD
from identity.tokens import email_verification_token


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgresql_only")
def test_one_verification_link_used_twice_at_once_verifies_once(monkeypatch):
    user = user_create(
        email="alice@example.com", password=PASSWORD, given_name="Alice", family_name="Tremblay"
    )
    token = email_verification_token.make_token(user)
    # Both threads pass the token check before either writes, so only the conditional
    # update can keep the second one from verifying again.
    barrier = threading.Barrier(2, timeout=10)
    check_token = email_verification_token.check_token

    def check_token_then_wait(user: User, token: str) -> bool:
        valid = check_token(user, token)
        barrier.wait()
        return valid

    monkeypatch.setattr(email_verification_token, "check_token", check_token_then_wait)

    def verify(_n: int) -> tuple[int, object]:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (backend,) = cursor.fetchone()
            try:
                verified = email_verify(user=User.objects.get(pk=user.pk), token=token)
            except VerificationLinkInvalid as exc:
                return backend, exc
            return backend, verified.email_verified_at
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(verify, range(2)))

    backends = {backend for backend, _outcome in results}
    assert len(backends) == 2
    outcomes = [outcome for _backend, outcome in results]
    refused = [o for o in outcomes if isinstance(o, VerificationLinkInvalid)]
    verified_at = [o for o in outcomes if not isinstance(o, VerificationLinkInvalid)]
    assert len(refused) == 1
    assert len(verified_at) == 1
    user.refresh_from_db()
    assert user.email_verified is True
    assert user.email_verified_at == verified_at[0]
