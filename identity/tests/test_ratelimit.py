"""The cache-backed attempt counter, on the test cache and on a real Redis."""

import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache

from identity import ratelimit
from identity.ratelimit import RateLimit

LIMIT = RateLimit("test", limit=3, window=60)


@pytest.fixture
def clock(monkeypatch):
    """Move time.time() (the limiter's clock and the local-memory cache's) forward."""
    start = time.time()
    offset = [0.0]
    monkeypatch.setattr(time, "time", lambda: start + offset[0])

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance


def test_take_allows_the_limit_then_refuses():
    assert [LIMIT.take("k") for _ in range(5)] == [True, True, True, False, False]


def test_keys_are_counted_apart():
    for _ in range(3):
        LIMIT.hit("a")
    assert LIMIT.take("b") is True
    assert LIMIT.take("a") is False


def test_limits_with_different_names_are_counted_apart():
    other = RateLimit("other", limit=3, window=60)
    for _ in range(3):
        LIMIT.hit("k")
    assert other.take("k") is True


def test_retry_after_is_zero_until_the_limit_is_reached(clock):
    LIMIT.hit("k")
    LIMIT.hit("k")
    assert LIMIT.retry_after("k") == 0
    LIMIT.hit("k")
    assert LIMIT.retry_after("k") == 60


def test_the_window_opens_with_the_first_attempt_and_does_not_slide(clock):
    LIMIT.hit("k")
    clock(50)
    LIMIT.hit("k")
    LIMIT.hit("k")
    assert LIMIT.retry_after("k") == 10
    clock(11)
    assert LIMIT.retry_after("k") == 0
    assert LIMIT.hit("k") == 1


def test_unhit_takes_one_attempt_back():
    for _ in range(3):
        LIMIT.hit("k")
    LIMIT.unhit("k")
    assert LIMIT.retry_after("k") == 0
    assert LIMIT.hit("k") == 3


def test_unhit_without_a_window_does_nothing():
    LIMIT.unhit("k")
    assert LIMIT.hit("k") == 1


def test_reset_forgets_the_attempts():
    for _ in range(3):
        LIMIT.hit("k")
    LIMIT.reset("k")
    assert LIMIT.retry_after("k") == 0
    assert LIMIT.hit("k") == 1


def test_a_counter_left_without_timeout_does_not_lock_the_next_window(clock):
    """Redis's incr can recreate an expired counter without a timeout; it must not matter."""
    LIMIT.hit("k")
    base = LIMIT._base("k")
    end = cache.get(f"{base}:end")
    clock(61)
    cache.set(f"{base}:{end}", 99, timeout=None)
    assert LIMIT.retry_after("k") == 0
    assert LIMIT.hit("k") == 1


def test_keys_do_not_appear_in_clear_in_the_cache(monkeypatch):
    # Watch the keys the limiter hands to the cache, whatever the backend is.
    seen: list[str] = []
    for name in ("get", "add", "set", "incr", "decr", "delete"):
        original = getattr(cache, name)

        def spy(key, *args, _original=original, **kwargs):
            seen.append(key)
            return _original(key, *args, **kwargs)

        monkeypatch.setattr(cache, name, spy)
    LIMIT.hit("alice@example.com")
    assert seen
    assert not any("alice" in key for key in seen)


def _race(limit: RateLimit, key: str, attempts: int) -> list[int]:
    barrier = threading.Barrier(attempts, timeout=10)

    def attempt(_n: int) -> int:
        barrier.wait()
        return limit.hit(key)

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        return sorted(pool.map(attempt, range(attempts)))


def test_attempts_at_once_are_each_counted_once():
    assert _race(LIMIT, "k", 30) == list(range(1, 31))


@pytest.fixture
def redis_cache(monkeypatch):
    """The limiter on the real Redis, under a key prefix no one else uses.

    The keys expire with their window; nothing is flushed, since this Redis also
    carries the Celery broker.
    """
    redis = RedisCache(
        os.environ["CELERY_BROKER_URL"], {"KEY_PREFIX": f"uniqc-test-{uuid.uuid4().hex}"}
    )
    monkeypatch.setattr(ratelimit, "cache", redis)
    yield redis
    redis.close()


@pytest.mark.services
def test_on_redis_take_allows_the_limit_then_refuses(redis_cache):
    limit = RateLimit("test", limit=3, window=5)
    assert [limit.take("k") for _ in range(4)] == [True, True, True, False]
    assert 0 < limit.retry_after("k") <= 5
    limit.unhit("k")
    assert 0 < limit.retry_after("k") <= 5
    limit.unhit("k")
    assert limit.retry_after("k") == 0
    limit.reset("k")
    assert limit.hit("k") == 1


@pytest.mark.services
def test_on_redis_attempts_at_once_are_each_counted_once(redis_cache):
    assert _race(RateLimit("test", limit=3, window=5), "k", 30) == list(range(1, 31))


@pytest.mark.services
def test_on_redis_the_window_closes(redis_cache):
    limit = RateLimit("test", limit=1, window=1)
    assert limit.take("k") is True
    assert limit.take("k") is False
    time.sleep(1.2)
    assert limit.take("k") is True


# --- Which address is counted -----------------------------------------------------------


def request_from(peer: str, forwarded: str | None = None):
    from django.test import RequestFactory

    headers = {} if forwarded is None else {"X-Forwarded-For": forwarded}
    return RequestFactory(REMOTE_ADDR=peer, headers=headers).get("/")


def test_facing_clients_the_peer_is_counted_whatever_the_header_says(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert ratelimit.client_ip(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@pytest.mark.parametrize(
    ("forwarded", "counted"),
    [
        ("203.0.113.9", "203.0.113.9"),
        # The client wrote the first entry itself; the proxy appended the real one.
        ("198.51.100.1, 203.0.113.9", "203.0.113.9"),
        ("2001:db8::1", "2001:db8::/64"),
        # Not through the proxy, or nonsense: the peer.
        (None, "10.0.0.2"),
        ("", "10.0.0.2"),
        ("not-an-address", "10.0.0.2"),
    ],
)
def test_behind_one_proxy_the_address_it_received_from_is_counted(settings, forwarded, counted):
    settings.TRUSTED_PROXY_COUNT = 1
    assert ratelimit.client_ip(request_from("10.0.0.2", forwarded)) == counted


def test_behind_two_proxies_the_second_entry_from_the_right_is_counted(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = request_from("10.0.0.3", "198.51.100.1, 203.0.113.9, 10.0.0.2")
    assert ratelimit.client_ip(request) == "203.0.113.9"
    assert ratelimit.client_ip(request_from("10.0.0.3", "203.0.113.9")) == "10.0.0.3"


@pytest.mark.parametrize(
    ("address", "counted"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("", ""),
        ("not-an-address", "not-an-address"),
    ],
)
def test_an_ipv6_address_is_counted_as_its_64_and_ipv4_as_itself(address, counted):
    assert ratelimit.client_address_counted(address) == counted


@pytest.mark.parametrize("proxies", [0, 1])
def test_the_counted_client_of_an_ipv6_peer_is_its_64(settings, proxies):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = request_from("2001:db8:1:2::9", "2001:db8:1:2::9" if proxies else None)
    assert ratelimit.client_ip(request) == "2001:db8:1:2::/64"
