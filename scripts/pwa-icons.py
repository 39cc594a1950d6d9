"""Draw the courier app's icons (lockers/static/lockers/icons/courier-{192,512}.png) from
config/static/img/logo.svg, with Debian's Chromium: the logo on a full square of the brand
colour, so that the corners are not transparent and a launcher may mask it (the U and its
point stay inside the central circle that a maskable icon keeps). Run it after the logo
changes, then commit the PNGs:

    .venv/bin/python scripts/pwa-icons.py
"""

import io
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
LOGO = ROOT / "config/static/img/logo.svg"
DEST = ROOT / "lockers/static/lockers/icons"
BRAND = "#0a5c57"


def main() -> None:
    svg = LOGO.read_text()
    DEST.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox"]
        )
        for size in (192, 512):
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(
                f'<body style="margin:0;background:{BRAND}">'
                + svg.replace('width="48" height="48"', f'width="{size}" height="{size}"')
                + "</body>"
            )
            png = page.screenshot(clip={"x": 0, "y": 0, "width": size, "height": size})
            image = Image.open(io.BytesIO(png)).convert("RGB")
            image.save(DEST / f"courier-{size}.png", optimize=True)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
