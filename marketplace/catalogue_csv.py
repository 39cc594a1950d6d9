"""The catalogue's CSV format (docs/catalogue-csv.md): reading a store's file into checked
rows, and writing a store's catalogue in the same format.

Reading knows nothing of the database: it decodes the bytes (UTF-8 with or without BOM,
else Windows-1252), finds the delimiter on the header line (comma or semicolon), maps
French or English headers to columns, and checks each row on its own (a SKU, a price,
a stock, a size class...). What needs the database (a category that exists, a SKU
already sold, a status the listing may take) is marketplace.catalogue_imports' job.
Every problem is an error {line, column, reason}; `line` is where the row starts in the
file, the header being line 1.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.spreadsheet import FORMULA_STARTS, cell_safe
from lockers.models import SizeClass
from marketplace.models import Listing, ListingStatus, Store, Variant


@dataclass(frozen=True)
class Column:
    key: str
    english: str
    french: str
    required: bool = False


# The columns in the order an export writes them. A file may give them in any order.
COLUMNS = (
    Column("sku", "sku", "code_produit", required=True),
    Column("listing", "listing", "fiche"),
    Column("title_fr", "title_fr", "titre_fr", required=True),
    Column("title_en", "title_en", "titre_en"),
    Column("description_fr", "description_fr", "description_fr", required=True),
    Column("description_en", "description_en", "description_en"),
    Column("category", "category", "categorie"),
    Column("variant", "variant", "variante", required=True),
    Column("price", "price", "prix", required=True),
    Column("stock", "stock", "stock"),
    Column("size", "locker_size", "taille_casier", required=True),
    Column("weight", "weight_grams", "poids_grammes", required=True),
    Column("status", "status", "statut"),
    Column("photo", "photo", "photo"),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
HEADER_TO_KEY = {
    **{column.english: column.key for column in COLUMNS},
    **{column.french: column.key for column in COLUMNS},
}
# The listing's own columns: read from the first row of its group; later rows of the group
# leave them empty or repeat them.
LISTING_KEYS = ("title_fr", "title_en", "description_fr", "description_en", "category", "status")
IMPORT_STATUSES = (ListingStatus.DRAFT, ListingStatus.PUBLISHED, ListingStatus.UNPUBLISHED)
STATUS_WORDS = {
    "draft": ListingStatus.DRAFT,
    "brouillon": ListingStatus.DRAFT,
    "published": ListingStatus.PUBLISHED,
    "publie": ListingStatus.PUBLISHED,
    "publiee": ListingStatus.PUBLISHED,
    "unpublished": ListingStatus.UNPUBLISHED,
    "retire": ListingStatus.UNPUBLISHED,
    "retiree": ListingStatus.UNPUBLISHED,
}
MAX_LENGTHS = {
    "sku": 64,
    "listing": 120,
    "title_fr": 160,
    "title_en": 160,
    "description_fr": 10_000,
    "description_en": 10_000,
    "category": 80,
    "variant": 120,
    "photo": 1_000,
}
MAX_PRICE = Decimal("99999999.99")  # Variant.price: 10 digits, 2 decimals
MAX_INTEGER = 2_147_483_647  # PositiveIntegerField on PostgreSQL
PRICE_PATTERN = re.compile(r"^(\d+)(?:[.,](\d{1,2}))?$")
SPACES = "\u0020\u00a0\u202f\u2009"


class CatalogueFileError(Exception):
    """The file as a whole cannot be read: bad encoding, no header, too many rows."""

    def __init__(self, *, line: int, reason: str, column: str = "") -> None:
        super().__init__(reason)
        self.error = {"line": line, "column": column, "reason": reason}


@dataclass
class Row:
    """One checked row: a variant, and its listing's fields when this row gives them."""

    line: int
    sku: str
    listing_slug: str
    variant: str
    price: Decimal
    stock: int | None
    size_class: str
    weight_grams: int
    listing_fields: dict[str, str] = field(default_factory=dict)
    photos: list[str] = field(default_factory=list)


@dataclass
class ParsedFile:
    rows: list[Row]
    errors: list[dict[str, Any]]
    encoding: str
    delimiter: str
    language: str  # of the headers: "fr", "en" or "mixed"
    # Per listing slug: its fields as its first row gave them.
    listings: dict[str, dict[str, str]]
    # Per column key: the header the file gave it (to name it in errors).
    headers: dict[str, str] = field(default_factory=dict)


def _line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def catalogue_decode(data: bytes) -> tuple[str, str]:
    """The file's text and its encoding: UTF-8 if the bytes are valid UTF-8 (a BOM is
    dropped), else Windows-1252. NUL bytes (a binary file, UTF-16) or bytes that are
    neither raise CatalogueFileError naming the line."""
    nul = data.find(b"\x00")
    if nul >= 0:
        raise CatalogueFileError(
            line=_line_of(data, nul),
            reason=_("Bad encoding: the file holds NUL bytes (not a text CSV file)."),
        )
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as undefined:
        raise CatalogueFileError(
            line=_line_of(data, undefined.start),
            reason=_("Bad encoding: the file is neither UTF-8 nor Windows-1252."),
        ) from None


def _header_key(header: str) -> str:
    text = unicodedata.normalize("NFKD", header.strip().lower())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return re.sub(r"[\s\-]+", "_", text)


def _delimiter_sniff(header_line: str) -> str:
    """Semicolon when the header line has more semicolons than commas (what Québec's
    spreadsheets write), else comma."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _clean(value: str) -> str:
    value = value.strip(SPACES + "\t\r\n")
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def price_parse(text: str) -> Decimal | None:
    """A price as a shopper writes it: "12.50", "12,50" (a decimal comma), "1 234,50",
    "12,50 $"; at most two decimals, more than zero. None when it is not one."""
    text = text.strip(SPACES).removesuffix("$").removeprefix("$").strip(SPACES)
    for space in SPACES:
        text = text.replace(space, "")
    match = PRICE_PATTERN.match(text)
    if match is None:
        return None
    price = Decimal(f"{match[1]}.{match[2] or '0'}").quantize(Decimal("0.01"))
    if price <= 0 or price > MAX_PRICE:
        return None
    return price


def _integer_parse(text: str) -> int | None:
    text = text.strip(SPACES)
    for space in SPACES:
        text = text.replace(space, "")
    if not re.fullmatch(r"-?\d+", text):
        return None
    return int(text)


def catalogue_parse(data: bytes, *, max_rows: int) -> ParsedFile:
    """Read and check a catalogue file row by row. A file that cannot be read at all
    raises CatalogueFileError; bad rows are collected in `errors`, every one of them."""
    text, encoding = catalogue_decode(data)
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise CatalogueFileError(line=1, reason=_("The first line must name the columns."))
    delimiter = _delimiter_sniff(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        headers = next(reader)
    except csv.Error as broken:
        raise CatalogueFileError(line=1, reason=str(broken)) from None
    errors: list[dict[str, Any]] = []
    keys: list[str | None] = []
    seen: set[str] = set()
    english = french = 0
    for header in headers:
        normalized = _header_key(header)
        key = HEADER_TO_KEY.get(normalized)
        if key is None:
            if normalized:
                errors.append(
                    {"line": 1, "column": header, "reason": _("Unknown column.")},
                )
            keys.append(None)
            continue
        if key in seen:
            errors.append({"line": 1, "column": header, "reason": _("This column comes twice.")})
            keys.append(None)
            continue
        seen.add(key)
        keys.append(key)
        column = COLUMN_BY_KEY[key]
        english += normalized == column.english and column.english != column.french
        french += normalized == column.french and column.english != column.french
    for column in COLUMNS:
        if column.required and column.key not in seen:
            errors.append(
                {
                    "line": 1,
                    "column": column.english,
                    "reason": _("This column is missing (or %(french)s in French).")
                    % {"french": column.french},
                }
            )
    language = "mixed" if english and french else ("en" if english else "fr")
    if errors:
        return ParsedFile([], errors, encoding, delimiter, language, {}, {})
    header_names = {key: headers[index] for index, key in enumerate(keys) if key}

    def error(line: int, key: str, reason: str) -> None:
        errors.append({"line": line, "column": header_names.get(key, key), "reason": reason})

    rows: list[Row] = []
    skus: dict[str, int] = {}
    listings: dict[str, dict[str, str]] = {}
    listing_lines: dict[str, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as broken:
            errors.append({"line": line, "column": "", "reason": str(broken)})
            break
        if not any(_clean(value) for value in record):
            continue  # an empty line, as spreadsheets leave at the end
        if len(rows) + 1 > max_rows:
            raise CatalogueFileError(
                line=line,
                reason=_("Too many rows: at most %(count)s in one file.") % {"count": max_rows},
            )
        if len(record) > len(keys):
            error(line, "", _("This row has more values than there are columns."))
            continue
        values = {key: _clean(value) for key, value in zip(keys, record, strict=False) if key}
        row_ok = True
        for key, limit in MAX_LENGTHS.items():
            if len(values.get(key, "")) > limit:
                error(line, key, _("Too long: at most %(limit)s characters.") % {"limit": limit})
                row_ok = False
        sku = values.get("sku", "")
        if not sku:
            error(line, "sku", _("The SKU is missing."))
            row_ok = False
        elif sku in skus:
            error(
                line,
                "sku",
                _("Duplicate SKU: line %(line)s has it already.") % {"line": skus[sku]},
            )
            row_ok = False
        else:
            skus[sku] = line
        name = values.get("variant", "")
        if not name:
            error(line, "variant", _("The variant’s name is missing."))
            row_ok = False
        price = price_parse(values.get("price", ""))
        if price is None:
            error(
                line,
                "price",
                _("Bad price: a number more than zero with at most two decimals (12.50 or 12,50)."),
            )
            row_ok = False
        stock: int | None = None
        if values.get("stock", ""):
            stock = _integer_parse(values["stock"])
            if stock is None:
                error(line, "stock", _("Bad stock: a whole number."))
                row_ok = False
            elif stock < 0:
                error(line, "stock", _("Negative stock: the stock is 0 or more."))
                row_ok = False
            elif stock > MAX_INTEGER:
                error(line, "stock", _("The stock is too large."))
                row_ok = False
        size_class = values.get("size", "").upper()
        if size_class not in SizeClass.values:
            error(
                line,
                "size",
                _("Wrong size class: one of %(choices)s.")
                % {"choices": ", ".join(SizeClass.values)},
            )
            row_ok = False
        weight = _integer_parse(values.get("weight", ""))
        if weight is None or weight <= 0 or weight > MAX_INTEGER:
            error(line, "weight", _("Bad weight: a whole number of grams, more than zero."))
            row_ok = False
        status = values.get("status", "")
        if status:
            status = STATUS_WORDS.get(_header_key(status), "")
            if not status:
                error(line, "status", _("Unknown status: draft, published or unpublished."))
                row_ok = False
        photos = [_clean(name) for name in values.get("photo", "").split("|") if _clean(name)]
        for photo in photos:
            if re.match(r"^[a-z][a-z0-9+.\-]*://", photo, re.IGNORECASE) or photo.startswith("//"):
                error(
                    line,
                    "photo",
                    _("Photos are not fetched from the Internet: name a file of the zip."),
                )
                row_ok = False
            elif "/" in photo or "\\" in photo:
                error(line, "photo", _("Name a file of the zip, without a folder."))
                row_ok = False
        slug = values.get("listing", "")
        if slug:
            if slugify(slug) != slug:
                error(
                    line,
                    "listing",
                    _("A listing’s code is lower-case letters, digits and hyphens."),
                )
                row_ok = False
        else:
            slug = slugify(values.get("title_fr", ""))[:110]
        given = {key: values.get(key, "") for key in LISTING_KEYS}
        given["status"] = status
        if slug:
            first = listings.get(slug)
            if first is None:
                for key in ("title_fr", "description_fr"):
                    if not given[key]:
                        error(
                            line,
                            key,
                            _("Missing: the first row of a listing gives its %(column)s.")
                            % {"column": header_names.get(key, key)},
                        )
                        row_ok = False
                if row_ok:
                    listings[slug] = given
                    listing_lines[slug] = line
            else:
                for key, value in given.items():
                    if value and value != first[key]:
                        error(
                            line,
                            key,
                            _("Differs from line %(line)s, which gives this listing’s %(column)s.")
                            % {"line": listing_lines[slug], "column": header_names.get(key, key)},
                        )
                        row_ok = False
        elif not values.get("title_fr", ""):
            error(line, "title_fr", _("The listing’s French title is missing."))
            row_ok = False
        if row_ok:
            rows.append(
                Row(
                    line=line,
                    sku=sku,
                    listing_slug=slug,
                    variant=name,
                    price=price,
                    stock=stock,
                    size_class=size_class,
                    weight_grams=weight,
                    listing_fields=given if listing_lines.get(slug) == line else {},
                    photos=photos,
                )
            )
    if not rows and not errors:
        errors.append({"line": 2, "column": "", "reason": _("The file has no rows.")})
    return ParsedFile(rows, errors, encoding, delimiter, language, listings, header_names)


# --- Export ---------------------------------------------------------------------------------


def _price_text(price: Decimal, delimiter: str) -> str:
    text = f"{price:.2f}"
    return text.replace(".", ",") if delimiter == ";" else text


def catalogue_rows(store: Store) -> Iterable[tuple[Listing, Variant]]:
    """Every variant of `store` with its listing, by listing slug then SKU. Two queries."""
    variants = (
        Variant.objects.filter(store=store)
        .select_related("listing__category")
        .order_by("listing__slug", "sku")
    )
    for variant in variants.iterator(chunk_size=2000):
        yield variant.listing, variant


def catalogue_export(
    store: Store, *, language: str = "fr", delimiter: str = ";", encoding: str = "utf-8"
) -> bytes:
    """`store`'s catalogue as a CSV file that imports back unchanged: one row per variant,
    every row giving its listing's fields. French headers, semicolons and decimal commas
    (what Québec's spreadsheets read) or English headers, commas and decimal points;
    UTF-8 with a BOM (so that Excel reads the accents) or Windows-1252 (a character it
    lacks is refused, UnicodeEncodeError)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([column.french if language == "fr" else column.english for column in COLUMNS])
    for listing, variant in catalogue_rows(store):
        writer.writerow(
            [
                cell_safe(variant.sku),
                listing.slug,
                cell_safe(listing.title_fr),
                cell_safe(listing.title_en),
                cell_safe(listing.description_fr),
                cell_safe(listing.description_en),
                listing.category.slug if listing.category_id else "",
                cell_safe(variant.name),
                _price_text(variant.price, delimiter),
                str(variant.stock),
                variant.size_class,
                str(variant.weight_grams),
                listing.status,
                "",
            ]
        )
    text = out.getvalue()
    if encoding == "utf-8":
        return "\ufeff".encode() + text.encode("utf-8")
    return text.encode("cp1252")


# The example file of the import page (its "template"): two listings, the first with two
# variants whose second row leaves the listing's columns to the first.
TEMPLATE_ROWS = (
    (
        "PAIN-CAMPAGNE-800", "pain-de-campagne", "Pain de campagne", "Country loaf",
        "Au levain, cuit au four à bois.", "Sourdough, baked in a wood oven.", "boulangerie",
        "800 g", Decimal("7.50"), "12", "M", "850", "draft", "",
    ),
    (
        "PAIN-CAMPAGNE-400", "pain-de-campagne", "", "", "", "", "",
        "400 g", Decimal("4.25"), "20", "S", "450", "", "",
    ),
    (
        "CONFITURE-FRAISES-250", "confiture-de-fraises", "Confiture de fraises",
        "Strawberry jam", "Fraises de l’île d’Orléans.", "Strawberries from Île d’Orléans.",
        "epicerie-fine", "250 ml", Decimal("6.95"), "8", "S", "400", "draft", "",
    ),
)  # fmt: skip


def catalogue_template(*, language: str = "fr") -> bytes:
    """The example file: French headers with semicolons and decimal commas, or English
    with commas; UTF-8 with a BOM."""
    delimiter = ";" if language == "fr" else ","
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([column.french if language == "fr" else column.english for column in COLUMNS])
    for row in TEMPLATE_ROWS:
        writer.writerow([_price_text(v, delimiter) if isinstance(v, Decimal) else v for v in row])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
