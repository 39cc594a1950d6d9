"""Authorization requests kept in the session: opaque ids, a few, short-lived, used once."""

import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore

from identity.oidc import pending
from identity.oidc.pending import (
    PENDING_LIFETIME_SECONDS,
    PENDING_MAX,
    PendingTooLarge,
    pending_drop,
    pending_find,
    pending_params,
    pending_sign_in_sent,
    pending_store,
)

NOW = 1_800_000_000
PARAMS = {"client_id": "c", "response_type": "code", "scope": "openid"}


@pytest.fixture
def session() -> SessionStore:
    return SessionStore()


def test_a_kept_request_is_found_by_its_id(session):
    kept = pending_store(session, PARAMS, now=NOW)
    found = pending_find(session, kept.id, now=NOW + 1)
    assert found == kept
    assert found.params == PARAMS
    assert found.sign_in_sent_at is None


def test_ids_are_opaque_and_distinct(session):
    first = pending_store(session, PARAMS, now=NOW)
    second = pending_store(session, PARAMS, now=NOW)
    assert first.id != second.id
    assert len(first.id) >= 22
    assert "openid" not in first.id


def test_an_unknown_id_finds_nothing(session):
    pending_store(session, PARAMS, now=NOW)
    assert pending_find(session, "unknown", now=NOW) is None
    assert pending_find(SessionStore(), "unknown", now=NOW) is None


def test_a_request_expires(session):
    kept = pending_store(session, PARAMS, now=NOW)
    assert pending_find(session, kept.id, now=NOW + PENDING_LIFETIME_SECONDS - 1)
    assert pending_find(session, kept.id, now=NOW + PENDING_LIFETIME_SECONDS) is None


def test_a_session_keeps_a_few_requests_and_drops_the_oldest(session):
    kept = [pending_store(session, PARAMS, now=NOW + n) for n in range(PENDING_MAX + 2)]
    assert len(session[pending.SESSION_PENDING]) == PENDING_MAX
    assert pending_find(session, kept[0].id, now=NOW) is None
    assert pending_find(session, kept[1].id, now=NOW) is None
    assert all(pending_find(session, k.id, now=NOW) for k in kept[2:])


def test_expired_requests_are_pruned_when_one_is_kept(session):
    pending_store(session, PARAMS, now=NOW)
    pending_store(session, PARAMS, now=NOW + PENDING_LIFETIME_SECONDS)
    assert len(session[pending.SESSION_PENDING]) == 1


def test_a_dropped_request_is_gone(session):
    kept = pending_store(session, PARAMS, now=NOW)
    pending_drop(session, kept.id, now=NOW)
    assert pending_find(session, kept.id, now=NOW) is None
    assert pending.SESSION_PENDING not in session


def test_the_sign_in_sent_time_is_recorded(session):
    kept = pending_store(session, PARAMS, now=NOW)
    pending_sign_in_sent(session, kept.id, now=NOW + 5)
    assert pending_find(session, kept.id, now=NOW + 6).sign_in_sent_at == NOW + 5


def test_only_the_parameters_the_endpoint_reads_are_kept():
    data = {**PARAMS, "state": "s", "uniqc_login_after": "0", "extension": "x", "nonce": ""}
    assert pending_params(data) == {**PARAMS, "state": "s"}


def test_a_request_too_long_to_keep_is_refused():
    with pytest.raises(PendingTooLarge):
        pending_params({**PARAMS, "state": "s" * pending.PENDING_MAX_CHARS})
