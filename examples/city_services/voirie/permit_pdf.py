"""The permit application as a PDF, written by hand: one page of Helvetica text, no
dependency. A minimal, valid PDF 1.7 (a catalogue, a page tree, one page, one content
stream, a cross-reference table), which Uniqc signs by an incremental update."""

from collections.abc import Sequence

PAGE_WIDTH, PAGE_HEIGHT = 612, 792  # US Letter, in points
MARGIN, LEADING = 72, 18


def _literal(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding (Windows-1252): accents print; a character
    the encoding lacks becomes `?`."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _content(title: str, lines: Sequence[str]) -> bytes:
    y = PAGE_HEIGHT - MARGIN
    parts = [b"BT", b"/F2 16 Tf", f"{MARGIN} {y} Td".encode(), _literal(title) + b" Tj"]
    parts += [b"/F1 11 Tf", f"0 -{2 * LEADING} Td".encode(), f"{LEADING} TL".encode()]
    for line in lines:
        parts.append(_literal(line) + b" '")
    parts.append(b"ET")
    return b"\n".join(parts) + b"\n"


def pdf_make(*, title: str, lines: Sequence[str]) -> bytes:
    """One page: `title` in bold, then `lines`, one per line (no wrapping: keep them short)."""
    stream = _content(title, lines)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            "/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> /Contents 4 0 R >>"
        ).encode(),
        f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)
