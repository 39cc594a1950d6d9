"""Passkey races between real transactions on PostgreSQL: each thread has its own
connection."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from identity.models import Passkey
from identity.passkeys import errors, services
from identity.tests.passkeys.authenticator import SoftAuthenticator, cose_public_key
from identity.tests.passkeys.conftest import ORIGIN

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgresql_only"),
]


def test_two_assertions_with_one_count_at_once_sign_in_once(alice, card, monkeypatch):
    """A cloned authenticator used at the same moment as the original: the counter update
    is conditional, so only one of two assertions carrying the same count gets through."""
    authenticator = SoftAuthenticator(origin=ORIGIN, rp_id="uniqc.test")
    authenticator.user_handle = alice.public_id.bytes
    Passkey.objects.create(
        user=alice,
        card=card,
        credential_id=authenticator.credential_id,
        public_key=cose_public_key(authenticator.key),
        sign_count=5,
        name="Mon portable",
    )
    attempts = []
    for _ in range(2):
        session = SessionStore()
        options = services.passkey_authentication_options(session=session, client_ip="192.0.2.1")
        attempts.append((session, authenticator.get(options, sign_count=6)))
    # Both threads have verified their signature before either records the count.
    barrier = threading.Barrier(2, timeout=10)
    verify = services.verify_authentication_response

    def verify_then_wait(**kwargs):
        verified = verify(**kwargs)
        barrier.wait()
        return verified

    monkeypatch.setattr(services, "verify_authentication_response", verify_then_wait)

    def sign_in(n: int):
        session, credential = attempts[n]
        try:
            return services.passkey_authenticate(
                session=session, credential=credential, client_ip="192.0.2.1"
            )
        except errors.PasskeyError as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(sign_in, range(2)))

    assert sum(isinstance(o, services.PasskeySignIn) for o in outcomes) == 1
    assert sum(isinstance(o, errors.SignCountRegressed) for o in outcomes) == 1
    passkey = Passkey.objects.get()
    assert passkey.sign_count == 6
    assert passkey.sign_count_regressed_at is not None
