"""The French catalogue is complete, compiled, and in step with the code and templates.

config/locale/fr/LC_MESSAGES/django.po and its compiled django.mo are both kept in git,
so that running the site needs no gettext tools. These tests catch the three ways they
drift apart: an entry left empty or fuzzy, a .mo compiled from an older .po, and a
string added to the code or a template without `makemessages` and a translation.

To bring the catalogue up to date:

    .venv/bin/python manage.py makemessages -l fr --ignore=.venv --ignore=staticfiles \
        --ignore=var --ignore=examples --no-obsolete
    (translate the new entries, remove every "#, fuzzy")
    .venv/bin/python manage.py compilemessages --ignore=.venv
"""

import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LC_MESSAGES = ROOT / "config" / "locale" / "fr" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"

# What `makemessages` is told to leave out; keep in step with the command in the docstring.
MAKEMESSAGES_IGNORE = (".venv", "staticfiles", "var", "examples")


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    def __str__(self) -> str:
        return f"line {self.line}: {self.msgid!r}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_KEYWORD_RE = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


def _unquote(text: str, where: str) -> str:
    text = text.strip()
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"{where}: not a quoted string: {text!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def parse_po(text: str) -> list[Entry]:
    """The entries of a .po file (obsolete `#~` entries left out), header included."""
    entries: list[Entry] = []
    current: Entry | None = None
    flags: set[str] = set()
    start = 0
    target: tuple[str, int | None] | None = None  # the field continuation lines extend

    def finish() -> None:
        nonlocal current, flags, target
        if current is not None:
            entries.append(current)
        current, flags, target = None, set(), None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            # A comment opens a new entry when the previous one already has its msgstr.
            if current is not None and current.msgstr:
                finish()
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        where = f"{PO_PATH.name}:{number}"
        match = _KEYWORD_RE.match(line)
        if match:
            keyword, index, quoted = match.groups()
            value = _unquote(quoted, where)
            if keyword in ("msgctxt", "msgid") and current is not None and current.msgstr:
                finish()
            if current is None:
                current = Entry(msgid="", flags=flags, line=number)
                start = number
            if keyword == "msgctxt":
                current.msgctxt = value
                target = ("msgctxt", None)
            elif keyword == "msgid":
                current.msgid = value
                target = ("msgid", None)
            elif keyword == "msgid_plural":
                current.msgid_plural = value
                target = ("msgid_plural", None)
            else:
                slot = int(index) if index is not None else 0
                current.msgstr[slot] = value
                target = ("msgstr", slot)
            continue
        if line.startswith('"') and current is not None and target is not None:
            value = _unquote(line, where)
            name, slot = target
            if name == "msgstr":
                current.msgstr[slot] += value
            else:
                setattr(current, name, (getattr(current, name) or "") + value)
            continue
        raise ValueError(f"{where}: cannot read {raw!r} (entry from line {start})")
    finish()
    return entries


def _header_fields(entries: list[Entry]) -> dict[str, str]:
    header = next(entry for entry in entries if entry.is_header)
    fields = {}
    for line in header.msgstr[0].splitlines():
        name, _sep, value = line.partition(":")
        fields[name.strip()] = value.strip()
    return fields


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    assert PO_PATH.exists(), f"{PO_PATH.relative_to(ROOT)} is missing: run makemessages"
    return parse_po(PO_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def messages(entries: list[Entry]) -> list[Entry]:
    return [entry for entry in entries if not entry.is_header]


def test_the_parser_reads_plurals_contexts_and_continuations():
    po = (
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        "#: a.py:1\n#, python-format\n"
        'msgid "%(n)d thing"\nmsgid_plural "%(n)d things"\n'
        'msgstr[0] "%(n)d chose"\nmsgstr[1] "%(n)d "\n"choses"\n\n'
        'msgctxt "month"\nmsgid "May"\nmsgstr "mai"\n'
        '#~ msgid "Gone"\n#~ msgstr "Parti"\n'
    )
    header, plural, context = parse_po(po)
    assert header.is_header and header.msgstr[0] == "Language: fr\n"
    assert plural.msgid_plural == "%(n)d things"
    assert plural.msgstr == {0: "%(n)d chose", 1: "%(n)d choses"}
    assert plural.flags == {"python-format"}
    assert context.key == ("month", "May", None) and context.msgstr == {0: "mai"}


def test_header_names_french_and_its_plural_rule(entries):
    fields = _header_fields(entries)
    assert fields["Language"] == "fr"
    assert fields["Language-Team"] == "French (Canada)"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"] == "nplurals=2; plural=(n > 1);"


def test_no_entry_is_empty_or_fuzzy(messages):
    assert messages, "the catalogue has no entry"
    fuzzy = [str(entry) for entry in messages if "fuzzy" in entry.flags]
    assert not fuzzy, "fuzzy entries (check the translation, then drop the flag):\n" + "\n".join(
        fuzzy
    )
    empty = []
    for entry in messages:
        expected = {0, 1} if entry.msgid_plural is not None else {0}
        if set(entry.msgstr) != expected or not all(entry.msgstr.values()):
            empty.append(str(entry))
    assert not empty, "untranslated entries:\n" + "\n".join(empty)


def test_no_msgid_appears_twice(messages):
    keys = [entry.key[:2] for entry in messages]
    assert len(keys) == len(set(keys))


_PLACEHOLDER_RE = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdifr]|\{[A-Za-z_]\w*\}")
_TAG_RE = re.compile(r"</?[A-Za-z][^>]*>")
# ; ! ? » and a colon ending a clause take a non-breaking space before them, « one after.
# A colon inside a token such as 06:00 or HH:MM is not punctuation.
_BREAKABLE_PUNCTUATION_RE = re.compile(
    r"(?<![\u00a0\u202f])(?:[;!?»]|:(?=\s|$))|«(?![\u00a0\u202f])"
)


def test_translations_keep_placeholders_and_html_tags(messages):
    wrong = []
    for entry in messages:
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        wanted = set()
        for source in sources:
            wanted |= set(_PLACEHOLDER_RE.findall(source))
        tags = sorted(_TAG_RE.findall(entry.msgid))
        for slot, text in entry.msgstr.items():
            found = set(_PLACEHOLDER_RE.findall(text))
            # The singular of a plural may leave the number out ("un casier"); never add one.
            if found - wanted or ((slot > 0 or entry.msgid_plural is None) and found != wanted):
                wrong.append(f"{entry} msgstr[{slot}]: placeholders {found} ≠ {wanted}")
            if sorted(_TAG_RE.findall(text)) != tags:
                wrong.append(f"{entry} msgstr[{slot}]: HTML tags differ")
    assert not wrong, "\n".join(wrong)


def test_translations_follow_quebec_french_typography(messages):
    """A non-breaking space before : ; ! ? and inside « »; "courriel", never "e-mail"."""
    wrong = []
    for entry in messages:
        for text in entry.msgstr.values():
            bare = _PLACEHOLDER_RE.sub("", text)
            if _BREAKABLE_PUNCTUATION_RE.search(bare):
                wrong.append(f"{entry}: no non-breaking space around : ; ! ? « » in {text!r}")
            if re.search(r"\be-?mail", bare, re.IGNORECASE):
                wrong.append(f"{entry}: write “courriel” in {text!r}")
    assert not wrong, "\n".join(wrong)


def test_compiled_catalogue_matches_the_po(messages):
    """django.mo was compiled from this very .po: every entry reads back its msgstr."""
    assert MO_PATH.exists(), f"{MO_PATH.relative_to(ROOT)} is missing: run compilemessages"
    with MO_PATH.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = []
    for entry in messages:
        if entry.msgid_plural is None:
            if entry.msgctxt is None:
                got = {0: catalogue.gettext(entry.msgid)}
            else:
                got = {0: catalogue.pgettext(entry.msgctxt, entry.msgid)}
        else:
            # French: n = 1 takes msgstr[0], n = 2 takes msgstr[1].
            if entry.msgctxt is None:
                got = {
                    n - 1: catalogue.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)
                }
            else:
                got = {
                    n - 1: catalogue.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                    for n in (1, 2)
                }
        if got != entry.msgstr:
            stale.append(f"{entry}: .mo gives {got}, .po says {entry.msgstr}")
    assert not stale, "django.mo is older than django.po; run compilemessages:\n" + "\n".join(stale)
    info = catalogue.info()
    assert info.get("language") == "fr"
    assert info.get("plural-forms") == "nplurals=2; plural=(n > 1);"


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("Skip to content", "Aller au contenu"),
        (
            "Your identity, your coop, your neighbourhood.",
            "Votre identité, votre coop, votre quartier.",
        ),
        ("French", "Français"),
    ],
)
def test_django_reads_the_catalogue(english, french):
    from django.utils import translation

    # Called through a variable so that makemessages does not list this file as a source.
    translate = translation.gettext
    with translation.override("fr"):
        assert translate(english) == french


def test_a_status_agrees_with_what_it_describes():
    from django.utils import translation

    from identity.models import CardStatus
    from marketplace.models import StoreStatus

    with translation.override("fr"):
        # Une carte suspendue, un commerce suspendu.
        assert str(CardStatus.SUSPENDED.label) == "Suspendue"
        assert str(CardStatus.REVOKED.label) == "Révoquée"
        assert str(StoreStatus.SUSPENDED.label) == "Suspendu"


@pytest.mark.skipif(
    not (shutil.which("xgettext") and shutil.which("msgmerge") and shutil.which("msguniq")),
    reason="makemessages needs GNU gettext (xgettext, msgmerge, msguniq)",
)
def test_every_string_in_code_and_templates_is_in_the_catalogue(tmp_path, entries):
    """Run the real makemessages on a copy of the project and compare the catalogues.

    The copy gets its own settings whose LOCALE_PATHS point into the copy, so the
    committed catalogue is never written to. msgmerge leaves a new string empty, or
    fuzzy when it resembles an old one: either means a translation is missing.
    """
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            *MAKEMESSAGES_IGNORE, ".*", "__pycache__", "*.pyc", "node_modules", "*.mo"
        ),
    )
    (copy / "catalogue_check_settings.py").write_text(
        "from pathlib import Path\n"
        "from config.settings.test import *  # noqa: F403\n"
        'LOCALE_PATHS = [Path(__file__).resolve().parent / "config" / "locale"]\n',
        encoding="utf-8",
    )
    before = PO_PATH.read_bytes()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["DJANGO_SETTINGS_MODULE"] = "catalogue_check_settings"
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "fr",
            *(f"--ignore={name}" for name in MAKEMESSAGES_IGNORE),
            "--no-obsolete",
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert PO_PATH.read_bytes() == before, "makemessages wrote to the committed catalogue"
    (copy / "catalogue_check_settings.py").unlink()

    merged = [
        entry
        for entry in parse_po((copy / PO_PATH.relative_to(ROOT)).read_text(encoding="utf-8"))
        if not entry.is_header
    ]
    assert merged, f"makemessages extracted nothing:\n{result.stdout}\n{result.stderr}"
    untranslated = [
        str(entry)
        for entry in merged
        if "fuzzy" in entry.flags or not entry.msgstr or not all(entry.msgstr.values())
    ]
    committed = {entry.key for entry in entries if not entry.is_header}
    extracted = {entry.key for entry in merged}
    problems = []
    if untranslated:
        problems.append(
            "strings in the code with no French translation:\n" + "\n".join(untranslated)
        )
    if committed - extracted:
        problems.append(
            "catalogue entries no longer in the code (run makemessages --no-obsolete):\n"
            + "\n".join(repr(key[1]) for key in sorted(committed - extracted, key=str))
        )
    if extracted - committed and not untranslated:
        problems.append(
            "strings in the code missing from the catalogue:\n"
            + "\n".join(repr(key[1]) for key in sorted(extracted - committed, key=str))
        )
    assert not problems, "\n\n".join(problems)
