import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache

from identity.models import User
from identity.services import user_create

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Rate limits live in the cache; each test starts with none spent."""
    cache.clear()


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def make(email: str = "alice@example.com", **fields) -> User:
        fields.setdefault("password", PASSWORD)
        fields.setdefault("given_name", "Alice")
        fields.setdefault("family_name", "Tremblay")
        return user_create(email=email, **fields)

    return make


@pytest.fixture
def alice(make_user) -> User:
    return make_user()


def link_path(body: str, marker: str) -> str:
    """The path of the one link in a mail body that contains `marker`."""
    links = [url for url in re.findall(r"https?://\S+", body) if marker in url]
    assert len(links) == 1, body
    return urlsplit(links[0]).path
