"""Clients as the token endpoint knows them: kept in each process, checked at issuance.

A service asks for tokens many times a second with the same credentials; reading its
client row for each request would cost more than issuing the token. The token endpoint
therefore authenticates against a copy kept in this process, and every statement that
issues a token also checks, in the database and in the same round trip, that the copy
is still the client's current state (active, same secret, same `updated_at`). A copy
that is out of date stores nothing and raises ClientChanged; the token view then forgets
it and answers the request again from a fresh read. A client authentication that fails
against a copy (a secret reset elsewhere) is tried once more against a fresh read, which
becomes the copy (identity.oidc.server.OidcServer.authenticate_client). No change to a
client is ever missed, in this process or another: it costs one retried request per
process that held a copy.

Only the token endpoint uses these copies. The authorization endpoint (redirect URIs),
introspection and revocation read the client row each time.
"""

from collections.abc import Callable
from threading import Lock
from time import monotonic

from identity.models import OidcClient

# A copy is also dropped after this long, so that a client no one changes still has its
# copy refreshed now and then (name, logo: what no issuance check looks at).
CLIENT_COPY_SECONDS = 300.0
# Copies are made only of active clients that exist; a bound keeps memory flat anyway.
CLIENT_COPIES_MAX = 1000


class ClientChanged(Exception):
    """A client's copy in this process no longer matches its row."""

    def __init__(self, client_id: str) -> None:
        super().__init__(client_id)
        self.client_id = client_id


class ClientCopies:
    def __init__(self) -> None:
        self._copies: dict[str, tuple[float, OidcClient]] = {}
        self._lock = Lock()

    def get(self, client_id: str, read: Callable[[str], OidcClient | None]) -> OidcClient | None:
        """The copy of an active client, made with `read(client_id)` if missing or old."""
        found = self._copies.get(client_id)
        now = monotonic()
        if found is not None and found[0] > now:
            return found[1]
        client = read(client_id)
        if client is None:
            self.forget(client_id)
            return None
        with self._lock:
            if len(self._copies) >= CLIENT_COPIES_MAX:
                self._copies.clear()
            self._copies[client_id] = (now + CLIENT_COPY_SECONDS, client)
        return client

    def forget(self, client_id: str) -> None:
        with self._lock:
            self._copies.pop(client_id, None)

    def forget_all(self) -> None:
        with self._lock:
            self._copies.clear()


client_copies = ClientCopies()


def client_is_current(*, copy: OidcClient, row: OidcClient | None) -> bool:
    """Whether `row`, read now, is still what the copy says."""
    return (
        row is not None
        and row.is_active
        and row.updated_at == copy.updated_at
        and row.client_secret_digest == copy.client_secret_digest
    )


def client_still_current(copy: OidcClient) -> bool:
    """Whether the client's row, read now, is still what the copy says (one query)."""
    return OidcClient.objects.filter(
        pk=copy.pk,
        is_active=True,
        updated_at=copy.updated_at,
        client_secret_digest=copy.client_secret_digest,
    ).exists()
