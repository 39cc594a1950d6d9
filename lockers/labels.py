"""Signed parcel labels: the text in the QR code, its verification, and the A6 PDF.

The QR code carries `UQL1.<kid>.<payload>.<signature>` (docs/locker-labels.md):
- `payload` is base64url (no padding) of the canonical payload, UTF-8 lines joined by "\\n":
  parcel code, destination site slug, size class, window in hours, issued-at (Unix
  seconds), store name;
- `signature` is base64url (no padding) of the Ed25519 signature of the ASCII bytes
  `UQL1.<kid>.<payload>`, everything before the last dot.

Verification refuses with `LabelForged` (a stable reason) on any input that is not a label
we signed: it never raises anything else, whatever the text.
"""

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

import segno
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.utils.translation import gettext_lazy as _
from reportlab.lib.colors import black
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from lockers.label_keys import (
    LABEL_CLOCK_SKEW,
    LabelPrivateKey,
    LabelPublicKey,
    b64url_decode,
    b64url_encode,
    label_key_active,
    label_keys_published,
)

LABEL_VERSION = "UQL1"
# The longest QR text we read: a label we sign is under 260 characters.
LABEL_TEXT_MAX_LENGTH = 400
LABEL_PAYLOAD_MAX_BYTES = 200
# Crockford base32 (no I, L, O, U), upper case, 12 characters.
PARCEL_CODE_RE = re.compile(r"[0-9A-HJKMNP-TV-Z]{12}")
SITE_SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,80}")
KID_RE = re.compile(r"[A-Za-z0-9_-]{1,16}")
BASE64URL_RE = re.compile(r"[A-Za-z0-9_-]+")
ISSUED_AT_RE = re.compile(r"0|[1-9][0-9]{0,10}")
SIZE_CLASSES = ("S", "M", "L")
WINDOW_HOURS = (4, 24)
STORE_NAME_MAX_LENGTH = 40
# And in UTF-8 bytes, so that the longest payload stays within LABEL_PAYLOAD_MAX_BYTES.
STORE_NAME_MAX_BYTES = 80
SIGNATURE_LENGTH = 86  # 64 bytes in unpadded base64url


class LabelForged(Exception):
    """A label we refuse: `reason` is one of REASONS, stable for logs and the courier app."""

    code = "label_forged"
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    RETIRED_KEY = "retired_key"
    REASONS = (MALFORMED, UNKNOWN_KEY, BAD_SIGNATURE, RETIRED_KEY)
    message = _("This label is not one the coop printed; do not take the parcel.")

    def __init__(self, reason: str) -> None:
        super().__init__(f"label refused: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class LabelClaims:
    """What a verified label says."""

    kid: str
    parcel_code: str
    site_slug: str
    size_class: str
    window_hours: int
    issued_at: datetime
    store_name: str


def _store_name_ok(store_name: str) -> bool:
    return (
        0 < len(store_name) <= STORE_NAME_MAX_LENGTH
        and len(store_name.encode("utf-8")) <= STORE_NAME_MAX_BYTES
        and unicodedata.is_normalized("NFC", store_name)
        and not any(unicodedata.category(char)[0] in "CZ" and char != " " for char in store_name)
        and store_name == store_name.strip()
    )


def label_store_name_short(name: str) -> str:
    """A store's name as a label carries it: NFC, single spaces, no control characters,
    cut to STORE_NAME_MAX_LENGTH characters and STORE_NAME_MAX_BYTES bytes of UTF-8."""
    name = unicodedata.normalize("NFC", name)
    name = "".join(" " if unicodedata.category(char)[0] in "CZ" else char for char in name)
    name = " ".join(name.split())[:STORE_NAME_MAX_LENGTH].strip()
    while len(name.encode("utf-8")) > STORE_NAME_MAX_BYTES:
        name = name[:-1].rstrip()
    if not _store_name_ok(name):
        # A cut inside a combining sequence: keep the plain letters, never fail to sign.
        name = "".join(char for char in name if char.isascii() and char.isprintable()).strip()
    return name or "?"


def label_payload(
    *,
    parcel_code: str,
    site_slug: str,
    size_class: str,
    window_hours: int,
    issued_at: datetime,
    store_name: str,
) -> bytes:
    """The canonical payload bytes; ValueError when a value is outside the format."""
    if not PARCEL_CODE_RE.fullmatch(parcel_code):
        raise ValueError("parcel_code must be 12 Crockford base32 characters, upper case")
    if not SITE_SLUG_RE.fullmatch(site_slug):
        raise ValueError("site_slug must be a slug of 1 to 80 characters")
    if size_class not in SIZE_CLASSES:
        raise ValueError("size_class must be S, M or L")
    if window_hours not in WINDOW_HOURS:
        raise ValueError("window_hours must be 4 or 24")
    if issued_at.tzinfo is None:
        raise ValueError("issued_at must be aware")
    if not _store_name_ok(store_name):
        raise ValueError("store_name must pass label_store_name_short unchanged")
    seconds = int(issued_at.timestamp())
    if seconds < 0:
        raise ValueError("issued_at must be after 1970")
    lines = [parcel_code, site_slug, size_class, str(window_hours), str(seconds), store_name]
    return "\n".join(lines).encode("utf-8")


def label_sign(
    *,
    parcel_code: str,
    site_slug: str,
    size_class: str,
    window_hours: int,
    issued_at: datetime,
    store_name: str,
    key: LabelPrivateKey | None = None,
) -> str:
    """The signed text of a parcel's label, for its QR code, signed by `key` (the active
    label key by default)."""
    payload = label_payload(
        parcel_code=parcel_code,
        site_slug=site_slug,
        size_class=size_class,
        window_hours=window_hours,
        issued_at=issued_at,
        store_name=label_store_name_short(store_name),
    )
    key = key or label_key_active()
    signing_input = f"{LABEL_VERSION}.{key.kid}.{b64url_encode(payload)}"
    signature = key.private.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


def _claims_parse(kid: str, payload: bytes) -> LabelClaims:
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise LabelForged(LabelForged.MALFORMED) from None
    fields = text.split("\n")
    if len(fields) != 6:
        raise LabelForged(LabelForged.MALFORMED)
    parcel_code, site_slug, size_class, window, seconds, store_name = fields
    if (
        not PARCEL_CODE_RE.fullmatch(parcel_code)
        or not SITE_SLUG_RE.fullmatch(site_slug)
        or size_class not in SIZE_CLASSES
        or window not in {str(hours) for hours in WINDOW_HOURS}
        or not ISSUED_AT_RE.fullmatch(seconds)
        or not _store_name_ok(store_name)
    ):
        raise LabelForged(LabelForged.MALFORMED)
    return LabelClaims(
        kid=kid,
        parcel_code=parcel_code,
        site_slug=site_slug,
        size_class=size_class,
        window_hours=int(window),
        issued_at=datetime.fromtimestamp(int(seconds), tz=UTC),
        store_name=store_name,
    )


def label_verify(
    text: str,
    *,
    keys: dict[str, LabelPublicKey] | None = None,
    now: datetime | None = None,
) -> LabelClaims:
    """The claims of a label we signed; `LabelForged` for anything else. `keys` are the
    published keys by kid (read from the database by default). A retired key's label is
    refused when it claims to be issued after the key stopped signing, or once the key's
    publication has ended."""
    if not isinstance(text, str) or len(text) > LABEL_TEXT_MAX_LENGTH or not text.isascii():
        raise LabelForged(LabelForged.MALFORMED)
    parts = text.split(".")
    if len(parts) != 4:
        raise LabelForged(LabelForged.MALFORMED)
    version, kid, payload_text, signature_text = parts
    if (
        version != LABEL_VERSION
        or not KID_RE.fullmatch(kid)
        or not BASE64URL_RE.fullmatch(payload_text)
        or not BASE64URL_RE.fullmatch(signature_text)
        or len(signature_text) != SIGNATURE_LENGTH
    ):
        raise LabelForged(LabelForged.MALFORMED)
    try:
        payload = b64url_decode(payload_text)
        signature = b64url_decode(signature_text)
    except ValueError:
        raise LabelForged(LabelForged.MALFORMED) from None
    if len(payload) > LABEL_PAYLOAD_MAX_BYTES or len(signature) != 64:
        raise LabelForged(LabelForged.MALFORMED)
    claims = _claims_parse(kid, payload)

    if keys is None:
        keys = label_keys_published()
    key = keys.get(kid)
    if key is None:
        raise LabelForged(LabelForged.UNKNOWN_KEY)
    try:
        Ed25519PublicKey.from_public_bytes(key.public_bytes).verify(
            signature, text.rpartition(".")[0].encode("ascii")
        )
    except (InvalidSignature, ValueError):
        raise LabelForged(LabelForged.BAD_SIGNATURE) from None

    now = now or datetime.now(tz=UTC)
    if key.not_after is not None and now >= key.not_after:
        raise LabelForged(LabelForged.RETIRED_KEY)
    if key.retired_at is not None and claims.issued_at > key.retired_at + LABEL_CLOCK_SKEW:
        raise LabelForged(LabelForged.RETIRED_KEY)
    return claims


# --- The A6 PDF label -------------------------------------------------------------------

A6_WIDTH_MM = 105
A6_HEIGHT_MM = 148
# The QR code's side, quiet zone included; a module stays at most 1 mm.
QR_SIDE_MM = 68
QR_QUIET_ZONE_MODULES = 4
# The label is printed in both languages at once, so its words are not translated per
# reader: each line carries its French and its English.
LABEL_WORDS = {
    "title": "Colis pour casier · Locker parcel",
    "parcel": "Colis · Parcel",
    "destination": "Destination",
    "size": "Taille · Size",
    "window": "Délai · Window",
    "express": "Express 4\u00a0h",
    "standard": "24\u00a0h",
    "store": "Commerce · Store",
    "order": "Commande · Order",
    "scan": "Livreur\u00a0: balayez ce code · Courier: scan this code",
}


@dataclass(frozen=True)
class LabelContent:
    """What a label shows; `qr_text` is the signed text from `label_sign`."""

    parcel_code: str
    site_name: str
    site_address: str
    size_class: str
    store_name: str
    order_reference: str
    window_hours: int
    qr_text: str


def parcel_code_display(code: str) -> str:
    """A parcel code as people read it: groups of four (7K3M-9Q2Z-B4XW)."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def label_qr_matrix(text: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's modules for `text` (True is dark), without the quiet zone: what the
    label draws, module for module."""
    qr = segno.make(text, error="m", micro=False)
    return tuple(tuple(bool(module) for module in row) for row in qr.matrix)


def _qr_draw(canvas: Canvas, matrix: tuple[tuple[bool, ...], ...], *, x: float, y: float) -> float:
    """Draw `matrix` as vector rectangles (one per horizontal run of dark modules) in a
    QR_SIDE_MM square whose lower left corner is (x, y); returns the module's side."""
    count = len(matrix)
    module = min(1.0 * mm, QR_SIDE_MM * mm / (count + 2 * QR_QUIET_ZONE_MODULES))
    side = module * (count + 2 * QR_QUIET_ZONE_MODULES)
    left = x + (QR_SIDE_MM * mm - side) / 2 + QR_QUIET_ZONE_MODULES * module
    top = y + QR_SIDE_MM * mm - (QR_SIDE_MM * mm - side) / 2 - QR_QUIET_ZONE_MODULES * module
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        column = 0
        while column < count:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < count and row[column]:
                column += 1
            path.rect(
                left + start * module,
                top - (row_index + 1) * module,
                (column - start) * module,
                module,
            )
    canvas.setFillColor(black)
    canvas.drawPath(path, stroke=0, fill=1)
    return module


def _fit(canvas: Canvas, text: str, font: str, size: float, width: float) -> float:
    """The largest font size up to `size` at which `text` fits in `width`."""
    while size > 6 and canvas.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def label_pdf(content: LabelContent) -> bytes:
    """The parcel's A6 label (105 by 148 mm) as PDF: the parcel code in large type, where it
    goes, its size and window, the store and order, and the signed QR code in vectors."""
    buffer = io.BytesIO()
    width, height = A6_WIDTH_MM * mm, A6_HEIGHT_MM * mm
    canvas = Canvas(buffer, pagesize=(width, height), invariant=True)
    canvas.setTitle(f"{LABEL_WORDS['parcel']} {content.parcel_code}")
    canvas.setAuthor("Uniqc Coop")
    margin = 6 * mm
    inner = width - 2 * margin
    y = height - margin

    def line(text: str, font: str, size: float, gap: float) -> None:
        nonlocal y
        size = _fit(canvas, text, font, size, inner)
        y -= size
        canvas.setFont(font, size)
        canvas.drawString(margin, y, text)
        y -= gap

    canvas.setFillColor(black)
    line(LABEL_WORDS["title"], "Helvetica-Bold", 10, 1.5 * mm)
    canvas.setLineWidth(0.8)
    canvas.line(margin, y, width - margin, y)
    y -= 2.5 * mm
    line(LABEL_WORDS["parcel"], "Helvetica", 7, 1 * mm)
    line(parcel_code_display(content.parcel_code), "Helvetica-Bold", 26, 2.5 * mm)
    line(LABEL_WORDS["destination"], "Helvetica", 7, 1 * mm)
    line(content.site_name, "Helvetica-Bold", 13, 0.8 * mm)
    line(content.site_address, "Helvetica", 9, 2 * mm)
    window = LABEL_WORDS["express" if content.window_hours == 4 else "standard"]
    line(
        f"{LABEL_WORDS['size']}\u00a0: {content.size_class}    "
        f"{LABEL_WORDS['window']}\u00a0: {window}",
        "Helvetica-Bold",
        10,
        1.5 * mm,
    )
    line(f"{LABEL_WORDS['store']}\u00a0: {content.store_name}", "Helvetica", 8, 0.6 * mm)
    line(f"{LABEL_WORDS['order']}\u00a0: {content.order_reference}", "Helvetica", 8, 1 * mm)

    qr_bottom = margin + 5 * mm
    _qr_draw(
        canvas,
        label_qr_matrix(content.qr_text),
        x=(width - QR_SIDE_MM * mm) / 2,
        y=qr_bottom,
    )
    canvas.setFont("Helvetica", 7)
    canvas.drawCentredString(width / 2, margin, LABEL_WORDS["scan"])
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
