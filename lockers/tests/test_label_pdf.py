"""The A6 label: its size, its words in French and English, and the QR code it draws."""

import io
import re
from datetime import UTC, datetime

import pytest
import segno
from pypdf import PdfReader
from reportlab.lib.units import mm

from lockers.label_keys import label_private_key_from_bytes
from lockers.labels import (
    QR_QUIET_ZONE_MODULES,
    QR_SIDE_MM,
    LabelContent,
    label_pdf,
    label_qr_matrix,
    label_sign,
)

KEY = label_private_key_from_bytes(bytes(range(32)))
QR_TEXT = label_sign(
    parcel_code="7K3M9Q2ZB4XW",
    site_slug="caisse-saint-roch",
    size_class="M",
    window_hours=4,
    issued_at=datetime(2026, 11, 30, 14, 0, tzinfo=UTC),
    store_name="Librairie Pantoute",
    key=KEY,
)
CONTENT = LabelContent(
    parcel_code="7K3M9Q2ZB4XW",
    site_name="Caisse Desjardins de Saint-Roch",
    site_address="550, rue Saint-Joseph Est, Québec G1K 3B6",
    size_class="M",
    store_name="Librairie Pantoute",
    order_reference="CMD-2026-000417",
    window_hours=4,
    qr_text=QR_TEXT,
)


@pytest.fixture(scope="module")
def page():
    reader = PdfReader(io.BytesIO(label_pdf(CONTENT)))
    assert len(reader.pages) == 1
    return reader.pages[0]


def test_the_page_is_a6(page):
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert width == pytest.approx(105 * mm, abs=0.01)
    assert height == pytest.approx(148 * mm, abs=0.01)


def test_the_label_reads_in_french_and_english(page):
    # Non-breaking spaces (before a colon, in "4 h") read as spaces.
    text = page.extract_text().replace("\xa0", " ")
    for words in (
        "7K3M-9Q2Z-B4XW",
        "Caisse Desjardins de Saint-Roch",
        "550, rue Saint-Joseph Est, Québec G1K 3B6",
        "Librairie Pantoute",
        "CMD-2026-000417",
        "Express 4 h",
        "Taille · Size",
        "Délai · Window",
        "Colis · Parcel",
        "Commande · Order",
        "Livreur",
        "Courier: scan this code",
    ):
        assert words in text, words


def test_the_parcel_code_is_the_largest_type(page):
    sizes: dict[str, float] = {}

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            sizes[text.strip()] = font_size * tm[0]

    page.extract_text(visitor_text=visit)
    assert sizes["7K3M-9Q2Z-B4XW"] >= 20
    assert sizes["7K3M-9Q2Z-B4XW"] == max(sizes.values())


def test_a_standard_window_reads_24_h():
    content = LabelContent(**{**CONTENT.__dict__, "window_hours": 24})
    text = PdfReader(io.BytesIO(label_pdf(content))).pages[0].extract_text().replace("\xa0", " ")
    assert "24 h" in text
    assert "Express" not in text


def _rects(page) -> list[tuple[float, ...]]:
    stream = page.get_contents().get_data().decode("latin-1")
    number = r"(-?[0-9.]+)"
    return [
        tuple(float(v) for v in match)
        for match in re.findall(rf"{number} {number} {number} {number} re", stream)
    ]


def _drawn_matrix(page) -> list[list[bool]]:
    """The QR modules the page draws, read back from its vector rectangles."""
    rects = _rects(page)
    assert rects, "the QR code is drawn with rectangles"
    module = min(h for _x, _y, _w, h in rects)
    left = min(x for x, _y, _w, _h in rects)
    top = max(y + h for _x, y, _w, h in rects)
    count = round((max(x + w for x, _y, w, _h in rects) - left) / module)
    drawn = [[False] * count for _ in range(count)]
    for x, y, w, h in rects:
        row = round((top - y - h) / module)
        for column in range(round((x - left) / module), round((x + w - left) / module)):
            drawn[row][column] = True
    return drawn


def test_the_qr_code_is_vectors_and_equals_segnos_matrix_for_the_signed_text(page):
    drawn = _drawn_matrix(page)
    expected = [[bool(m) for m in row] for row in segno.make(QR_TEXT, error="m").matrix]
    assert drawn == expected
    assert [list(row) for row in label_qr_matrix(QR_TEXT)] == expected
    # No image: the code stays sharp at any printer's resolution.
    assert "/XObject" not in page["/Resources"]


def test_the_qr_modules_are_large_enough_to_scan(page):
    count = len(label_qr_matrix(QR_TEXT))
    module_mm = min(1.0, QR_SIDE_MM / (count + 2 * QR_QUIET_ZONE_MODULES))
    assert module_mm >= 0.8
    assert count * module_mm >= 45


def test_store_names_outside_latin_1_do_not_break_the_label():
    content = LabelContent(**{**CONTENT.__dict__, "store_name": "Épicerie 東京 🍙"})
    assert label_pdf(content).startswith(b"%PDF-")


def test_the_words_stay_clear_of_the_qr_code(page):
    qr_top = max(y + h for _x, y, _w, h in _rects(page))
    lines = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            lines.append((text.strip(), tm[5]))

    page.extract_text(visitor_text=visit)
    above = [y for text, y in lines if not text.startswith("Livreur")]
    assert min(above) > qr_top + 2 * mm
