"""Québec formats for templates (`{% load qc %}`): money, dates and times as people of the
current language write them.

    {{ variant.price|money }}        4,50 $ · 1 234,50 $      $4.50 · $1,234.50
    {{ payment.amount|money_cents }} the same, from a whole number of cents
    {{ order.placed_at|datetime_qc }} 30 novembre 2026 à 14 h 05   November 30, 2026, 2:05 p.m.
    {{ card.not_after|date_qc }}     30 novembre 2026                 November 30, 2026
    {{ pickup.opens_at|time_qc }}    14 h 05                          2:05 p.m.
    {{ "05:30"|clock }}              5 h 30 · 6 h · 24 h              5:30 a.m. · 6 a.m. · midnight
    {{ store.description|excerpt:24 }} the first 24 words, no-break spaces kept

The date filters are Django's `date` and `time` with the formats of config/formats/, named
here so that a template says what it means; `{{ value|date }}` reads the same.
"""

import re
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.template import defaultfilters
from django.utils import formats, translation

register = template.Library()

CENT = Decimal("0.01")
NBSP = "\u00a0"

# (thousands separator, decimal separator) by language; French is Québec's.
_SEPARATORS = {"fr": (NBSP, ","), "en": (",", ".")}


def _language(language: str | None) -> str:
    code = (language or translation.get_language() or "fr").split("-")[0].lower()
    return code if code in _SEPARATORS else "en"


def _grouped(digits: str, separator: str) -> str:
    """1234567 → 1␣234␣567: groups of three from the right."""
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return separator.join(groups)


def money_format(amount: Decimal | int | str, language: str | None = None) -> str:
    """An amount in dollars, rounded once to the cent (half up), as the language writes it.

    French (Québec): `1 234,50 $`, the sign after the amount, U+00A0 as the thousands
    separator and before `$`. English: `$1,234.50`. A negative amount leads with `-`.
    """
    value = Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)
    language = _language(language)
    thousands, decimal_mark = _SEPARATORS[language]
    whole, _point, fraction = f"{abs(value):f}".partition(".")
    digits = f"{_grouped(whole, thousands)}{decimal_mark}{fraction}"
    sign = "-" if value < 0 else ""
    if language == "fr":
        return f"{sign}{digits}{NBSP}$"
    return f"{sign}${digits}"


def money_cents_format(cents: int, language: str | None = None) -> str:
    """A whole number of cents (as payment providers count) written as `money_format` does."""
    return money_format(Decimal(int(cents)) / 100, language)


@register.filter
def money(amount: Decimal | int | str | None) -> str:
    """`{{ price|money }}`: dollars (a Decimal, or a whole number of dollars). Empty for
    None or ""; a value that is not a number is shown as it is rather than failing a page."""
    if amount is None or amount == "":
        return ""
    try:
        return money_format(amount)
    except (InvalidOperation, ValueError, TypeError):
        return str(amount)


@register.filter
def money_cents(cents: int | None) -> str:
    """`{{ amount_cents|money_cents }}`: a whole number of cents."""
    if cents is None or cents == "":
        return ""
    try:
        return money_cents_format(int(cents))
    except (ValueError, TypeError):
        return str(cents)


def _day_format(name: str, value: date | None) -> str:
    """The format `name` of the active language; in French the first of the month is
    written 1er (le 1er décembre), which Django's format letters cannot say."""
    chosen = formats.get_format(name)
    if _language(None) == "fr" and getattr(value, "day", None) == 1:
        return re.sub(r"(?<!\\)j", r"j\\e\\r", chosen, count=1)
    return chosen


@register.filter(expects_localtime=True, is_safe=False)
def date_qc(value: date | datetime | None) -> str:
    """The day, as the language writes it in full: 30 novembre 2026, le 1er décembre,
    November 30, 2026."""
    if value in (None, ""):
        return ""
    return defaultfilters.date(value, _day_format("DATE_FORMAT", value))


@register.filter(expects_localtime=True, is_safe=False)
def datetime_qc(value: datetime | None) -> str:
    """Day and time in the person's time zone: 30 novembre 2026 à 14 h 05."""
    if value in (None, ""):
        return ""
    return defaultfilters.date(value, _day_format("DATETIME_FORMAT", value))


@register.filter(expects_localtime=True, is_safe=False)
def time_qc(value: datetime | time | None) -> str:
    """The time of day: 14 h 05, 2:05 p.m."""
    return defaultfilters.time(value, "TIME_FORMAT")


_CLOCK_RE = re.compile(r"(\d{1,2}):(\d{2})")


@register.filter
def clock(value: str | time | None) -> str:
    """A time of day from opening hours ("05:30", "24:00", or a `time`), as the language
    writes a schedule: 5 h 30, 6 h, 24 h in French; 5:30 a.m., 6 a.m., midnight in English.
    Anything else is shown as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, time):
        hour, minute = value.hour, value.minute
    else:
        match = _CLOCK_RE.fullmatch(str(value).strip())
        if match is None:
            return str(value)
        hour, minute = int(match[1]), int(match[2])
        if not (0 <= hour <= 24 and 0 <= minute <= 59) or (hour == 24 and minute):
            return str(value)
    if _language(None) == "fr":
        return f"{hour}{NBSP}h" + (f"{NBSP}{minute:02d}" if minute else "")
    if hour == 24:
        hour = 0
    return defaultfilters.time(time(hour, minute), "P")


_BREAKABLE_SPACE_RE = re.compile(r"[ \t\r\n\f\v]+")


@register.filter(is_safe=True)
def excerpt(text: str | None, words: int | str) -> str:
    """The first `words` words of a text, then "…". Unlike Django's `truncatewords`, a
    no-break space binds two words into one and is kept: the French colon, the dollar
    sign and « » stay with their word instead of starting a line."""
    if text is None:
        return ""
    try:
        limit = int(words)
    except (TypeError, ValueError):
        return text
    parts = _BREAKABLE_SPACE_RE.split(str(text).strip())
    if len(parts) <= limit:
        return " ".join(parts)
    return " ".join(parts[:limit]).rstrip(",;:\u00a0\u202f") + "…"
