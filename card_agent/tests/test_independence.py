"""card_agent stands below identity: it never imports Django or the apps, and its tests run
without Django.

The agent and the virtual card run on a person's or a registrar's computer, where there is
no Django project; identity imports card_agent, never the reverse (ARCHITECTURE.md).
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent
PROJECT = PACKAGE.parent
# What card_agent may never import: Django and every Django app or project module.
REFUSED = ("django", "identity", "config", "marketplace", "lockers", "coop_governance")


def refused_imports(source: str) -> list[str]:
    """The modules named by `source`'s import statements whose top-level package is refused."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [name for name in names if name.split(".")[0] in REFUSED]
    return found


def _modules() -> list[str]:
    """Every module of the package, its tests included, by dotted name."""
    return sorted(
        ".".join(path.relative_to(PROJECT).with_suffix("").parts).removesuffix(".__init__")
        for path in PACKAGE.rglob("*.py")
    )


def test_no_module_of_card_agent_imports_django_or_an_app():
    offenders = {
        str(path.relative_to(PROJECT)): found
        for path in sorted(PACKAGE.rglob("*.py"))
        if (found := refused_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


@pytest.mark.parametrize("package", REFUSED)
@pytest.mark.parametrize(
    "statement",
    [
        "import {package}",
        "import {package}.models as models",
        "import json, {package}.urls",
        "from {package} import settings",
        "from {package}.sub.module import name",
        "def late():\n    from {package}.x import y",
        "try:\n    import {package}\nexcept ImportError:\n    pass",
    ],
)
def test_each_refused_import_is_caught(package, statement):
    assert refused_imports(statement.format(package=package)) != []


@pytest.mark.parametrize(
    "statement",
    [
        "import json",
        "from core.jsonin import json_parse",
        "from card_agent import piv",
        "from . import piv",
        "from .conftest import PIN",
        "import configparser",
        "from identityish import thing",
    ],
)
def test_allowed_imports_pass(statement):
    assert refused_imports(statement) == []


def _clean_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}


def test_importing_every_card_agent_module_loads_no_django():
    """Dynamic imports and transitive ones included (a `core` module that pulled Django in
    would show here, where the static check above cannot see it)."""
    modules = _modules()
    assert "card_agent.agent" in modules and "card_agent.tests.conftest" in modules
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(n for n in sys.modules if n.split('.')[0] in "
        f"{REFUSED!r})\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT,
        env=_clean_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# The tests that need no reader: the virtual card (its vpcd framing against a socket of
# its own), the agent over the soft card, the bridge over HTTP. The PC/SC ones use the
# shared vpcd reader, which this session may hold; their fixtures are in the same
# Django-free package, under the same import check.
WITHOUT_READER = [
    "card_agent/tests/test_virtual_card.py",
    "card_agent/tests/test_agent_softcard.py",
    "card_agent/tests/test_bridge.py",
    "card_agent/tests/test_sign_document.py",
]

# Run inside the child pytest: fails the run if Django was imported at any point.
_GUARD = """
import sys

import pytest


class DjangoGuard:
    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session, exitstatus):
        loaded = sorted(name for name in sys.modules if name.split(".")[0] == "django")
        if loaded:
            print("django was imported:", loaded[:5])
            session.exitstatus = 3


sys.exit(pytest.main(sys.argv[1:], plugins=[DjangoGuard()]))
"""


def test_card_agent_tests_run_without_django():
    """pytest-django off, the root conftest (Django fixtures) out of reach: the tests pass
    and Django is never imported."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            _GUARD,
            "-p",
            "no:django",
            "-p",
            "no:cacheprovider",
            "-W",
            "ignore::pytest.PytestConfigWarning",  # pyproject's DJANGO_SETTINGS_MODULE
            f"--confcutdir={PACKAGE}",
            "-q",
            *WITHOUT_READER,
        ],
        cwd=PROJECT,
        env=_clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
