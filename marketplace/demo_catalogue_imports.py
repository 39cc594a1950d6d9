"""Demo data of the catalogue import: a past import by the bakery's owner, so that `make
run` shows the import page with a finished import (docs/catalogue-csv.md)."""

from collections.abc import Mapping

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from core.demo import DemoSummary
from identity.models import User
from marketplace.catalogue_csv import catalogue_export
from marketplace.catalogue_imports import catalogue_import_run, catalogue_import_start
from marketplace.models import CatalogueImport, Store

DEMO_IMPORT_STORE = "boulangerie-du-faubourg"
DEMO_IMPORT_OWNER = "store@demo.uniqc.coop"


def catalogue_imports_demo_load(
    *, summary: DemoSummary, people: Mapping[str, User], stores: Mapping[str, Store]
) -> None:
    """The bakery's owner imported the bakery's own export once: every row unchanged. Made
    through the services and run at once; a second seed finds it and adds nothing."""
    store = stores[DEMO_IMPORT_STORE]
    if CatalogueImport.objects.filter(store=store).exists():
        summary.count("catalogue imports", False)
        return
    data = catalogue_export(store, language="fr", delimiter=";", encoding="utf-8")
    with transaction.atomic():
        catalogue_import = catalogue_import_start(
            store=store,
            upload=SimpleUploadedFile("catalogue-boulangerie.csv", data),
            acting_user=people[DEMO_IMPORT_OWNER],
        )
    # Eager Celery ran it on commit; with a broker, run it here (the worker then finds it
    # finished and does nothing).
    catalogue_import_run(import_id=catalogue_import.pk)
    summary.count("catalogue imports", True)
