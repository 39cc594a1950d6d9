"""The apps' layers (docs: ARCHITECTURE.md): an app imports only the packages below it.

    config  >  civic  >  coop_governance  >  marketplace  >  lockers  >  identity
            >  core, card_agent

Every module of each package, its tests included, is read with `ast` (nothing is
imported), so an import inside a function or an `if TYPE_CHECKING:` block counts too.
A higher app that must hear from a lower one connects to the lower one's signals.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Our top-level packages: an import of any other name (django, authlib...) is not ours.
OURS = {
    "config",
    "core",
    "card_agent",
    "identity",
    "lockers",
    "marketplace",
    "coop_governance",
    "civic",
}

# What each package may import among ours, besides itself.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "card_agent": {"core"},
    "identity": {"core", "card_agent"},
    "lockers": {"core", "identity"},
    "marketplace": {"core", "identity", "lockers"},
    "coop_governance": {"core", "identity", "lockers", "marketplace"},
    "civic": {"core", "identity", "lockers", "marketplace", "coop_governance"},
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every absolute import in the module at `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return sorted(found)


def layer_violations(package: str, root: Path = ROOT) -> list[str]:
    """Each import, in `package`'s modules, of one of our packages it may not use."""
    allowed = ALLOWED[package] | {package}
    violations = []
    for path in sorted((root / package).rglob("*.py")):
        for line, name in imported_modules(path):
            top = name.split(".")[0]
            if top in OURS and top not in allowed:
                violations.append(f"{path.relative_to(root)}:{line} imports {name}")
    return violations


# card_agent is checked from the day the package exists.
@pytest.mark.parametrize("package", sorted(p for p in ALLOWED if (ROOT / p).is_dir()))
def test_a_package_imports_only_the_layers_below_it(package):
    assert layer_violations(package) == []


def test_the_check_sees_every_form_of_import(tmp_path):
    """An import in a function, a `from x import y` and a plain `import x.y` all count."""
    module = tmp_path / "lockers" / "sub" / "mod.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "import identity.models\n"
        "from core.writes import changed_fields_save\n"
        "from . import sibling\n"
        "import django.db\n"
        "def late():\n"
        "    from marketplace.models import Store\n"
        "    import config.celery\n"
        "if False:\n"
        "    from coop_governance import apps\n"
    )
    assert layer_violations("lockers", root=tmp_path) == [
        "lockers/sub/mod.py:6 imports marketplace.models.Store",
        "lockers/sub/mod.py:7 imports config.celery",
        "lockers/sub/mod.py:9 imports coop_governance.apps",
    ]


def test_every_app_of_ours_has_its_layer():
    """A new app must be placed in the layers before it can be installed."""
    from django.conf import settings

    ours = {app.split(".")[0] for app in settings.INSTALLED_APPS} & OURS
    assert ours - {"config"} <= set(ALLOWED)
