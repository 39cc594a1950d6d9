"""Attempt counters kept in Django's cache, shared by every process that uses that cache.

A `RateLimit` allows `limit` attempts per key in a window that opens with the key's first
attempt and lasts `window` seconds. Counting uses only `cache.add` and `cache.incr`, which
are atomic on Redis and memcached (and under a lock in the local-memory cache), so two
requests at once cannot both take the last attempt.

Each window has its own counter, named by the instant the window ends. Redis's `incr`
recreates a counter that expired between Django's existence check and the increment,
without a timeout; such a counter belongs to a closed window and is never read again,
instead of locking the key out for ever.
"""

import contextlib
import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class RateLimit:
    name: str
    limit: int
    window: int  # seconds

    def _base(self, key: str) -> str:
        # Hashed: keys may be email addresses, which need not sit in the cache in clear,
        # and memcached refuses long keys or keys with spaces.
        return f"ratelimit:{self.name}:{hashlib.sha256(key.encode()).hexdigest()}"

    def _window_end(self, base: str, *, open_new: bool) -> int | None:
        """When the key's current window ends (ms since the epoch), opening one if asked."""
        now = time.time() * 1000
        end = cache.get(f"{base}:end")
        if end is not None and end > now:
            return end
        if not open_new:
            return None
        candidate = int(now) + self.window * 1000
        if cache.add(f"{base}:end", candidate, timeout=self.window):
            return candidate
        end = cache.get(f"{base}:end")  # another request opened it just now
        if end is not None and end > now:
            return end
        cache.set(f"{base}:end", candidate, timeout=self.window)
        return candidate

    def hit(self, key: str) -> int:
        """Count one attempt for `key`; return the attempts in its window, this one included."""
        base = self._base(key)
        end = self._window_end(base, open_new=True)
        counter = f"{base}:{end}"
        cache.add(counter, 0, timeout=max(1, math.ceil(end / 1000 - time.time())))
        try:
            return cache.incr(counter)
        except ValueError:
            return 1  # the window closed meanwhile; the next attempt opens another

    def unhit(self, key: str) -> None:
        """Take back one attempt counted for `key` in its current window."""
        base = self._base(key)
        end = self._window_end(base, open_new=False)
        if end is None:
            return
        with contextlib.suppress(ValueError):  # the window closed meanwhile
            cache.decr(f"{base}:{end}")

    def take(self, key: str) -> bool:
        """Count one attempt for `key`; True if it is within the limit."""
        return self.hit(key) <= self.limit

    def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again: 0 unless its window's attempts are all used."""
        base = self._base(key)
        end = self._window_end(base, open_new=False)
        if end is None or cache.get(f"{base}:{end}", 0) < self.limit:
            return 0
        return max(1, math.ceil(end / 1000 - time.time()))

    def reset(self, key: str) -> None:
        """Forget `key`'s attempts; its next attempt opens a new window."""
        base = self._base(key)
        end = self._window_end(base, open_new=False)
        cache.delete_many([f"{base}:end", f"{base}:{end}"])


class RateLimited(Exception):
    """A request refused for too many attempts, to retry after `retry_after` seconds.

    A view that lets one escape answers the site's 429 with a Retry-After header
    (config.middleware.RateLimitedMiddleware): a page for a person, problem+json for a
    program. Views whose form can say it themselves catch it and re-render the form.
    """

    retry_after: int


@dataclass(frozen=True)
class Refusal:
    """Why attempts were refused: the limits spent ("account+client") and when to retry."""

    reason: str
    retry_after: int


def attempts_count(counted: list[tuple[RateLimit, str, str]]) -> Refusal | None:
    """Count one attempt on each (limit, key, reason). If any limit is spent, take every
    attempt back (a refusal is not an attempt) and say which and for how long; else None.
    Counting before checking means requests sent at once cannot get past a limit."""
    over = [(limit, key, reason) for limit, key, reason in counted if limit.hit(key) > limit.limit]
    if not over:
        return None
    for limit, key, _reason in counted:
        limit.unhit(key)
    return Refusal(
        reason="+".join(reason for _limit, _key, reason in over),
        retry_after=max(limit.retry_after(key) for limit, key, _reason in over) or 1,
    )


def client_address_counted(address: str) -> str:
    """The form of a client address that per-client limits count.

    An IPv4 address is itself. An IPv6 address is its /64 network: one subscriber or host
    is routinely given a whole /64 and can pick a new address in it for every request, so
    counting single IPv6 addresses would not limit anyone. An IPv4 address written in IPv6
    (::ffff:192.0.2.1) is the IPv4 address. Anything else is returned as it came.
    """
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def client_ip(request: HttpRequest) -> str:
    """The address that per-client limits count (client_address_counted: an IPv6 /64).

    Facing clients directly (TRUSTED_PROXY_COUNT = 0), the peer of the connection. Behind
    N trusted reverse proxies, the address the outermost one received the request from:
    the Nth entry from the right of X-Forwarded-For. Entries further left were written by
    the client and are never believed. A header shorter than N, or an entry that is not
    an address, means the request did not come through the proxies: the peer is counted.
    """
    return client_address_counted(_client_address(request))


def _client_address(request: HttpRequest) -> str:
    peer = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return peer
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < proxies:
        return peer
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return peer
