"""`make screenshots` (scripts/screenshots.py): its page table names pages that exist, and
the pictures the README shows are there."""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def screenshots_module():
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts/screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db
def test_every_page_of_the_table_has_an_address():
    screenshots = screenshots_module()
    names = [name for name, *_ in screenshots.PAGES]
    assert len(names) == len(set(names))
    for _name, address, _signed_in, _wait in screenshots.PAGES:
        assert screenshots.url_of(address).startswith("/")


def test_the_pictures_of_the_table_and_of_the_readme_are_there():
    screenshots = screenshots_module()
    for name, *_ in screenshots.PAGES:
        for size in screenshots.VIEWPORTS:
            assert (ROOT / "docs/screenshots" / f"{name}-{size}.png").is_file(), name
    shown = re.findall(r'src="(docs/screenshots/[^"]+)"', (ROOT / "README.md").read_text())
    assert len(shown) >= 3
    for path in shown:
        assert (ROOT / path).is_file(), path
