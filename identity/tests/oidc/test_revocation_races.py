"""A revocation racing a refresh, on PostgreSQL: whichever reaches the grant first, no
token issued under a revoked grant stays live (identity.oidc.token_store)."""

import base64
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client

from identity.models import OidcAccessToken, OidcRefreshToken
from identity.oidc.services import (
    digest,
    oidc_client_secret_reset,
    oidc_consent_revoke,
    oidc_grant_revoke,
)
from identity.tests.oidc.conftest import refresh_token_for, token_post

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgresql_only"),
]

WAIT_SECONDS = 10


class Session(threading.Thread):
    """Work on a connection of its own (a thread's own Django connection), optionally
    inside a transaction held open until `commit` is set."""

    def __init__(self, work: Callable[[], Any], *, hold_open: bool = False) -> None:
        super().__init__(daemon=True)
        self.work = work
        self.hold_open = hold_open
        self.started_work = threading.Event()
        self.done_work = threading.Event()
        self.commit = threading.Event()
        self.backend_pid: int | None = None
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend_pid = cursor.fetchone()[0]
            self.started_work.set()
            if self.hold_open:
                with transaction.atomic():
                    self.result = self.work()
                    self.done_work.set()
                    assert self.commit.wait(WAIT_SECONDS), "never told to commit"
            else:
                self.result = self.work()
                self.done_work.set()
        except BaseException as error:  # reported by finish()
            self.error = error
        finally:
            self.done_work.set()
            connection.close()

    def finish(self) -> Any:
        self.commit.set()
        self.join(WAIT_SECONDS)
        assert not self.is_alive(), "still running"
        if self.error is not None:
            raise self.error
        return self.result


def wait_until_blocked(session: Session) -> None:
    """Return once the session's connection waits on a lock another transaction holds."""
    assert session.started_work.wait(WAIT_SECONDS)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        assert not session.done_work.is_set(), "finished without waiting on a lock"
        with connection.cursor() as cursor:
            cursor.execute("SELECT cardinality(pg_blocking_pids(%s))", [session.backend_pid])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    raise AssertionError("never blocked")


def refresh(basic: str, token: str):
    return token_post(
        Client(HTTP_HOST="127.0.0.1"), basic, f"grant_type=refresh_token&refresh_token={token}"
    )


def introspected(http, basic: str, token: str) -> dict:
    return http.post(
        "/oidc/introspect",
        f"token={token}",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic,
    ).json()


def assert_dead(http, basic: str, tokens: dict[str, str]) -> None:
    """The tokens of a refresh response are refused everywhere."""
    assert (
        http.get(
            "/oidc/userinfo", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}"
        ).status_code
        == 401
    )
    assert introspected(http, basic, tokens["access_token"]) == {"active": False}
    assert introspected(http, basic, tokens["refresh_token"]) == {"active": False}
    again = refresh(basic, tokens["refresh_token"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_revocation_waits_for_an_open_rotation_then_ends_its_tokens(http, confidential, alice):
    client, basic = confidential
    presented = refresh_token_for(client, alice, "openid")
    # A refresh whose rotation is written but not committed.
    rotation = Session(lambda: refresh(basic, presented), hold_open=True)
    rotation.start()
    assert rotation.done_work.wait(WAIT_SECONDS)
    # "Revoke this service" meanwhile: it must wait for the rotation's grant.
    revocation = Session(lambda: oidc_consent_revoke(user=alice, client=client))
    revocation.start()
    wait_until_blocked(revocation)
    response = rotation.finish()
    revocation.finish()

    assert response.status_code == 200, response.content
    assert_dead(http, basic, response.json())
    assert not OidcAccessToken.objects.filter(revoked_at__isnull=True).exists()
    assert not OidcRefreshToken.objects.filter(revoked_at__isnull=True).exists()


def test_a_rotation_waits_for_an_open_revocation_then_issues_nothing(http, confidential, alice):
    client, basic = confidential
    presented = refresh_token_for(client, alice, "openid")
    grant = OidcRefreshToken.objects.get(token_digest=digest(presented)).grant
    revocation = Session(lambda: oidc_grant_revoke(grant=grant), hold_open=True)
    revocation.start()
    assert revocation.done_work.wait(WAIT_SECONDS)
    rotation = Session(lambda: refresh(basic, presented))
    rotation.start()
    wait_until_blocked(rotation)
    revocation.finish()
    response = rotation.finish()

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert OidcAccessToken.objects.count() == 0
    assert OidcRefreshToken.objects.count() == 1
    assert not OidcRefreshToken.objects.filter(revoked_at__isnull=True).exists()


ROUNDS = 30


def test_no_token_outlives_its_grant_when_refresh_and_revocation_race(http, confidential, alice):
    client, basic = confidential
    for _round in range(ROUNDS):
        presented = refresh_token_for(client, alice, "openid")
        grant = OidcRefreshToken.objects.get(token_digest=digest(presented)).grant
        barrier = threading.Barrier(2, timeout=WAIT_SECONDS)

        def at_once(work: Callable[[], Any], barrier=barrier) -> Callable[[], Any]:
            def run() -> Any:
                barrier.wait()
                return work()

            return run

        rotation = Session(at_once(lambda presented=presented: refresh(basic, presented)))
        revocation = Session(at_once(lambda grant=grant: oidc_grant_revoke(grant=grant)))
        rotation.start()
        revocation.start()
        response = rotation.finish()
        revocation.finish()

        assert grant.access_tokens.filter(revoked_at__isnull=True).count() == 0
        assert grant.refresh_tokens.filter(revoked_at__isnull=True).count() == 0
        if response.status_code == 200:
            assert_dead(http, basic, response.json())
        else:
            assert response.json()["error"] == "invalid_grant"


def client_credentials(basic: str):
    return token_post(Client(HTTP_HOST="127.0.0.1"), basic, "grant_type=client_credentials")


def test_a_client_credentials_grant_waits_for_an_open_secret_reset_then_is_refused(
    http, confidential
):
    """The reset's UPDATE of the client row holds it: the issuance waits, then finds the
    secret it was given no longer the client's, and stores nothing."""
    client, basic = confidential
    reset = Session(lambda: oidc_client_secret_reset(client=client), hold_open=True)
    reset.start()
    assert reset.done_work.wait(WAIT_SECONDS)
    issuance = Session(lambda: client_credentials(basic))
    issuance.start()
    wait_until_blocked(issuance)
    reset.finish()
    response = issuance.finish()

    assert response.status_code == 401, response.content
    assert response.json()["error"] == "invalid_client"
    assert not OidcAccessToken.objects.filter(revoked_at__isnull=True).exists()


def test_a_secret_reset_waits_for_an_open_client_credentials_grant_then_ends_it(http, confidential):
    """An issuance still open when the reset begins holds the client row: the reset waits
    for it, then revokes the grant it stored."""
    client, basic = confidential
    issuance = Session(lambda: client_credentials(basic), hold_open=True)
    issuance.start()
    assert issuance.done_work.wait(WAIT_SECONDS)
    reset = Session(lambda: oidc_client_secret_reset(client=client))
    reset.start()
    wait_until_blocked(reset)
    response = issuance.finish()
    new_secret = reset.finish()

    assert response.status_code == 200, response.content
    new_basic = "Basic " + base64.b64encode(f"{client.client_id}:{new_secret}".encode()).decode()
    assert introspected(http, new_basic, response.json()["access_token"]) == {"active": False}
    assert not OidcAccessToken.objects.filter(revoked_at__isnull=True).exists()
