"""docs/security.md names, for each "cannot", the test that shows it: each named test
exists (a renamed or deleted test would leave a promise nobody checks)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `path/to/test_file.py::test_name`, `::test_name` (same file as before), `path/to/file.py`
REFERENCE = re.compile(r"`((?:[\w./]+\.py)?)(?:::(test_\w+))?`")


def _references() -> list[tuple[str, str | None]]:
    found = []
    for line in (ROOT / "docs" / "security.md").read_text().splitlines():
        if not line.startswith("|"):
            continue
        current = None
        for path, name in REFERENCE.findall(line):
            if path:
                current = path
            if (path or name) and current and current.endswith(".py") and "/test" in current:
                found.append((current, name or None))
    return found


def test_the_threat_model_names_tests_that_exist():
    references = _references()
    assert len(references) > 100
    missing = []
    for path, name in references:
        file = ROOT / path
        if not file.exists():
            missing.append(path)
        elif name and not re.search(rf"^def {name}\(", file.read_text(), re.MULTILINE):
            missing.append(f"{path}::{name}")
    assert missing == []
