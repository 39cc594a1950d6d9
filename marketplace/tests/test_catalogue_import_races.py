"""One import of a store at a time, between real transactions on PostgreSQL: two imports
claimed at the same moment leave one running and the other waiting (its task retries),
and the second then finds the first's rows."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError

from core.tests.races import all_at_once, barrier_before
from marketplace import catalogue_imports
from marketplace.models import CatalogueImport, CatalogueImportStatus, Variant
from marketplace.services import category_upsert, store_staff_set
from marketplace.tests.test_catalogue_import import csv_bytes, good_rows

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgresql_only"),
]


def test_two_imports_of_a_store_at_once_run_one_after_the_other(
    make_store, store_worker, monkeypatch
):
    store = make_store(listings=0)
    store_staff_set(store=store, user=store_worker, acting_user=None)
    category_upsert(slug="boulangerie", name_fr="Boulangerie")
    # The tasks are run below, by hand, at the same moment.
    monkeypatch.setattr(catalogue_imports, "enqueue_on_commit", lambda *a, **k: None)
    imports = [
        catalogue_imports.catalogue_import_start(
            store=store,
            upload=SimpleUploadedFile(f"{n}.csv", csv_bytes(good_rows(50))),
            acting_user=store_worker,
        )
        for n in range(2)
    ]
    barrier_before(monkeypatch, catalogue_imports, "catalogue_import_claim", 2)

    outcomes = all_at_once(
        lambda n: catalogue_imports.catalogue_import_run(import_id=imports[n].pk), 2
    )

    assert sum(isinstance(outcome, IntegrityError) for outcome in outcomes) == 1
    waiting = next(
        imports[n] for n, outcome in enumerate(outcomes) if isinstance(outcome, IntegrityError)
    )
    waiting.refresh_from_db()
    assert waiting.status == CatalogueImportStatus.QUEUED
    first = next(import_ for import_ in imports if import_.pk != waiting.pk)
    first.refresh_from_db()
    assert (first.status, first.created_count) == ("done", 50)
    # The task's retry, once the first has ended: everything it brings is there already.
    monkeypatch.undo()
    catalogue_imports.catalogue_import_run(import_id=waiting.pk)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.created_count, waiting.unchanged_count) == ("done", 0, 50)
    assert Variant.objects.filter(store=store).count() == 50
    assert not CatalogueImport.objects.filter(status=CatalogueImportStatus.RUNNING).exists()
