"""Small PDFs to sign, made with reportlab (also used by bench/signatures.py)."""

from io import BytesIO

from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen import canvas


def pdf_make(pages: int = 1, text: str = "Permis de rénovation n° 2026-0412") -> bytes:
    """A letter-size PDF of `pages` pages of text."""
    buffer = BytesIO()
    document = canvas.Canvas(buffer, pagesize=LETTER, invariant=True, pageCompression=0)
    for page in range(1, pages + 1):
        document.setFont("Helvetica", 12)
        document.drawString(72, 720, text)
        for line in range(40):
            document.drawString(72, 690 - 15 * line, f"Page {page}, ligne {line + 1}: " + "x" * 60)
        document.showPage()
    document.save()
    return buffer.getvalue()
