"""Signed webhooks, whoever sends them: the stores' (marketplace/webhooks.py) and the
services' (identity/webhooks.py). The receiver's side is docs/store-webhooks.md, with its
test vector; docs/service-webhooks.md says the same for services.

- A body is compact JSON with sorted keys, `{"id", "type", "created", "data"}`, stored as
  it goes out and sent byte for byte on every attempt.
- `Uniqc-Signature: t=<unix>,v1=<hex>[,v1=<hex>]`: HMAC-SHA256 of `<t>.<body>` under each
  secret that signs now (the current one, and the previous one for 24 hours after a
  rotation). Secrets are kept sealed (core.sealed.key_sealer).
- We only call https URLs on public addresses, never follow a redirect, and connect to the
  address we checked (no second DNS answer in between).
- Failures wait 1 min, 5 min, 30 min, 2 h, 12 h; after the sixth attempt a delivery has
  failed. A claimed attempt whose worker died is due again after CLAIM_LEASE.

Two settings, named for their first user, govern every signed webhook:
MARKETPLACE_WEBHOOK_TIMEOUT_SECONDS and MARKETPLACE_WEBHOOK_ALLOW_PRIVATE (http:// and
private addresses, for tests and `make run`; production refuses it).

This module imports nothing of our apps: it is the bottom layer.
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.sealed import key_sealer

SIGNATURE_HEADER = "Uniqc-Signature"
# Waits after the 1st, 2nd … failed attempt; after the last one the delivery has failed.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A claimed attempt whose worker died is due again after this (longer than any call).
CLAIM_LEASE = timedelta(minutes=2)
# How long the previous secret still signs after a rotation.
ROTATION_OVERLAP = timedelta(hours=24)
EXCERPT_MAX = 200
URL_MAX = 500
SWEEP_BATCH = 100


class WebhookUrlRefused(Exception):
    """A webhook URL we will not call: not https, or a host on a private network. Each
    app turns it into its own coded error."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- Signing ------------------------------------------------------------------------------


def signature_header(*, secrets_: list[str], timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex>[,v1=<hex>]`: HMAC-SHA256 of `<t>.<body>` under each secret."""
    signed = str(timestamp).encode() + b"." + body
    parts = [f"t={timestamp}"]
    for secret in secrets_:
        digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        parts.append(f"v1={digest}")
    return ",".join(parts)


def secret_seal(secret: str) -> str:
    return key_sealer().encrypt(secret.encode()).decode()


def secret_unseal(sealed: str) -> str:
    return key_sealer().decrypt(sealed.encode()).decode()


def secret_new() -> str:
    """A new signing secret (shown once to whoever receives the webhooks)."""
    return f"whsec_{secrets.token_urlsafe(32)}"


def signing_secrets(
    *,
    secret_sealed: str,
    previous_secret_sealed: str,
    previous_secret_expires_at: datetime | None,
    now: datetime | None = None,
) -> list[str]:
    """The secrets that sign now: the current one, then the previous one until its end."""
    now = now or timezone.now()
    found = [secret_unseal(secret_sealed)]
    if previous_secret_sealed and previous_secret_expires_at and previous_secret_expires_at > now:
        found.append(secret_unseal(previous_secret_sealed))
    return found


# --- Events -------------------------------------------------------------------------------


def event_id_new() -> str:
    return f"evt_{secrets.token_hex(12)}"


def event_body(*, event_id: str, event_type: str, created: int, data: dict) -> str:
    """The body as sent: compact JSON, keys sorted, UTF-8 (stored as it goes out)."""
    document = {"id": event_id, "type": event_type, "created": created, "data": data}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_headers(
    *, event_id: str, event_type: str, body: bytes, secrets_: list[str], timestamp: int
) -> dict[str, str]:
    """The headers of one attempt, signed at `timestamp`."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "Uniqc-Webhooks/1",
        "Uniqc-Event-Id": event_id,
        "Uniqc-Event-Type": event_type,
        SIGNATURE_HEADER: signature_header(secrets_=secrets_, timestamp=timestamp, body=body),
    }


# --- Where we may send ------------------------------------------------------------------


def _address_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def webhook_url_check(url: str) -> tuple[str, str, int, str]:
    """The scheme, host, port and one checked address to connect to for `url`; raise
    WebhookUrlRefused unless it is https (http too when MARKETPLACE_WEBHOOK_ALLOW_PRIVATE)
    and every address its host resolves to is public (or private ones are allowed)."""
    allow_private = settings.MARKETPLACE_WEBHOOK_ALLOW_PRIVATE
    if not isinstance(url, str) or len(url) > URL_MAX or any(c.isspace() for c in url):
        raise WebhookUrlRefused(_("Give a web address of at most 500 characters."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookUrlRefused(_("This is not a web address.")) from None
    allowed_schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed_schemes:
        raise WebhookUrlRefused(_("The address must start with https://."))
    if not parts.hostname or parts.username or parts.password:
        raise WebhookUrlRefused(_("The address needs a host name, without a user or password."))
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise WebhookUrlRefused(_("The host name of this address is not found.")) from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise WebhookUrlRefused(_("The host name of this address is not found."))
    if not allow_private and not all(_address_public(a) for a in addresses):
        raise WebhookUrlRefused(
            _("The address is on a private network: webhooks go to public addresses only.")
        )
    return parts.scheme, parts.hostname, port, addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address we checked, whatever the DNS says now."""

    def __init__(self, host: str, address: str, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the address we checked; the certificate is checked for the host name."""

    def __init__(self, host: str, address: str, **kwargs: Any) -> None:
        super().__init__(host, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class PostResult:
    status: int | None
    excerpt: str
    error: str

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def webhook_post(*, url: str, body: bytes, headers: dict[str, str]) -> PostResult:
    """POST `body` to `url` once, with a short timeout and no redirect followed (a 3xx
    is a failure); never raises for the receiver's faults."""
    try:
        scheme, host, port, address = webhook_url_check(url)
    except WebhookUrlRefused as refused:
        return PostResult(None, "", str(refused.message)[:EXCERPT_MAX])
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(
        host, address, port=port, timeout=settings.MARKETPLACE_WEBHOOK_TIMEOUT_SECONDS
    )
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(1024).decode("utf-8", errors="replace")[:EXCERPT_MAX]
        return PostResult(response.status, excerpt, "")
    except TimeoutError:
        return PostResult(None, "", "timeout")
    except (OSError, http.client.HTTPException) as error:
        return PostResult(None, "", f"{type(error).__name__}: {error}"[:EXCERPT_MAX])
    finally:
        connection.close()


def delivery_outcome(
    *, attempt_number: int, result: PostResult, now: datetime
) -> tuple[str, datetime | None]:
    """A delivery's status ("succeeded", "failed" or "pending") and next attempt after an
    attempt numbered `attempt_number` came back with `result`."""
    if result.succeeded:
        return "succeeded", None
    if attempt_number >= MAX_ATTEMPTS:
        return "failed", None
    return "pending", now + BACKOFF[attempt_number - 1]
