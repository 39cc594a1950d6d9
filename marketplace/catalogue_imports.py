"""A store's catalogue import (docs/catalogue-csv.md): the file is checked row by row
first, and while any row is bad nothing changes; then every change is written in one
transaction, in a few bulk statements whatever the number of rows.

A row is matched to a variant by its SKU within the store; rows sharing a listing code
(or, without one, a French title) are the variants of one listing. A row changes only
what differs. The stock in the file is the stock for sale now: what placed orders hold
was already taken from it at checkout (marketplace.checkout) and comes back only if
they are cancelled, so an import never gives away held stock; the store's variants of
the file are locked while it applies (lock_objects.store_variants_lock), so a checkout waits
rather than selling stock the import is replacing.
"""

import io
import secrets
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.enqueue import enqueue_on_commit
from identity.audit import audit_record
from identity.models import AuditEvent
from marketplace.catalogue_csv import CatalogueFileError, ParsedFile, Row, catalogue_parse
from marketplace.lock_objects import store_variants_lock
from marketplace.models import (
    LISTING_PHOTO_MAX,
    CatalogueImport,
    CatalogueImportStatus,
    Category,
    Currency,
    Listing,
    ListingStatus,
    Store,
    Variant,
)
from marketplace.photos import photo_prepare
from marketplace.search_cache import catalogue_changed
from marketplace.selectors import access_catalogue_import, store_payout_ready

BATCH = 1000
# An import keeps at most this many errors and changes to show (the counts are whole).
REPORT_MAX = 2000
PROGRESS_KEY = "marketplace:catalogue-import:{pk}:applied"
LISTING_IMPORT_FIELDS = ("title_fr", "title_en", "description_fr", "description_en")


# --- Sending a file -------------------------------------------------------------------------


def _refuse(message: str, code: str, field_name: str) -> ValidationError:
    return ValidationError({field_name: ValidationError(message, code=code)})


def photos_zip_check(data: bytes) -> dict[str, zipfile.ZipInfo]:
    """The members of a zip of photos by file name, refused (ValidationError on `photos`)
    unless it is a zip of at most MARKETPLACE_IMPORT_ZIP_MAX_MEMBERS files, each at most
    MARKETPLACE_PHOTO_MAX_BYTES and together at most MARKETPLACE_IMPORT_ZIP_MAX_UNCOMPRESSED
    once uncompressed: the sizes are read from the zip's directory, and each member is
    read with the limit again (a lying directory is caught then), never all at once."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(_("The photos must come in a zip file."), "zip_invalid", "photos") from None
    if len(members) > settings.MARKETPLACE_IMPORT_ZIP_MAX_MEMBERS:
        raise _refuse(
            _("Too many files in the zip: at most %(count)s.")
            % {"count": settings.MARKETPLACE_IMPORT_ZIP_MAX_MEMBERS},
            "zip_too_many",
            "photos",
        )
    total = 0
    by_name: dict[str, zipfile.ZipInfo] = {}
    for member in members:
        if member.is_dir():
            continue
        if member.file_size > settings.MARKETPLACE_PHOTO_MAX_BYTES:
            raise _refuse(
                _("%(name)s is too large once uncompressed.") % {"name": member.filename},
                "zip_member_too_large",
                "photos",
            )
        total += member.file_size
        if total > settings.MARKETPLACE_IMPORT_ZIP_MAX_UNCOMPRESSED:
            raise _refuse(_("The zip is too large once uncompressed."), "zip_too_large", "photos")
        by_name[PurePosixPath(member.filename).name] = member
    return by_name


def _zip_member_read(data: bytes, member: zipfile.ZipInfo) -> bytes | None:
    """A member's bytes, at most MARKETPLACE_PHOTO_MAX_BYTES whatever its header says;
    None when it is larger or cannot be read."""
    limit = settings.MARKETPLACE_PHOTO_MAX_BYTES
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(member) as stream:
            content = stream.read(limit + 1)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        return None
    return None if len(content) > limit else content


def _upload_read(upload: UploadedFile, limit: int, field_name: str) -> bytes:
    if upload.size is not None and upload.size > limit:
        raise _refuse(
            _("The file is too large: at most %(megabytes)s MB.")
            % {"megabytes": limit // (1024 * 1024)},
            "file_too_large",
            field_name,
        )
    data = b"".join(upload.chunks())
    if len(data) > limit:
        raise _refuse(
            _("The file is too large: at most %(megabytes)s MB.")
            % {"megabytes": limit // (1024 * 1024)},
            "file_too_large",
            field_name,
        )
    return data


@transaction.atomic
def catalogue_import_start(
    *,
    store: Store,
    upload: UploadedFile,
    photos: UploadedFile | None = None,
    dry_run: bool = False,
    acting_user: Any,
) -> CatalogueImport:
    """A member of `store`'s staff sends a catalogue file (and a zip of its photos): kept
    under a random name, checked and applied by a Celery task once this commits. The
    sizes are refused here (ValidationError on `file` or `photos`): the CSV at most
    MARKETPLACE_IMPORT_CSV_MAX_BYTES, the zip at most MARKETPLACE_IMPORT_ZIP_MAX_BYTES and
    photos_zip_check's limits. Audited."""
    from marketplace.tasks import catalogue_import_run

    access_catalogue_import(acting_user=acting_user, store=store)
    data = _upload_read(upload, settings.MARKETPLACE_IMPORT_CSV_MAX_BYTES, "file")
    if not data:
        raise _refuse(_("The file is empty."), "file_empty", "file")
    zip_data = b""
    if photos is not None:
        zip_data = _upload_read(photos, settings.MARKETPLACE_IMPORT_ZIP_MAX_BYTES, "photos")
        photos_zip_check(zip_data)
    token = secrets.token_hex(12)
    catalogue_import = CatalogueImport(
        store=store,
        acting_user=acting_user,
        file_name=(upload.name or "catalogue.csv")[-255:],
        dry_run=dry_run,
        language=(translation.get_language() or settings.LANGUAGE_CODE)[:8],
    )
    catalogue_import.file.save(f"{token}.csv", ContentFile(data), save=False)
    if zip_data:
        catalogue_import.photos.save(f"{token}.zip", ContentFile(zip_data), save=False)
    files = [catalogue_import.file.name, catalogue_import.photos.name]
    try:
        catalogue_import.save()
    except Exception:
        _files_delete(files)
        raise
    audit_record(
        acting_user=acting_user,
        action="catalogue.import_start",
        target=store,
        detail={"import": catalogue_import.pk, "dry_run": dry_run},
    )
    enqueue_on_commit(catalogue_import_run, catalogue_import.pk)
    return catalogue_import


def _files_delete(names: list[str]) -> None:
    from marketplace.models import catalogue_import_storage

    storage = catalogue_import_storage()
    for name in names:
        if name:
            storage.delete(name)


# --- Checking: what the file would change ---------------------------------------------------


@dataclass
class Plan:
    """What applying the file changes, as decided from the rows read now."""

    errors: list[dict[str, Any]] = field(default_factory=list)
    # Every listing of the file by slug, as it will be (new ones without a pk yet).
    listings: dict[str, Listing] = field(default_factory=dict)
    listings_new: dict[str, Listing] = field(default_factory=dict)
    listings_changed: dict[str, tuple[Listing, list[str]]] = field(default_factory=dict)
    variants_new: list[tuple[Row, Variant]] = field(default_factory=list)
    variants_changed: list[tuple[Row, Variant, dict[str, tuple[Any, Any]]]] = field(
        default_factory=list
    )
    # Per listing slug: (line, photo names, zip members) to add.
    photos: dict[str, tuple[int, list[str]]] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _status_error(current: str | None, wanted: str, payout_ready: bool) -> str:
    """Why a listing with status `current` (None: new) may not take `wanted`; "" if it may."""
    if not wanted or wanted == current:
        return ""
    if current is None and wanted == ListingStatus.DRAFT:
        return ""
    if wanted == ListingStatus.DRAFT:
        return _("A listing that was published cannot return to draft; unpublish it instead.")
    if wanted == ListingStatus.UNPUBLISHED and current != ListingStatus.PUBLISHED:
        return _("Only a published listing can be unpublished.")
    if wanted == ListingStatus.PUBLISHED and not payout_ready:
        return _("The store publishes once its payouts are set up (see its payout account).")
    return ""


def catalogue_plan(
    *,
    store: Store,
    parsed: ParsedFile,
    variants: dict[str, Variant],
    zip_members: dict[str, zipfile.ZipInfo] | None,
    zip_data: bytes = b"",
) -> Plan:
    """Decide what each row creates, changes or leaves alone, from the store's variants
    by SKU (`variants`, read or locked by the caller); errors for what the database says
    is wrong (an unknown category, a status the listing may not take, a photo missing
    from the zip or refused by marketplace.photos). Three queries, plus one per photo."""
    plan = Plan()
    slugs = list(parsed.listings)
    listings = {
        listing.slug: listing
        for listing in Listing.objects.filter(store=store, slug__in=slugs).annotate(
            photo_count=Count("photos")
        )
    }
    category_slugs = {fields["category"] for fields in parsed.listings.values()} - {""}
    categories = dict(Category.objects.filter(slug__in=category_slugs).values_list("slug", "pk"))
    payout_ready = store_payout_ready(store)
    first_lines = {row.listing_slug: row.line for row in parsed.rows if row.listing_fields}
    header = parsed.headers
    now = timezone.now()

    for slug, given in parsed.listings.items():
        line = first_lines.get(slug, 0)
        category_id = None
        if given["category"] and "category" in header:
            category_id = categories.get(given["category"])
            if category_id is None:
                plan.errors.append(
                    {
                        "line": line,
                        "column": header.get("category", "category"),
                        "reason": _("Unknown category: %(slug)s.") % {"slug": given["category"]},
                    }
                )
                continue
        listing = listings.get(slug)
        reason = _status_error(listing.status if listing else None, given["status"], payout_ready)
        if reason:
            plan.errors.append(
                {"line": line, "column": header.get("status", "status"), "reason": reason}
            )
            continue
        # A column the file leaves out leaves the listing's value alone.
        values = {key: given[key] for key in LISTING_IMPORT_FIELDS if key in header}
        if "category" in header:
            values["category_id"] = category_id
        if listing is None:
            status = given["status"] or ListingStatus.DRAFT
            listing = Listing(
                store=store,
                slug=slug,
                status=status,
                published_at=now if status == ListingStatus.PUBLISHED else None,
                **{key: given[key] for key in LISTING_IMPORT_FIELDS},
                category_id=category_id,
            )
            plan.listings_new[slug] = listing
        else:
            changed = [name for name, value in values.items() if getattr(listing, name) != value]
            for name in changed:
                setattr(listing, name, values[name])
            if given["status"] and given["status"] != listing.status:
                changed.append("status")
                listing.status = given["status"]
                if listing.status == ListingStatus.PUBLISHED:
                    listing.published_at = now
                    changed.append("published_at")
            if changed:
                plan.listings_changed[slug] = (listing, changed)
        listings[slug] = listing
    plan.listings = listings

    photo_rows = {row.listing_slug: row for row in parsed.rows if row.photos}
    for slug, row in photo_rows.items():
        listing = listings.get(slug)
        if listing is None or getattr(listing, "photo_count", 0):
            continue  # a listing's photos come from the file only while it has none
        column = header.get("photo", "photo")
        if len(row.photos) > LISTING_PHOTO_MAX:
            plan.errors.append(
                {
                    "line": row.line,
                    "column": column,
                    "reason": _("At most %(count)s photos per listing.")
                    % {"count": LISTING_PHOTO_MAX},
                }
            )
            continue
        for name in row.photos:
            member = (zip_members or {}).get(name)
            if member is None:
                plan.errors.append(
                    {
                        "line": row.line,
                        "column": column,
                        "reason": _("No file named %(name)s in the zip of photos.")
                        % {"name": name},
                    }
                )
                continue
            content = _zip_member_read(zip_data, member)
            try:
                if content is None:
                    raise ValidationError(_("The file cannot be read from the zip."))
                photo_prepare(SimpleUploadedFile(name, content))
            except ValidationError as refused:
                plan.errors.append(
                    {
                        "line": row.line,
                        "column": column,
                        "reason": f"{name}: {' '.join(refused.messages)}",
                    }
                )
        plan.photos[slug] = (row.line, row.photos)

    if plan.errors:
        return plan
    listing_changes = {slug: changed for slug, (_l, changed) in plan.listings_changed.items()}
    for row in parsed.rows:
        listing = listings[row.listing_slug]
        listing_fields = listing_changes.get(row.listing_slug, []) if row.listing_fields else []
        if row.listing_fields and row.listing_slug in plan.listings_new:
            listing_fields = ["listing"]
        if row.photos and row.listing_slug in plan.photos:
            listing_fields = [*listing_fields, "photo"]
        variant = variants.get(row.sku)
        if variant is None:
            variant = Variant(
                store=store,
                sku=row.sku,
                name=row.variant,
                price=row.price,
                currency=Currency.CAD,
                stock=row.stock or 0,
                size_class=row.size_class,
                weight_grams=row.weight_grams,
            )
            variant.listing = listing
            plan.variants_new.append((row, variant))
            plan.created += 1
            plan.changes.append({"line": row.line, "sku": row.sku, "action": "create"})
            continue
        wanted: dict[str, Any] = {
            "name": row.variant,
            "price": row.price,
            "size_class": row.size_class,
            "weight_grams": row.weight_grams,
        }
        if row.stock is not None:
            wanted["stock"] = row.stock
        diff = {
            name: (getattr(variant, name), value)
            for name, value in wanted.items()
            if getattr(variant, name) != value
        }
        if listing.pk is None or variant.listing_id != listing.pk:
            diff["listing_id"] = (variant.listing_id, listing.pk)
        if diff:
            plan.variants_changed.append((row, variant, diff))
        if diff or listing_fields:
            plan.updated += 1
            plan.changes.append(
                {
                    "line": row.line,
                    "sku": row.sku,
                    "action": "update",
                    "fields": sorted({*diff, *listing_fields}),
                }
            )
        else:
            plan.unchanged += 1
    return plan


# --- Running ----------------------------------------------------------------------------


def _finish(catalogue_import: CatalogueImport, **values: Any) -> None:
    values.setdefault("finished_at", timezone.now())
    for name, value in values.items():
        setattr(catalogue_import, name, value)
    CatalogueImport.objects.filter(pk=catalogue_import.pk).update(**values)


def catalogue_import_claim(*, import_id: int) -> CatalogueImport | None:
    """Mark the import running, if it is waiting (or was running when its worker died);
    None when it has ended already. Raises IntegrityError while another import of the
    same store runs (a partial unique constraint): the task tries again later."""
    with transaction.atomic():
        CatalogueImport.objects.filter(pk=import_id, status=CatalogueImportStatus.QUEUED).update(
            status=CatalogueImportStatus.RUNNING
        )
    catalogue_import = CatalogueImport.objects.select_related("store", "acting_user").get(
        pk=import_id
    )
    if catalogue_import.status != CatalogueImportStatus.RUNNING:
        return None
    return catalogue_import


def catalogue_import_progress(catalogue_import: CatalogueImport) -> int:
    """How far a running import went, 0 to 100: checking the rows is the first half,
    writing them the second, counted in the cache (the writing transaction's own rows are
    not visible to the page that asks)."""
    if catalogue_import.is_finished:
        return 100
    total = catalogue_import.rows_total
    if not total:
        return 0
    done = cache.get(PROGRESS_KEY.format(pk=catalogue_import.pk)) or 0
    return max(0, min(99, done * 100 // (2 * total)))


def _report(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return items[:REPORT_MAX]


def catalogue_import_run(*, import_id: int) -> CatalogueImport | None:
    """Check the import's file and, unless it is a dry run or a row is bad, apply it in
    one transaction; the import records the outcome. Returns None if it had ended.

    The person who sent it must still be allowed when it runs (they may have left the
    staff meanwhile). Whatever goes wrong, the import ends failed rather than running
    for ever (it would hold the store's one running import)."""
    catalogue_import = catalogue_import_claim(import_id=import_id)
    if catalogue_import is None:
        return None
    with translation.override(catalogue_import.language):
        return _run_checked(catalogue_import)


def _run_checked(catalogue_import: CatalogueImport) -> CatalogueImport:
    try:
        access_catalogue_import(
            acting_user=catalogue_import.acting_user, store=catalogue_import.store
        )
    except PermissionDenied:
        _failed(catalogue_import, _("The person who sent the file may no longer import it."))
        return catalogue_import
    try:
        return _run(catalogue_import)
    except Exception:
        _failed(catalogue_import, _("The import failed unexpectedly: nothing was changed."))
        raise


def _failed(catalogue_import: CatalogueImport, reason: str) -> None:
    _finish(
        catalogue_import,
        status=CatalogueImportStatus.FAILED,
        errors=[{"line": 0, "column": "", "reason": reason}],
    )


def _run(catalogue_import: CatalogueImport) -> CatalogueImport:
    store = catalogue_import.store
    with catalogue_import.file.open("rb") as stream:
        data = stream.read()
    zip_data = b""
    if catalogue_import.photos:
        with catalogue_import.photos.open("rb") as stream:
            zip_data = stream.read()
    try:
        parsed = catalogue_parse(data, max_rows=settings.MARKETPLACE_IMPORT_MAX_ROWS)
    except CatalogueFileError as unreadable:
        _finish(catalogue_import, status=CatalogueImportStatus.INVALID, errors=[unreadable.error])
        return catalogue_import
    rows_total = len(parsed.rows) + len({error["line"] for error in parsed.errors})
    _finish(catalogue_import, rows_total=rows_total, finished_at=None)
    if parsed.errors:
        _finish(
            catalogue_import,
            status=CatalogueImportStatus.INVALID,
            rows_done=rows_total,
            errors=_report(parsed.errors),
        )
        return catalogue_import
    zip_members = photos_zip_check(zip_data) if zip_data else None
    if catalogue_import.dry_run:
        skus = [row.sku for row in parsed.rows]
        variants = {v.sku: v for v in Variant.objects.filter(store=store, sku__in=skus)}
        plan = catalogue_plan(
            store=store,
            parsed=parsed,
            variants=variants,
            zip_members=zip_members,
            zip_data=zip_data,
        )
        _plan_report(catalogue_import, plan)
        return catalogue_import
    try:
        _apply(
            catalogue_import=catalogue_import,
            parsed=parsed,
            zip_members=zip_members,
            zip_data=zip_data,
        )
    except IntegrityError:
        # Another change to the store's catalogue (a SKU or a listing added meanwhile)
        # collided with this one: nothing was written.
        _finish(
            catalogue_import,
            status=CatalogueImportStatus.FAILED,
            errors=[
                {
                    "line": 0,
                    "column": "",
                    "reason": _(
                        "The catalogue changed while the file was applied: nothing was "
                        "changed, send it again."
                    ),
                }
            ],
        )
    finally:
        cache.delete(PROGRESS_KEY.format(pk=catalogue_import.pk))
    return catalogue_import


# Not durable: the demo seed (one transaction) applies its import inside its own.
@transaction.atomic
def _apply(
    *,
    catalogue_import: CatalogueImport,
    parsed: ParsedFile,
    zip_members: dict[str, zipfile.ZipInfo] | None,
    zip_data: bytes,
) -> None:
    """Lock the store's variants the file names, decide again from them, and write every
    change in bulk; audited per listing and variant, in the same transaction."""
    store = catalogue_import.store
    actor = catalogue_import.acting_user
    variants = store_variants_lock(store.pk, [row.sku for row in parsed.rows])
    plan = catalogue_plan(
        store=store, parsed=parsed, variants=variants, zip_members=zip_members, zip_data=zip_data
    )
    progress_key = PROGRESS_KEY.format(pk=catalogue_import.pk)
    rows_total = catalogue_import.rows_total
    cache.set(progress_key, rows_total, 3600)
    if plan.errors:
        _plan_report(catalogue_import, plan)
        return
    new_listings = list(plan.listings_new.values())
    Listing.objects.bulk_create(new_listings, batch_size=BATCH)
    changed_listings = [listing for listing, _fields in plan.listings_changed.values()]
    # Only the columns some listing changes: the others keep what anyone else wrote.
    listing_fields = sorted(
        {name for _l, fields in plan.listings_changed.values() for name in fields}
    )
    for start in range(0, len(changed_listings), BATCH):
        rows_update(Listing, changed_listings[start : start + BATCH], listing_fields)
    for row, variant in plan.variants_new:
        variant.listing = plan.listings[row.listing_slug]
    done = 0
    for start in range(0, len(plan.variants_new), BATCH):
        Variant.objects.bulk_create(
            [variant for _row, variant in plan.variants_new[start : start + BATCH]]
        )
        done += len(plan.variants_new[start : start + BATCH])
        cache.set(progress_key, rows_total + done, 3600)
    for row, variant, diff in plan.variants_changed:
        for name, (_before, after) in diff.items():
            setattr(variant, name, after)
        if "listing_id" in diff:
            variant.listing_id = plan.listings[row.listing_slug].pk
    for start in range(0, len(plan.variants_changed), BATCH):
        batch = plan.variants_changed[start : start + BATCH]
        rows_update(
            Variant,
            [variant for _row, variant, _diff in batch],
            sorted({name for _row, _variant, diff in batch for name in diff}),
        )
        done += len(batch)
        cache.set(progress_key, rows_total + done, 3600)

    listing_type = ContentType.objects.get_for_model(Listing)
    variant_type = ContentType.objects.get_for_model(Variant)
    audit = [
        AuditEvent(
            acting_user=actor,
            action="listing.import_create",
            target_type=listing_type,
            target_id=str(listing.pk),
            detail={"import": catalogue_import.pk, "status": listing.status},
        )
        for listing in new_listings
    ]
    audit += [
        AuditEvent(
            acting_user=actor,
            action="listing.import_update",
            target_type=listing_type,
            target_id=str(listing.pk),
            detail={"import": catalogue_import.pk, "fields": sorted(fields)},
        )
        for listing, fields in plan.listings_changed.values()
    ]
    audit += [
        AuditEvent(
            acting_user=actor,
            action="variant.import_create",
            target_type=variant_type,
            target_id=str(variant.pk),
            detail={"import": catalogue_import.pk, "sku": variant.sku, "stock": variant.stock},
        )
        for _row, variant in plan.variants_new
    ]
    audit += [
        AuditEvent(
            acting_user=actor,
            action="variant.import_update",
            target_type=variant_type,
            target_id=str(variant.pk),
            detail={
                "import": catalogue_import.pk,
                "sku": variant.sku,
                "fields": sorted(diff),
                **(
                    {"stock": {"before": diff["stock"][0], "after": diff["stock"][1]}}
                    if "stock" in diff
                    else {}
                ),
            },
        )
        for _row, variant, diff in plan.variants_changed
    ]
    AuditEvent.objects.bulk_create(audit, batch_size=BATCH)

    if plan.photos:
        from marketplace.services import listing_photo_add

        for slug, (_line, names) in plan.photos.items():
            listing = plan.listings[slug]
            listing.store = store
            for name in names:
                content = _zip_member_read(zip_data, zip_members[name])
                listing_photo_add(
                    listing=listing,
                    upload=SimpleUploadedFile(name, content or b""),
                    alt_fr=listing.title_fr,
                    alt_en=listing.title_en,
                    acting_user=actor,
                )
    if plan.created or plan.updated:
        catalogue_changed()
    audit_record(
        acting_user=actor,
        action="catalogue.import",
        target=store,
        detail={
            "import": catalogue_import.pk,
            "created": plan.created,
            "updated": plan.updated,
            "unchanged": plan.unchanged,
        },
    )
    _plan_report(catalogue_import, plan)


def _plan_report(catalogue_import: CatalogueImport, plan: Plan) -> None:
    """Record how the import ended: refused with its errors, or done with its counts."""
    if plan.errors:
        _finish(
            catalogue_import,
            status=CatalogueImportStatus.INVALID,
            rows_done=catalogue_import.rows_total,
            errors=_report(plan.errors),
        )
        return
    _finish(
        catalogue_import,
        status=CatalogueImportStatus.DONE,
        rows_done=catalogue_import.rows_total,
        created_count=plan.created,
        updated_count=plan.updated,
        unchanged_count=plan.unchanged,
        changes=_report(plan.changes),
    )


def rows_update(model: type[models.Model], objects: list[models.Model], names: list[str]) -> None:
    """Write the fields `names` (attnames) of `objects` in one UPDATE joined to a list of
    values (`WITH d(...) AS (VALUES ...) UPDATE ... FROM d`), on PostgreSQL and SQLite:
    what bulk_update does with a CASE per field and row, without building those
    expressions (a hundredfold slower in Python at 1,000 rows). The values go through
    each field's get_db_prep_save, as a save does."""
    if not objects or not names:
        return
    fields = [model._meta.get_field(name) for name in names]
    pk = model._meta.pk
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(pk.column)
    columns = [connection.ops.quote_name(field.column) for field in fields]
    postgres = connection.vendor == "postgresql"

    def value(field: models.Field, name: str) -> str:
        if postgres:
            return f"CAST(d.{name} AS {field.cast_db_type(connection)})"
        return f"d.{name}"

    names_sql = [f"c{i}" for i in range(len(fields))]
    assignments = ", ".join(
        f"{column} = {value(field, name)}"
        for column, field, name in zip(columns, fields, names_sql, strict=True)
    )
    placeholder = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
    params: list[Any] = []
    for obj in objects:
        params.append(obj.pk)
        params.extend(
            field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields
        )
    id_cast = f"CAST(d.id AS {pk.cast_db_type(connection)})" if postgres else "d.id"
    sql = (
        f"WITH d(id, {', '.join(names_sql)}) AS (VALUES {', '.join([placeholder] * len(objects))}) "  # noqa: S608 - names from the model
        f"UPDATE {table} SET {assignments} FROM d WHERE {table}.{pk_column} = {id_cast}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
