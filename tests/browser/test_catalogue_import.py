"""A store's owner, in Chromium, sends a catalogue file from the store's tools; the import's
page shows a progress bar that the page updates in place (HTMX polling its status) until
it reaches 100 %, then what the file did."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from conftest import csp_violations_watch
from tests.browser.test_accessibility import session_cookie
from tests.browser.test_store_listings import RETAILER
from tests.browser.test_store_listings import store as store  # a fixture, re-exported

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "code_produit;titre_fr;description_fr;variante;prix;stock;taille_casier;poids_grammes\r\n"
    "VIS-100;Vis à bois;Boîte de vis n° 8.;100 vis;6,49;12;S;400\r\n"
    "VIS-250;Vis à bois;;250 vis;12,99;7;S;900\r\n"
    "CLOU-1;Clous;Clous galvanisés.;1 kg;8,25;3;M;1000\r\n"
).encode("cp1252")


def test_the_progress_bar_reaches_100_percent_in_place(
    chromium,
    live_server,
    store,
    monkeypatch,
):
    from marketplace import tasks
    from marketplace.catalogue_imports import catalogue_import_run
    from marketplace.models import CatalogueImport, Variant

    # The task waits, as it would for a worker, until the test runs it below.
    monkeypatch.setattr(tasks.catalogue_import_run, "apply_async", lambda *a, **k: None)
    context = chromium.new_context(base_url=live_server.url, locale="fr-CA")
    context.set_default_timeout(10_000)
    violations = csp_violations_watch(context)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session_cookie(RETAILER, "low"),
                "url": live_server.url,
            },
            {"name": "django_language", "value": "en", "url": live_server.url},
        ]
    )
    page = context.new_page()
    page.goto(reverse("marketplace:my_stores"))
    page.click(f"a[href='{reverse('marketplace:catalogue_import_page', args=[store.slug])}']")
    assert page.locator("[data-catalogue-template]").count() == 1
    page.set_input_files(
        "#id_file", files=[{"name": "quincaillerie.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    page.click("[data-catalogue-import-form] button[type=submit]")
    page.wait_for_url("**/catalogue/imports/*/")
    progress = page.locator("#catalogue-import-progress")
    assert progress.get_attribute("value") == "0"
    assert page.locator("[data-import-status]").get_attribute("data-import-status") == "queued"
    page.evaluate("window.stillTheSamePage = true")

    catalogue_import = CatalogueImport.objects.get(store=store)
    catalogue_import_run(import_id=catalogue_import.pk)

    page.wait_for_selector("#catalogue-import-progress[value='100']")
    assert page.evaluate("window.stillTheSamePage") is True  # updated in place
    message = page.locator("[data-import-message]")
    assert message.get_attribute("role") == "status"
    assert "100%: 3 created, 0 updated, 0 unchanged." in message.inner_text()
    assert page.locator("[data-import-changes] tbody tr").count() == 3
    assert Variant.objects.get(store=store, sku="VIS-250").price == Decimal("12.99")
    assert sorted(Variant.objects.filter(store=store).values_list("sku", flat=True)) == [
        "CLOU-1",
        "VIS-100",
        "VIS-250",
    ]
    context.close()
    assert violations == []
