"""A store's catalogue as a CSV file (marketplace/catalogue_imports.py,
docs/catalogue-csv.md): what a good file does, that a bad row changes nothing and is
named with its line and column, dry runs, encodings and delimiters, the export's round
trip, who may (one test per refusal), and the pages."""

import csv
import io
import time
import zipfile
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from identity.audit import audit_events_for
from identity.models import AuditEvent
from marketplace.catalogue_csv import catalogue_export, catalogue_template
from marketplace.catalogue_imports import (
    PROGRESS_KEY,
    catalogue_import_run,
    catalogue_import_start,
)
from marketplace.models import (
    CatalogueImport,
    CatalogueImportStatus,
    Listing,
    ListingStatus,
    StoreStatus,
    Variant,
)
from marketplace.search import catalogue_search
from marketplace.selectors import access_catalogue_import
from marketplace.services import (
    category_upsert,
    payout_account_record,
    store_staff_set,
    store_suspend,
)

pytestmark = pytest.mark.django_db

HEADER_EN = (
    "sku,listing,title_fr,description_fr,category,variant,price,stock,locker_size,weight_grams"
)


@pytest.fixture
def store(make_store, store_worker):
    """An approved store (two listings of two variants), the store worker on its staff,
    a payout account that receives transfers, and the categories `boulangerie` and
    `epicerie-fine`."""
    store = make_store(listings=2)
    store_staff_set(store=store, user=store_worker, acting_user=None)
    payout_account_record(
        store=store, gateway="offline", account_id=f"test_{store.slug}", transfers_enabled=True,
        is_test=True, acting_user=None,
    )  # fmt: skip
    category_upsert(slug="boulangerie", name_fr="Boulangerie", name_en="Bakery")
    category_upsert(slug="epicerie-fine", name_fr="Épicerie fine", name_en="Fine foods")
    return store


@pytest.fixture
def run_import(store, store_worker, django_capture_on_commit_callbacks):
    """Send `data` as the store worker and run its task (eager, on commit); the import as
    it ended. Sent from a page in English: its report is in English."""

    def run(data: bytes, *, dry_run=False, photos=None, user=None, name="catalogue.csv"):
        with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
            catalogue_import = catalogue_import_start(
                store=store,
                upload=SimpleUploadedFile(name, data),
                photos=photos,
                dry_run=dry_run,
                acting_user=user or store_worker,
            )
        catalogue_import.refresh_from_db()
        return catalogue_import

    return run


def snapshot(store):
    """Everything an import could change about the store's catalogue."""
    listings = list(
        Listing.objects.filter(store=store)
        .order_by("slug")
        .values_list("slug", "title_fr", "description_fr", "category_id", "status")
    )
    variants = list(
        Variant.objects.filter(store=store)
        .order_by("sku")
        .values_list("sku", "listing_id", "name", "price", "stock", "size_class", "weight_grams")
    )
    return listings, variants


def good_rows(n: int, *, start: int = 0) -> list[str]:
    """`n` good rows, five variants per listing."""
    return [
        f"SKU-{i:05d},fiche-{i // 5},Article {i // 5},Fait ici.,boulangerie,"
        f"Format {i % 5},{4 + i % 7}.{i % 100:02d},{i % 13},{'SML'[i % 3]},{100 + i}"
        for i in range(start, start + n)
    ]


def csv_bytes(rows: list[str], header: str = HEADER_EN) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def error_at(catalogue_import, line: int, column: str) -> dict:
    found = [e for e in catalogue_import.errors if e["line"] == line and e["column"] == column]
    assert found, catalogue_import.errors
    return found[0]


# --- A good file ---------------------------------------------------------------------------


def test_a_good_file_of_10000_rows_imports(store, run_import, store_worker):
    before = Variant.objects.filter(store=store).count()
    started = time.monotonic()
    catalogue_import = run_import(csv_bytes(good_rows(10_000)))
    elapsed = time.monotonic() - started

    assert catalogue_import.status == CatalogueImportStatus.DONE, catalogue_import.errors[:5]
    assert (catalogue_import.created_count, catalogue_import.updated_count) == (10_000, 0)
    assert Variant.objects.filter(store=store).count() == before + 10_000
    assert Listing.objects.filter(store=store, slug__startswith="fiche-").count() == 2000
    variant = Variant.objects.select_related("listing__category").get(store=store, sku="SKU-00012")
    assert variant.price == Decimal("9.12")
    assert variant.stock == 12
    assert variant.size_class == "S"
    assert variant.listing.slug == "fiche-2"
    assert variant.listing.category.slug == "boulangerie"
    assert variant.listing.status == ListingStatus.DRAFT
    assert elapsed < 60
    # Audited: each variant, each listing and the import, with who did it.
    assert AuditEvent.objects.filter(action="variant.import_create").count() == 10_000
    event = audit_events_for(store).get(action="catalogue.import")
    assert event.acting_user == store_worker
    assert event.detail["created"] == 10_000
    # Sent again, nothing changes.
    again = run_import(csv_bytes(good_rows(10_000)))
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 10_000)


def test_an_import_costs_a_statement_per_batch_not_per_row(
    store, store_worker, django_capture_on_commit_callbacks
):
    from marketplace.catalogue_imports import catalogue_import_run

    counts = []
    for n, start in ((100, 0), (2000, 100)):
        with django_capture_on_commit_callbacks(execute=False):
            catalogue_import = catalogue_import_start(
                store=store,
                upload=SimpleUploadedFile("c.csv", csv_bytes(good_rows(n, start=start))),
                acting_user=store_worker,
            )
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            catalogue_import_run(import_id=catalogue_import.pk)
        counts.append(len(queries))
    # A statement per batch of rows (1000 on PostgreSQL; SQLite's 999 parameters make its
    # batches of about 100), never one per row.
    assert counts[0] <= 30, counts
    assert counts[1] <= 2000 // 25, counts


def test_a_row_changes_only_what_differs_and_keeps_the_stock_when_left_empty(store, run_import):
    sku = f"{store.slug}-0-A"
    header = "sku,fiche,titre_fr,description_fr,variante,prix,stock,taille_casier,poids_grammes"
    data = csv_bytes(
        [f"{sku},article-0,Article 0,Fait dans le quartier.,Petit,5.25,,S,250"], header
    )
    catalogue_import = run_import(data)

    assert catalogue_import.status == CatalogueImportStatus.DONE
    assert catalogue_import.updated_count == 1
    assert catalogue_import.changes == [
        {"line": 2, "sku": sku, "action": "update", "fields": ["price"]}
    ]
    variant = Variant.objects.get(store=store, sku=sku)
    assert (variant.price, variant.stock) == (Decimal("5.25"), 3)
    event = audit_events_for(variant).get(action="variant.import_update")
    assert event.detail["fields"] == ["price"]


def test_a_stock_change_is_audited_with_before_and_after(store, run_import, store_worker):
    sku = f"{store.slug}-0-A"
    data = csv_bytes([f"{sku},article-0,Article 0,Fait dans le quartier.,,Petit,4.50,9,S,250"])
    catalogue_import = run_import(data)

    assert catalogue_import.status == CatalogueImportStatus.DONE
    variant = Variant.objects.get(store=store, sku=sku)
    assert variant.stock == 9
    event = audit_events_for(variant).get(action="variant.import_update")
    assert event.acting_user == store_worker
    assert event.detail["stock"] == {"before": 3, "after": 9}


def test_a_published_listing_is_found_by_the_search_once_imported(store, run_import):
    header = f"{HEADER_EN},status"
    data = csv_bytes(
        ["BRIO-1,brioche,Brioche tressée,Au beurre.,boulangerie,400 g,6.50,4,S,400,published"],
        header,
    )
    catalogue_import = run_import(data)

    assert catalogue_import.status == CatalogueImportStatus.DONE, catalogue_import.errors
    page = catalogue_search(text="brioche")
    assert [result.listing.title_fr for result in page.results] == ["Brioche tressée"]
    # A new title is indexed as well: the index follows the bulk update.
    run_import(
        csv_bytes(["BRIO-1,brioche,Pain tressé,Au beurre.,boulangerie,400 g,6.50,4,S,400,"], header)
    )
    assert catalogue_search(text="brioche").results == []
    page = catalogue_search(text="tresse")
    assert [result.listing.title_fr for result in page.results] == ["Pain tressé"]


# --- Bad rows change nothing -----------------------------------------------------------------

BAD_ROWS = {
    "missing_sku": (
        ",fiche-x,Article X,Fait ici.,boulangerie,Format,4.50,3,S,100",
        "sku",
        "SKU is missing",
    ),
    "bad_price": (
        "BAD-1,fiche-x,Article X,Fait ici.,boulangerie,Format,4.5.0,3,S,100",
        "price",
        "Bad price",
    ),
    "zero_price": (
        "BAD-1,fiche-x,Article X,Fait ici.,boulangerie,Format,0,3,S,100",
        "price",
        "Bad price",
    ),
    "negative_stock": (
        "BAD-1,fiche-x,Article X,Fait ici.,boulangerie,Format,4.50,-2,S,100",
        "stock",
        "Negative stock",
    ),
    "unknown_category": (
        "BAD-1,fiche-x,Article X,Fait ici.,chaussures,Format,4.50,3,S,100",
        "category",
        "Unknown category",
    ),
    "wrong_size_class": (
        "BAD-1,fiche-x,Article X,Fait ici.,boulangerie,Format,4.50,3,XL,100",
        "locker_size",
        "Wrong size class",
    ),
    "bad_weight": (
        "BAD-1,fiche-x,Article X,Fait ici.,boulangerie,Format,4.50,3,S,lourd",
        "weight_grams",
        "Bad weight",
    ),
    "photo_by_url": (
        "BAD-1,fiche-x,Article X,Fait ici.,boulangerie,Format,4.50,3,S,100,https://example.com/a.jpg",
        "photo",
        "not fetched",
    ),
}


@pytest.mark.parametrize("kind", sorted(BAD_ROWS))
def test_a_bad_row_changes_nothing_and_is_named_by_its_line(store, run_import, kind):
    row, column, reason = BAD_ROWS[kind]
    rows = [*good_rows(3), row, *good_rows(2, start=3)]
    header = f"{HEADER_EN},photo" if kind == "photo_by_url" else HEADER_EN
    if kind == "photo_by_url":
        rows = [r if r == row else f"{r}," for r in rows]
    before = snapshot(store)

    with translation.override("en"):
        catalogue_import = run_import(csv_bytes(rows, header))

    assert catalogue_import.status == CatalogueImportStatus.INVALID
    assert reason in error_at(catalogue_import, 5, column)["reason"]
    assert len(catalogue_import.errors) == 1
    assert snapshot(store) == before
    assert catalogue_import.created_count == catalogue_import.updated_count == 0


def test_a_duplicate_sku_names_both_lines(store, run_import):
    rows = [*good_rows(3), good_rows(1, start=1)[0]]
    before = snapshot(store)
    with translation.override("en"):
        catalogue_import = run_import(csv_bytes(rows))

    assert catalogue_import.status == CatalogueImportStatus.INVALID
    assert error_at(catalogue_import, 5, "sku")["reason"] == (
        "Duplicate SKU: line 3 has it already."
    )
    assert snapshot(store) == before


def test_every_bad_row_is_reported_not_only_the_first(store, run_import):
    rows = [
        ",fiche-x,Article X,Fait ici.,,Format,4.50,3,S,100",
        "B-2,fiche-y,Article Y,Fait ici.,,Format,abc,3,S,100",
        "B-3,fiche-z,Article Z,Fait ici.,,Format,4.50,-1,Z,100",
    ]
    catalogue_import = run_import(csv_bytes(rows))

    assert {(e["line"], e["column"]) for e in catalogue_import.errors} == {
        (2, "sku"),
        (3, "price"),
        (4, "stock"),
        (4, "locker_size"),
    }


def test_a_file_in_neither_utf8_nor_windows_1252_is_bad_encoding_with_its_line(store, run_import):
    # 0x81 is undefined in Windows-1252, and not UTF-8 after "é" in Latin-1.
    data = csv_bytes(good_rows(2)) + b"SKU-9,fiche-9,Caf\xe9 \x81,x,,A,4.50,1,S,100\n"
    before = snapshot(store)
    with translation.override("en"):
        catalogue_import = run_import(data)

    assert catalogue_import.status == CatalogueImportStatus.INVALID
    assert catalogue_import.errors[0]["line"] == 4
    assert "Bad encoding" in catalogue_import.errors[0]["reason"]
    assert snapshot(store) == before


def test_a_binary_file_is_bad_encoding(store, run_import):
    data = "\n".join([HEADER_EN, *good_rows(2)]).encode("utf-16")
    with translation.override("en"):
        catalogue_import = run_import(data)

    assert catalogue_import.status == CatalogueImportStatus.INVALID
    assert "Bad encoding" in catalogue_import.errors[0]["reason"]
    assert catalogue_import.errors[0]["line"] == 1


def test_a_status_the_listing_cannot_take_is_a_bad_row(store, run_import):
    header = f"{HEADER_EN},status"
    row = f"{store.slug}-0-A,article-0,Article 0,Fait dans le quartier.,,Petit,4.50,3,S,250,draft"
    with translation.override("en"):
        catalogue_import = run_import(csv_bytes([row], header))

    assert catalogue_import.status == CatalogueImportStatus.INVALID
    assert "cannot return to draft" in error_at(catalogue_import, 2, "status")["reason"]


def test_an_unknown_column_and_a_missing_one_are_named(store, run_import):
    header = "sku,title_fr,description_fr,variant,price,locker_size,colour"
    with translation.override("en"):
        catalogue_import = run_import(csv_bytes(["A,B,C,D,4.50,S,red"], header))

    assert catalogue_import.status == CatalogueImportStatus.INVALID
    assert error_at(catalogue_import, 1, "colour")["reason"] == "Unknown column."
    assert "missing" in error_at(catalogue_import, 1, "weight_grams")["reason"]


def test_a_listing_given_two_titles_is_refused(store, run_import):
    rows = [
        "S-1,pain,Pain,Bon.,,800 g,4.50,1,S,800",
        "S-2,pain,Miche,,,400 g,2.50,1,S,400",
    ]
    catalogue_import = run_import(csv_bytes(rows))

    assert catalogue_import.status == CatalogueImportStatus.INVALID
    assert "line 2" in error_at(catalogue_import, 3, "title_fr")["reason"]


def test_too_many_rows_are_refused(store, run_import, settings):
    settings.MARKETPLACE_IMPORT_MAX_ROWS = 5
    with translation.override("en"):
        catalogue_import = run_import(csv_bytes(good_rows(6)))

    assert catalogue_import.status == CatalogueImportStatus.INVALID
    assert catalogue_import.errors[0]["line"] == 7
    assert "Too many rows" in catalogue_import.errors[0]["reason"]


# --- Dry run, encodings, headers --------------------------------------------------------------


def test_a_dry_run_changes_nothing_and_says_what_would(store, run_import):
    sku = f"{store.slug}-0-A"
    rows = [
        f"{sku},article-0,Article 0,Fait dans le quartier.,,Petit,4.50,7,S,250",
        f"{store.slug}-0-B,article-0,,,,Grand,1234.50,0,M,1200",
        "NEW-1,nouveau,Nouveau,Tout neuf.,,Unique,3.00,1,S,100",
    ]
    before = snapshot(store)
    catalogue_import = run_import(csv_bytes(rows), dry_run=True)

    assert catalogue_import.status == CatalogueImportStatus.DONE
    assert (
        catalogue_import.created_count,
        catalogue_import.updated_count,
        catalogue_import.unchanged_count,
    ) == (1, 1, 1)
    assert catalogue_import.changes == [
        {"line": 2, "sku": sku, "action": "update", "fields": ["stock"]},
        {"line": 4, "sku": "NEW-1", "action": "create"},
    ]
    assert snapshot(store) == before
    assert not AuditEvent.objects.filter(action="catalogue.import").exists()


def test_semicolons_windows_1252_and_decimal_commas_from_a_quebec_spreadsheet(store, run_import):
    text = (
        "Code produit;Fiche;Titre FR;Description FR;Catégorie;Variante;Prix;Stock;"
        "Taille casier;Poids grammes\r\n"
        "CREME-1;creme-brulee;Crème brûlée;À l’érable, « maison ».;epicerie-fine;"
        "Pot de 125 ml;12,50 $;4;S;180\r\n"
        'CREME-2;creme-brulee;;;;"Pot de 250 ml; familial";1 234,5;2;M;350\r\n'
    )
    catalogue_import = run_import(text.encode("cp1252"))

    assert catalogue_import.status == CatalogueImportStatus.DONE, catalogue_import.errors
    first = Variant.objects.select_related("listing__category").get(store=store, sku="CREME-1")
    assert first.price == Decimal("12.50")
    assert first.listing.title_fr == "Crème brûlée"
    assert first.listing.description_fr == "À l’érable, « maison »."
    assert first.listing.category.slug == "epicerie-fine"
    second = Variant.objects.get(store=store, sku="CREME-2")
    assert (second.name, second.price, second.listing_id) == (
        "Pot de 250 ml; familial",
        Decimal("1234.50"),
        first.listing_id,
    )


def test_french_headers_in_utf8_with_a_bom(store, run_import):
    text = (
        "\ufeffcode_produit,fiche,titre_fr,titre_en,description_fr,variante,prix,stock,"
        "taille_casier,poids_grammes,statut\n"
        "THE-1,the-vert,Thé vert,Green tea,Du Japon.,100 g,9.95,5,s,120,brouillon\n"
    )
    catalogue_import = run_import(text.encode("utf-8"))

    assert catalogue_import.status == CatalogueImportStatus.DONE, catalogue_import.errors
    variant = Variant.objects.select_related("listing").get(store=store, sku="THE-1")
    assert (variant.listing.title_fr, variant.listing.title_en) == ("Thé vert", "Green tea")
    assert variant.size_class == "S"


@pytest.mark.parametrize(
    ("language", "delimiter", "encoding"),
    [("fr", ";", "utf-8"), ("en", ",", "utf-8"), ("fr", ";", "windows-1252")],
)
def test_an_export_imports_back_unchanged(store, run_import, language, delimiter, encoding):
    run_import(
        csv_bytes(
            ['X-1,croissant,"Croissant, beurre","Feuilleté.\nDu matin.",boulangerie,Un,2.75,6,S,80']
        )
    )
    before = snapshot(store)
    data = catalogue_export(store, language=language, delimiter=delimiter, encoding=encoding)
    catalogue_import = run_import(data)

    assert catalogue_import.status == CatalogueImportStatus.DONE, catalogue_import.errors
    count = Variant.objects.filter(store=store).count()
    assert (catalogue_import.created_count, catalogue_import.updated_count) == (0, 0)
    assert catalogue_import.unchanged_count == count == 5
    assert snapshot(store) == before


def test_the_template_imports_as_it_is(store, run_import):
    catalogue_import = run_import(catalogue_template(language="fr"))
    assert catalogue_import.status == CatalogueImportStatus.DONE, catalogue_import.errors
    assert catalogue_import.created_count == 3
    english = run_import(catalogue_template(language="en"))
    assert english.unchanged_count == 3


# --- Photos ------------------------------------------------------------------------------------


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(out, "PNG")
    return out.getvalue()


def zip_upload(members: dict[str, bytes]) -> SimpleUploadedFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return SimpleUploadedFile("photos.zip", out.getvalue(), content_type="application/zip")


def test_photos_come_from_the_zip_once(store, run_import):
    rows = ["P-1,pomme,Pomme,Croquante.,,Une,1.00,5,S,150,pomme.png|verso.png"]
    data = csv_bytes(rows, f"{HEADER_EN},photo")
    photos = {"pomme.png": png_bytes(), "verso.png": png_bytes()}
    catalogue_import = run_import(data, photos=zip_upload(photos))

    assert catalogue_import.status == CatalogueImportStatus.DONE, catalogue_import.errors
    listing = Listing.objects.get(store=store, slug="pomme")
    assert listing.photos.count() == 2
    assert listing.photos.first().alt_fr == "Pomme"
    again = run_import(data, photos=zip_upload(photos))
    assert again.unchanged_count == 1
    assert listing.photos.count() == 2


def test_a_photo_missing_from_the_zip_or_not_an_image_is_a_bad_row(store, run_import):
    rows = [
        "P-1,pomme,Pomme,Croquante.,,Une,1.00,5,S,150,absente.png",
        "P-2,poire,Poire,Juteuse.,,Une,1.00,5,S,150,poire.png",
    ]
    data = csv_bytes(rows, f"{HEADER_EN},photo")
    with translation.override("en"):
        catalogue_import = run_import(data, photos=zip_upload({"poire.png": b"not an image"}))

    assert catalogue_import.status == CatalogueImportStatus.INVALID
    assert "No file named absente.png" in error_at(catalogue_import, 2, "photo")["reason"]
    assert error_at(catalogue_import, 3, "photo")["reason"].startswith("poire.png:")
    assert not Listing.objects.filter(store=store, slug__in=["pomme", "poire"]).exists()


def test_a_zip_bomb_is_refused_before_anything_is_kept(store, store_worker, settings):
    from django.core.exceptions import ValidationError

    settings.MARKETPLACE_IMPORT_ZIP_MAX_UNCOMPRESSED = 1_000_000
    bomb = zip_upload({f"{i}.png": b"\0" * 600_000 for i in range(2)})
    assert bomb.size < 10_000
    with pytest.raises(ValidationError) as refused:
        catalogue_import_start(
            store=store,
            upload=SimpleUploadedFile("c.csv", csv_bytes(good_rows(1))),
            photos=bomb,
            acting_user=store_worker,
        )
    assert refused.value.error_dict["photos"][0].code == "zip_too_large"
    assert not CatalogueImport.objects.exists()


def test_a_zip_of_too_many_files_is_refused(store, store_worker, settings):
    from django.core.exceptions import ValidationError

    settings.MARKETPLACE_IMPORT_ZIP_MAX_MEMBERS = 3
    with pytest.raises(ValidationError) as refused:
        catalogue_import_start(
            store=store,
            upload=SimpleUploadedFile("c.csv", csv_bytes(good_rows(1))),
            photos=zip_upload({f"{i}.png": b"x" for i in range(4)}),
            acting_user=store_worker,
        )
    assert refused.value.error_dict["photos"][0].code == "zip_too_many"


def test_a_csv_over_the_size_limit_is_refused(store, store_worker, settings):
    from django.core.exceptions import ValidationError

    settings.MARKETPLACE_IMPORT_CSV_MAX_BYTES = 100
    with pytest.raises(ValidationError) as refused:
        catalogue_import_start(
            store=store,
            upload=SimpleUploadedFile("c.csv", csv_bytes(good_rows(10))),
            acting_user=store_worker,
        )
    assert refused.value.error_dict["file"][0].code == "file_too_large"


# --- Who may: access_catalogue_import, one test per refusal -----------------------------


def test_the_store_staff_and_owner_may_import(store, store_worker, make_person):
    owner = make_person("owner@example.com", "shopper")
    store_staff_set(store=store, user=owner, role="owner", acting_user=None)
    access_catalogue_import(acting_user=store_worker, store=store)
    access_catalogue_import(acting_user=owner, store=store)


def test_no_import_without_a_person(store):
    with pytest.raises(PermissionDenied):
        access_catalogue_import(acting_user=None, store=store)


def test_a_visitor_may_not_import(store):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        access_catalogue_import(acting_user=AnonymousUser(), store=store)


def test_a_deactivated_staff_member_may_not_import(store, store_worker):
    store_worker.is_active = False
    with pytest.raises(PermissionDenied):
        access_catalogue_import(acting_user=store_worker, store=store)


def test_someone_not_on_the_staff_may_not_import(store, shopper):
    with pytest.raises(PermissionDenied):
        access_catalogue_import(acting_user=shopper, store=store)


def test_the_staff_of_another_store_may_not_import(store, make_store, make_person):
    other = make_store(listings=0)
    worker = make_person("other@example.com", "shopper")
    store_staff_set(store=other, user=worker, acting_user=None)
    with pytest.raises(PermissionDenied):
        access_catalogue_import(acting_user=worker, store=store)


def test_a_suspended_store_may_not_import(store, store_worker):
    store_suspend(store=store, reason="Une raison.", acting_user=None)
    with pytest.raises(PermissionDenied):
        access_catalogue_import(acting_user=store_worker, store=store)


def test_the_service_refuses_someone_not_on_the_staff(store, shopper):
    with pytest.raises(PermissionDenied):
        catalogue_import_start(
            store=store,
            upload=SimpleUploadedFile("c.csv", csv_bytes(good_rows(1))),
            acting_user=shopper,
        )
    assert not CatalogueImport.objects.exists()


# --- The pages ---------------------------------------------------------------------------------


def test_the_pages_are_not_found_for_another_store(client, store, make_store, make_person):
    other = make_store(listings=0)
    worker = make_person("other@example.com", "shopper")
    store_staff_set(store=other, user=worker, acting_user=None)
    client.force_login(worker)
    assert (
        client.get(reverse("marketplace:catalogue_import_page", args=[store.slug])).status_code
        == 404
    )
    assert client.get(reverse("marketplace:catalogue_export", args=[store.slug])).status_code == 404


def test_a_visitor_is_asked_to_sign_in(client, store):
    response = client.get(reverse("marketplace:catalogue_import_page", args=[store.slug]))
    assert response.status_code == 302
    assert "next=" in response["Location"]


def test_a_suspended_store_s_page_is_forbidden(client, store, store_worker):
    store_suspend(store=store, reason="Une raison.", acting_user=None)
    client.force_login(store_worker)
    response = client.get(reverse("marketplace:catalogue_import_page", args=[store.slug]))
    assert response.status_code == 403


def test_sending_a_file_shows_its_import_at_100_percent(
    client, store, store_worker, django_capture_on_commit_callbacks
):
    client.force_login(store_worker)
    client.cookies["django_language"] = "en"
    url = reverse("marketplace:catalogue_import_page", args=[store.slug])
    assert client.get(url).status_code == 200
    upload = SimpleUploadedFile("mine.csv", csv_bytes(good_rows(3)))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": upload})
    assert response.status_code == 302
    catalogue_import = CatalogueImport.objects.get(store=store)
    assert catalogue_import.file_name == "mine.csv"
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="100"' in html
    assert "3 created, 0 updated, 0 unchanged" in html
    status = client.get(
        reverse("marketplace:catalogue_import_status", args=[store.slug, catalogue_import.pk])
    )
    assert "hx-get" not in status.content.decode()  # finished: the page stops asking
    listing = client.get(url).content.decode()
    assert "mine.csv" in listing


def test_a_running_import_s_fragment_polls_itself(client, store, store_worker):
    client.force_login(store_worker)
    catalogue_import = CatalogueImport.objects.create(
        store=store, acting_user=store_worker, file_name="x.csv", rows_total=10, rows_done=10,
        status=CatalogueImportStatus.RUNNING,
    )  # fmt: skip
    # Checked (10 of 20 steps): the writing transaction counts in the cache.
    cache.set(PROGRESS_KEY.format(pk=catalogue_import.pk), 10)
    response = client.get(
        reverse("marketplace:catalogue_import_status", args=[store.slug, catalogue_import.pk])
    )
    html = response.content.decode()
    assert 'hx-get="' in html
    assert 'value="50"' in html
    assert 'role="status"' in html
    assert response["Cache-Control"] == "no-store"


def test_a_bad_file_lists_its_problems_on_the_page(
    client, store, store_worker, django_capture_on_commit_callbacks
):
    client.force_login(store_worker)
    client.cookies["django_language"] = "en"
    url = reverse("marketplace:catalogue_import_page", args=[store.slug])
    rows = [good_rows(1)[0].replace("4.00", "gratuit")]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": SimpleUploadedFile("bad.csv", csv_bytes(rows))})
    html = client.get(response["Location"]).content.decode()
    assert "Bad price" in html
    assert "the file was refused, nothing changed" in html


def test_a_file_too_large_is_answered_400(client, store, store_worker, settings):
    settings.MARKETPLACE_IMPORT_CSV_MAX_BYTES = 10
    client.force_login(store_worker)
    url = reverse("marketplace:catalogue_import_page", args=[store.slug])
    response = client.post(url, {"file": SimpleUploadedFile("c.csv", csv_bytes(good_rows(1)))})
    assert response.status_code == 400
    assert not CatalogueImport.objects.exists()


def test_the_export_and_the_template_download(client, store, store_worker):
    client.force_login(store_worker)
    export = client.get(
        reverse("marketplace:catalogue_export", args=[store.slug]) + "?format=fr-windows"
    )
    assert export["Content-Type"] == "text/csv; charset=windows-1252"
    assert "attachment" in export["Content-Disposition"]
    assert export.content.startswith(b"code_produit;fiche;")
    template = client.get(reverse("marketplace:catalogue_template", args=[store.slug]))
    assert template.content.startswith("\ufeffcode_produit;".encode())


def test_another_store_s_import_is_not_found(client, store, store_worker, make_store):
    other = make_store(listings=0)
    catalogue_import = CatalogueImport.objects.create(store=other, file_name="x.csv")
    client.force_login(store_worker)
    response = client.get(
        reverse("marketplace:catalogue_import", args=[store.slug, catalogue_import.pk])
    )
    assert response.status_code == 404


def test_a_store_not_approved_cannot_be_given_an_import(make_store, store_worker):
    store = make_store(status=StoreStatus.PENDING, listings=0)
    store_staff_set(store=store, user=store_worker, acting_user=None)
    with pytest.raises(PermissionDenied):
        catalogue_import_start(
            store=store,
            upload=SimpleUploadedFile("c.csv", csv_bytes(good_rows(1))),
            acting_user=store_worker,
        )


# --- One import of a store at a time; an import outlives nothing ------------------------


def test_a_second_import_of_the_store_waits_while_one_runs(store, store_worker):
    from django.db import IntegrityError, transaction

    from marketplace.catalogue_imports import catalogue_import_claim

    CatalogueImport.objects.create(
        store=store, file_name="a.csv", status=CatalogueImportStatus.RUNNING
    )
    waiting = CatalogueImport.objects.create(store=store, file_name="b.csv")
    with pytest.raises(IntegrityError), transaction.atomic():
        catalogue_import_claim(import_id=waiting.pk)
    waiting.refresh_from_db()
    assert waiting.status == CatalogueImportStatus.QUEUED


def test_an_import_whose_sender_left_the_staff_fails_and_changes_nothing(
    store, store_worker, django_capture_on_commit_callbacks
):
    from marketplace.catalogue_imports import catalogue_import_run
    from marketplace.services import store_staff_remove

    with django_capture_on_commit_callbacks(execute=False):
        catalogue_import = catalogue_import_start(
            store=store,
            upload=SimpleUploadedFile("c.csv", csv_bytes(good_rows(2))),
            acting_user=store_worker,
        )
    store_staff_remove(store=store, user=store_worker, acting_user=None)
    before = snapshot(store)
    catalogue_import_run(import_id=catalogue_import.pk)

    catalogue_import.refresh_from_db()
    assert catalogue_import.status == CatalogueImportStatus.FAILED
    assert snapshot(store) == before
    # Run again (a redelivered task): it had ended, nothing happens.
    assert catalogue_import_run(import_id=catalogue_import.pk) is None


def test_an_unexpected_error_ends_the_import_failed(
    store, store_worker, django_capture_on_commit_callbacks, monkeypatch
):
    from marketplace import catalogue_imports

    def broken(**_kwargs):
        raise RuntimeError("disk on fire")

    with django_capture_on_commit_callbacks(execute=False):
        catalogue_import = catalogue_import_start(
            store=store,
            upload=SimpleUploadedFile("c.csv", csv_bytes(good_rows(2))),
            acting_user=store_worker,
        )
    monkeypatch.setattr(catalogue_imports, "_apply", broken)
    with pytest.raises(RuntimeError):
        catalogue_imports.catalogue_import_run(import_id=catalogue_import.pk)
    catalogue_import.refresh_from_db()
    assert catalogue_import.status == CatalogueImportStatus.FAILED


def test_an_export_never_hands_a_spreadsheet_a_formula(store, run_import):
    """A title or name typed as a formula is exported after an apostrophe (text to a
    spreadsheet), and imports back as it was typed."""
    run_import(
        csv_bytes(['X-9,formule,=HYPERLINK("http://x"),"-20 %",boulangerie,@SUM(A1),2.75,6,S,80'])
    )
    listing = Listing.objects.get(store=store, slug="formule")
    assert listing.title_fr == '=HYPERLINK("http://x")'
    text = catalogue_export(store, language="en", delimiter=",").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    (row,) = [row for row in rows if row[0] == "X-9"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in row)
    assert '\'=HYPERLINK("http://x")' in row and "'@SUM(A1)" in row and "'-20 %" in row
    before = snapshot(store)
    again = run_import(text.encode("utf-8"))
    assert again.status == CatalogueImportStatus.DONE, again.errors
    assert snapshot(store) == before


def test_the_report_is_in_the_language_of_the_page_it_was_sent_from(store, store_worker):
    """The task runs later, in a worker with no request: the bad rows are still explained
    in the sender's language."""
    bad = csv_bytes([good_rows(1)[0].replace("4.00", "gratuit")])
    reasons = {}
    for language in ("fr", "en"):
        with translation.override(language):
            catalogue_import = catalogue_import_start(
                store=store, upload=SimpleUploadedFile("c.csv", bad), acting_user=store_worker
            )
        assert catalogue_import.language == language
        with translation.override("fr" if language == "en" else "en"):
            catalogue_import_run(import_id=catalogue_import.pk)
        catalogue_import.refresh_from_db()
        reasons[language] = error_at(catalogue_import, 2, "price")["reason"]
    assert reasons["fr"] != reasons["en"]
    assert "price" in reasons["en"].lower() and "prix" in reasons["fr"].lower()
