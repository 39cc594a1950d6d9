"""The demo's point-of-sale API key: one read-and-write key of the demo bakery, made by
its owner, with a published value, so that a developer can call /api/v1/store/ as soon as
`make run` has printed it (README: "Point-of-sale API")."""

from collections.abc import Mapping

from django.conf import settings

from core.demo import DemoSummary
from marketplace.models import Store, StoreApiKey, StoreApiKeyScope, StoreRole, StoreStaff
from marketplace.store_api import store_api_key_create, store_api_key_digest

DEMO_STORE_API_STORE = "boulangerie-du-faubourg"
DEMO_STORE_API_KEY_NAME = "Caisse de démonstration"
DEMO_STORE_API_PREFIX = "uqs_00000000000de770"
# Published on purpose, like the demo kiosk's secret: it exists only in the demo data
# (`seed_demo`), never in settings, and `make run` prints it.
DEMO_STORE_API_KEY = f"{DEMO_STORE_API_PREFIX}_demo-boulangerie-du-faubourg-published-key0"


def store_api_demo_load(*, summary: DemoSummary, stores: Mapping[str, Store]) -> StoreApiKey | None:
    """The demo bakery's key with the published value, made by its owner through the
    service. A key already there is left as it is (its owner may have revoked it)."""
    store = stores.get(DEMO_STORE_API_STORE)
    if store is None:
        return None
    api_key = StoreApiKey.objects.filter(prefix=DEMO_STORE_API_PREFIX).first()
    summary.count("store API keys", api_key is None)
    if api_key is not None:
        return api_key
    owner = StoreStaff.objects.filter(store=store, role=StoreRole.OWNER).order_by("pk").first()
    if owner is None:
        return None
    api_key, _key = store_api_key_create(
        store=store,
        name=DEMO_STORE_API_KEY_NAME,
        scope=StoreApiKeyScope.READ_WRITE,
        acting_user=owner.user,
    )
    # The service draws a random key; the demo's is known, so that `make run` prints it.
    StoreApiKey.objects.filter(pk=api_key.pk).update(
        prefix=DEMO_STORE_API_PREFIX, secret_digest=store_api_key_digest(DEMO_STORE_API_KEY)
    )
    api_key.refresh_from_db()
    return api_key


def store_api_demo_sign_in() -> list[str]:
    """What `make run` prints for the point-of-sale API: the demo key and a first call."""
    api_key = StoreApiKey.objects.filter(
        prefix=DEMO_STORE_API_PREFIX, revoked_at__isnull=True
    ).first()
    if api_key is None:
        return []
    return [
        f"Demo point-of-sale API key ({DEMO_STORE_API_STORE}, read and write): "
        f"{DEMO_STORE_API_KEY}",
        f'  curl -H "Authorization: Bearer {DEMO_STORE_API_KEY}" '
        f"{settings.SITE_URL}/api/v1/store/listings/",
    ]
