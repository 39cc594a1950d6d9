"""The demo's point-of-sale API key: made once by the bakery's owner, printed by
`make run`, and it works at once."""

import pytest

from core.demo import DemoSummary
from identity import demo as identity_demo
from marketplace.demo import demo_load
from marketplace.demo_store_api import (
    DEMO_STORE_API_KEY,
    DEMO_STORE_API_STORE,
    store_api_demo_sign_in,
)
from marketplace.models import StoreApiKey
from marketplace.store_api import store_api_key_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return identity_demo.demo_load(summary=DemoSummary())


def test_the_demo_key_is_made_once_and_opens_the_bakery(client, people):
    demo_load(summary=DemoSummary(), people=people)
    summary = DemoSummary()
    demo_load(summary=summary, people=people)
    assert summary.existing["store API keys"] == 1
    [api_key] = StoreApiKey.objects.all()
    assert api_key.store.slug == DEMO_STORE_API_STORE
    assert api_key.created_by == people["store@demo.uniqc.coop"]
    assert DEMO_STORE_API_KEY not in api_key.secret_digest
    response = client.get(
        "/api/v1/store/listings/", HTTP_AUTHORIZATION=f"Bearer {DEMO_STORE_API_KEY}"
    )
    assert response.status_code == 200
    assert response.json()["count"] > 0


def test_make_run_prints_the_demo_key_while_it_is_live(people):
    demo_load(summary=DemoSummary(), people=people)
    lines = store_api_demo_sign_in()
    assert DEMO_STORE_API_KEY in lines[0]
    assert "curl" in lines[1]
    api_key = StoreApiKey.objects.get()
    store_api_key_revoke(api_key=api_key, acting_user=people["store@demo.uniqc.coop"])
    assert store_api_demo_sign_in() == []
    demo_load(summary=DemoSummary(), people=people)  # a revoked demo key stays revoked
    assert StoreApiKey.objects.get().revoked_at is not None
