"""The catalogue search's cache: what a search found, and the API's exact answer, kept
under a "catalogue version" that every change to what a search shows replaces
(docs/decisions/0007-catalogue-search-cache.md).

The version is a random token in Django's cache (shared by every process: Redis in
production). A write that changes listings, variants (price, stock), stores, categories
or photos calls `catalogue_changed()`: the token is forgotten at once and again once the
transaction commits, and the next search starts a new one. An entry is stored under the
version read *before* the search read the database, so an entry computed from rows a
write was replacing is stored under a version that write has already forgotten (or is
about to, on its commit): once a write has committed, no search serves what was there
before it. Setting MARKETPLACE_SEARCH_CACHE_SECONDS bounds an entry's life (0: no cache).
"""

import hashlib
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

# "1" names the shape of the entries: a deploy that changes it never reads the previous.
CATALOGUE_VERSION_KEY = "marketplace:search:1:version"
RESULTS_KEY = "marketplace:search:1:results:{digest}"
RESPONSE_KEY = "marketplace:search:1:response:{digest}"
# The version outlives the entries; when it is forgotten anyway (eviction), a new one
# starts and the old entries are never read again.
VERSION_SECONDS = 24 * 3600


def search_cache_seconds() -> int:
    return int(getattr(settings, "MARKETPLACE_SEARCH_CACHE_SECONDS", 0) or 0)


def catalogue_version() -> str | None:
    """The current catalogue version, started when there is none; None when the cache is
    off (MARKETPLACE_SEARCH_CACHE_SECONDS = 0) or keeps nothing (DummyCache). Read it
    before reading the database for what you will store under it."""
    if search_cache_seconds() <= 0:
        return None
    version = cache.get(CATALOGUE_VERSION_KEY)
    if version is None:
        # Of several processes starting a version at once, the first to add it wins.
        cache.add(CATALOGUE_VERSION_KEY, uuid.uuid4().hex, VERSION_SECONDS)
        version = cache.get(CATALOGUE_VERSION_KEY)
    return version


def catalogue_changed() -> None:
    """What a search shows may have changed: forget the version now (the rest of this
    transaction searches afresh) and again once the transaction commits (a search that
    read the old rows in between stored its entry under a version that is then gone)."""
    cache.delete(CATALOGUE_VERSION_KEY)
    transaction.on_commit(lambda: cache.delete(CATALOGUE_VERSION_KEY))


def _digest(parts: Any) -> str:
    return hashlib.blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def results_key(*, version: str, language: str, query: dict[str, Any]) -> str:
    """The key of a search's results: the validated, normalised query (so that `?q=pain`
    and `?q=pain&page=1` share it), in a language, at a catalogue version."""
    return RESULTS_KEY.format(digest=_digest((version, language, sorted(query.items()))))


def response_key(*, language: str, scheme: str, host: str, full_path: str) -> str:
    """The key of the API's answer to a URL: the exact URL (its `next` and `previous` are
    built from it), in a language. The version is stored inside the entry, so that one
    read fetches both (`response_cached`)."""
    return RESPONSE_KEY.format(digest=_digest((language, scheme, host, full_path)))


def response_cached(
    key: str, *, also: list[str] = ()
) -> tuple[bytes, dict[str, str], dict[str, Any]] | None:
    """The answer stored under `key` at the current version: (body, headers, and the
    values of the keys `also` names, read in the same round trip); None when there is
    none, it is of an older version, or the cache is off. One cache read."""
    if search_cache_seconds() <= 0:
        return None
    found = cache.get_many([CATALOGUE_VERSION_KEY, key, *also])
    version, entry = found.get(CATALOGUE_VERSION_KEY), found.get(key)
    if version is None or not isinstance(entry, tuple) or len(entry) != 3:
        return None
    entry_version, body, headers = entry
    if entry_version != version:
        return None
    return body, headers, found


def response_store(*, key: str, version: str, body: bytes, headers: dict[str, str]) -> None:
    cache.set(key, (version, body, headers), search_cache_seconds())


def etag_of(body: bytes, language: str) -> str:
    """A strong validator of an answer (RFC 9110 8.8.3): its bytes and language."""
    return '"' + hashlib.blake2b(body + language.encode(), digest_size=12).hexdigest() + '"'
