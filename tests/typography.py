"""What a page shows people, and the typography rules its text must follow.

Pure functions, no Django: `visible_text(html)` extracts what a reader sees (or hears from a
screen reader), and `french_offences(text)` / `english_offences(text)` list where it breaks
the rules. tests/test_typography.py runs them on every page; tests/test_typography_rules.py
tests them on small pages.

French (Québec, Office québécois de la langue française):
- the apostrophe is ’, never ' (between two letters: l’accès, aujourd’hui);
- a narrow no-break space U+202F (or a no-break space U+00A0) before ; ? ! and », after «;
- a no-break space U+00A0 (or U+202F) before a colon that ends a clause.
English: the apostrophe is ’ too (it’s, the card’s); no space of any kind before ? ! : ;.

A colon not followed by a space is not punctuation (14:05, 1:2, https://, urn:ietf:...),
nor is anything inside <code>, <pre>, <kbd> or <samp>, nor a URL or a path (/compte/?next=).
The messages a page's script shows, from its <script type="application/json">, are read.
"""

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser

NBSP = "\u00a0"
NNBSP = "\u202f"
# Stands for technical text (<code>...) in what the rules read: neither a letter nor a space.
TECHNICAL = "\ufffc"

# Elements whose content nobody reads as text.
_HIDDEN = {"script", "style", "template"}
# Technical text: ids, code, keys; the rules for prose do not apply to it.
_TECHNICAL = {"code", "pre", "kbd", "samp"}
# Elements that start a new line of text (so that words of two blocks do not run together).
_BLOCKS = {
    "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1",
    "h2", "h3", "h4", "h5", "h6", "head", "header", "hr", "html", "label", "legend", "li",
    "main", "nav", "ol", "option", "p", "section", "select", "summary", "table", "tbody",
    "td", "tfoot", "th", "thead", "title", "tr", "ul", "button", "textarea", "input", "img",
}  # fmt: skip
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}  # fmt: skip
# Attributes people read or hear.
_READ_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")
_BUTTON_INPUTS = {"submit", "button", "reset"}


def _json_messages(data: str) -> list[str]:
    """The sentences in a page's JSON data (the messages its script shows): every string
    with a space in it; ids, codes and URLs have none."""
    try:
        document = json.loads(data)
    except ValueError:
        return []
    found: list[str] = []
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str) and " " in value.strip():
            found.append(value)
    return sorted(found)


def _primary_language(tag: str | None) -> str:
    return (tag or "").split("-")[0].strip().lower()


class _TextExtractor(HTMLParser):
    def __init__(self, language: str | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.technical = 0
        self.json: list[str] | None = None  # the data of a <script type="application/json">
        # Text marked as another language than `language` follows that language's rules
        # (a page in both languages): it is left out, as hidden text is.
        self.language = _primary_language(language)
        # (tag, the language its text is in), for the elements open now.
        self.open: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag not in _VOID:
            inherited = self.open[-1][1] if self.open else ""
            self.open.append((tag, _primary_language(values.get("lang")) or inherited))
        if tag in _BLOCKS:
            self.parts.append("\n")
        if not self.hidden and self._in_language():
            for name in _READ_ATTRIBUTES:
                if values.get(name):
                    self.parts.append(f"\n{values[name]}\n")
            kind = (values.get("type") or "").lower()
            if tag == "input" and kind in _BUTTON_INPUTS and values.get("value"):
                self.parts.append(f"\n{values['value']}\n")
        if tag in _VOID:
            return
        if tag in _HIDDEN:
            self.hidden += 1
            if tag == "script" and (values.get("type") or "").lower() == "application/json":
                self.json = []
        elif tag in _TECHNICAL:
            if not self.technical and not self.hidden:
                self.parts.append(TECHNICAL)
            self.technical += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if any(name == tag for name, _lang in self.open):
            while self.open and self.open.pop()[0] != tag:
                pass
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
            if tag == "script" and self.json is not None:
                self.parts.extend(
                    f"\n{message}\n" for message in _json_messages("".join(self.json))
                )
                self.json = None
        elif tag in _TECHNICAL:
            self.technical = max(0, self.technical - 1)
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.json is not None:
            self.json.append(data)
        if not self.hidden and not self.technical and self._in_language():
            self.parts.append(data)

    def _in_language(self) -> bool:
        """Whether the text here is in the language read (any, when none was given)."""
        here = self.open[-1][1] if self.open else ""
        return not self.language or not here or here == self.language


def visible_text(html: str, language: str | None = None) -> str:
    """The text of a page as people read it: one line per block, runs of ordinary white
    space collapsed (no-break spaces kept), technical text replaced by U+FFFC; with
    `language`, without the parts marked (`lang`) as written in another language."""
    parser = _TextExtractor(language)
    parser.feed(html)
    parser.close()
    lines = []
    for line in "".join(parser.parts).split("\n"):
        line = re.sub(r"[ \t\r\f\v]+", " ", line).strip(" ")
        if line:
            lines.append(line)
    return "\n".join(lines)


@dataclass(frozen=True)
class Offence:
    rule: str
    snippet: str

    def __str__(self) -> str:
        return f"{self.rule}: …{show_spaces(self.snippet)}…"


def show_spaces(text: str) -> str:
    """Text with its invisible characters named, for a failure message."""
    return text.replace(NBSP, "[nbsp]").replace(NNBSP, "[nnbsp]").replace("\n", " ⏎ ")


# URLs, e-mail-like and path-like tokens: their ? : ; are not punctuation.
_NOT_PROSE_RE = re.compile(
    r"\b[a-z][a-z0-9+.-]*://\S*|\b(?:mailto|tel|urn|data):\S+|(?<![\w.])/[\w./%-]*(?:\?\S*)?"
    r"|\?\w+=\S*",
    re.IGNORECASE,
)
_LETTER = r"[^\W\d_]"
_STRAIGHT_APOSTROPHE_RE = re.compile(rf"{_LETTER}'{_LETTER}")
_FRENCH_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("straight apostrophe (write ’)", _STRAIGHT_APOSTROPHE_RE),
    (
        "no narrow no-break space before ; ? ! »",
        re.compile(rf"(?<![{NBSP}{NNBSP}?!])[;?!»]"),
    ),
    ("no narrow no-break space after «", re.compile(rf"«(?![{NBSP}{NNBSP}])")),
    ("no no-break space before :", re.compile(rf"(?<![{NBSP}{NNBSP}]):(?=\s|$)")),
    ("“e-mail” (write courriel)", re.compile(r"\be-?mails?\b", re.IGNORECASE)),
    ("a breakable space before $ (write 4,50 $ with a no-break space)", re.compile(r"\d \$")),
    ("a clock time written 14:05 (write 14 h 05)", re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?![\d:])")),
]
_ENGLISH_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("a space before ? ! : ;", re.compile(r"\s[?!:;](?=\s|$)")),
    ("straight apostrophe (write ’)", _STRAIGHT_APOSTROPHE_RE),
]
# Words that give away an English string left in a French page.
ENGLISH_ONLY_WORDS = (
    "Sign in",
    "Sign out",
    "Delete",
    "Rename",
    "branch",
    "Save",
    "Cancel",
    # Provinces whose French name differs (Québec written without its accent is English).
    "Quebec",
    "British Columbia",
    "Nova Scotia",
    "New Brunswick",
    "Prince Edward Island",
    "Northwest Territories",
)
# Words that give away a French string left in an English page (the demo stores' own
# French texts are taken out before: tests/test_typography.py, without_demo_french).
FRENCH_ONLY_WORDS = (
    "Se connecter",
    "Supprimer",
    "Renommer",
    "Enregistrer",
    "Annuler",
    "courriel",
    "succursale",
    "Mon compte",
)
_FRENCH_WORDS_RE = re.compile(r"\b(?:" + "|".join(map(re.escape, FRENCH_ONLY_WORDS)) + r")\b")
_ENGLISH_WORDS_RE = re.compile(r"\b(?:" + "|".join(map(re.escape, ENGLISH_ONLY_WORDS)) + r")\b")


def _prose(text: str) -> str:
    """The text with URLs and paths blanked (same length, so snippets stay aligned)."""
    return _NOT_PROSE_RE.sub(lambda match: " " * len(match.group(0)), text)


def _snippet(text: str, start: int, end: int, width: int = 25) -> str:
    return text[max(0, start - width) : end + width]


def _offences(text: str, rules: list[tuple[str, re.Pattern[str]]]) -> list[Offence]:
    prose = _prose(text)
    found = []
    for rule, pattern in rules:
        for match in pattern.finditer(prose):
            found.append(Offence(rule, _snippet(text, match.start(), match.end())))
    return found


def french_offences(text: str) -> list[Offence]:
    """Where French text breaks Québec typography, and English words it should not show."""
    found = _offences(text, _FRENCH_RULES)
    for match in _ENGLISH_WORDS_RE.finditer(text):
        found.append(
            Offence("English in a French page", _snippet(text, match.start(), match.end()))
        )
    return found


def english_offences(text: str) -> list[Offence]:
    """Where English text puts a space before ? ! : ; (French habits in English) or a
    straight apostrophe, and French words it should not show."""
    found = _offences(text, _ENGLISH_RULES)
    for match in _FRENCH_WORDS_RE.finditer(text):
        found.append(
            Offence("French in an English page", _snippet(text, match.start(), match.end()))
        )
    return found
