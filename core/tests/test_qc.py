"""The Québec formats of `{% load qc %}`: money, dates and times in French and English."""

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from core.templatetags.qc import money_cents_format, money_format

NBSP = "\u00a0"

amounts = st.decimals(
    min_value=Decimal("-99999999.99"),
    max_value=Decimal("99999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


def render(source: str, language: str, **context) -> str:
    with translation.override(language):
        return Template("{% load qc %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("amount", "language", "expected"),
    [
        (Decimal("4.5"), "fr", f"4,50{NBSP}$"),
        (Decimal("4.5"), "en", "$4.50"),
        (Decimal("1234.5"), "fr", f"1{NBSP}234,50{NBSP}$"),
        (Decimal("1234.5"), "en", "$1,234.50"),
        (Decimal("1234567.891"), "fr", f"1{NBSP}234{NBSP}567,89{NBSP}$"),
        (Decimal("-1234.5"), "fr", f"-1{NBSP}234,50{NBSP}$"),
        (Decimal("-1234.5"), "en", "-$1,234.50"),
        (Decimal("0.005"), "en", "$0.01"),
        (Decimal("-0.004"), "fr", f"0,00{NBSP}$"),
        (Decimal("999.995"), "fr", f"1{NBSP}000,00{NBSP}$"),
        (12, "en", "$12.00"),
        ("7.25", "fr-ca", f"7,25{NBSP}$"),
    ],
)
def test_money_is_written_as_the_language_writes_it(amount, language, expected):
    assert money_format(amount, language) == expected


def test_cents_are_money_too():
    assert money_cents_format(123450, "fr") == f"1{NBSP}234,50{NBSP}$"
    assert money_cents_format(-5, "en") == "-$0.05"


def test_the_filters_follow_the_active_language():
    price = Decimal("1234.50")
    assert render("{{ p|money }}", "fr", p=price) == f"1{NBSP}234,50{NBSP}$"
    assert render("{{ p|money }}", "en", p=price) == "$1,234.50"
    assert render("{{ c|money_cents }}", "fr", c=450) == f"4,50{NBSP}$"


def test_nothing_to_show_shows_nothing_and_junk_does_not_fail_the_page():
    assert render("[{{ p|money }}]", "fr", p=None) == "[]"
    assert render("[{{ p|money }}]", "fr", p="") == "[]"
    assert render("[{{ p|money }}]", "fr", p="n/a") == "[n/a]"
    assert render("[{{ c|money_cents }}]", "fr", c="x") == "[x]"


@settings(max_examples=300, deadline=None)
@given(amounts)
def test_french_money_reads_back_to_the_same_amount(amount):
    text = money_format(amount, "fr")
    assert re.fullmatch(r"-?\d{1,3}(?:\u00a0\d{3})*,\d{2}\u00a0\$", text), text
    assert " " not in text  # no breakable space: the amount never splits across lines
    back = Decimal(text.removesuffix(f"{NBSP}$").replace(NBSP, "").replace(",", "."))
    assert back == amount or (amount.is_zero() and back.is_zero())


@settings(max_examples=300, deadline=None)
@given(amounts)
def test_english_money_reads_back_to_the_same_amount(amount):
    text = money_format(amount, "en")
    assert re.fullmatch(r"-?\$\d{1,3}(?:,\d{3})*\.\d{2}", text), text
    assert Decimal(text.replace("$", "").replace(",", "")) == amount


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_cents_and_dollars_agree(cents):
    for language in ("fr", "en"):
        assert money_cents_format(cents, language) == money_format(Decimal(cents) / 100, language)


# --- Dates and times -------------------------------------------------------------------
# 19:05 UTC is 14:05 in Québec on November 30 (EST, UTC-5).
MOMENT = datetime(2026, 11, 30, 19, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("source", "french", "english"),
    [
        ("{{ d|date_qc }}", "30 novembre 2026", "November 30, 2026"),
        ("{{ m|date_qc }}", "30 novembre 2026", "November 30, 2026"),
        (
            "{{ m|datetime_qc }}",
            f"30 novembre 2026 à 14{NBSP}h{NBSP}05",
            "November 30, 2026, 2:05 p.m.",
        ),
        ("{{ m|time_qc }}", f"14{NBSP}h{NBSP}05", "2:05 p.m."),
        ("{{ t|time_qc }}", f"9{NBSP}h{NBSP}30", "9:30 a.m."),
        # Django's own filters read the same through config/formats/.
        ("{{ m|date }}", "30 novembre 2026", "November 30, 2026"),
        ("{{ m|time }}", f"14{NBSP}h{NBSP}05", "2:05 p.m."),
        (
            '{{ m|date:"DATETIME_FORMAT" }}',
            f"30 novembre 2026 à 14{NBSP}h{NBSP}05",
            "November 30, 2026, 2:05 p.m.",
        ),
        ('{{ d|date:"SHORT_DATE_FORMAT" }}', "2026-11-30", "2026-11-30"),
    ],
)
def test_dates_and_times_are_written_as_quebec_writes_them(source, french, english):
    context = {"d": date(2026, 11, 30), "m": MOMENT, "t": time(9, 30)}
    assert render(source, "fr", **context) == french
    assert render(source, "en", **context) == english


def test_the_first_of_the_month_is_1er_in_french():
    first = datetime(2026, 12, 1, 14, 5, tzinfo=UTC)  # 9 h 05 in Québec, December 1
    assert render("{{ m|date_qc }}", "fr", m=first) == "1er décembre 2026"
    assert render("{{ m|datetime_qc }}", "fr", m=first) == f"1er décembre 2026 à 9{NBSP}h{NBSP}05"
    assert render("{{ m|date_qc }}", "en", m=first) == "December 1, 2026"
    # The day in Québec decides: 02:00 UTC on December 1 is still November 30 there.
    late = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    assert render("{{ m|date_qc }}", "fr", m=late) == "30 novembre 2026"


@pytest.mark.parametrize(
    ("value", "french", "english"),
    [
        ("05:30", f"5{NBSP}h{NBSP}30", "5:30 a.m."),
        ("06:00", f"6{NBSP}h", "6 a.m."),
        ("12:00", f"12{NBSP}h", "noon"),
        ("23:05", f"23{NBSP}h{NBSP}05", "11:05 p.m."),
        ("00:00", f"0{NBSP}h", "midnight"),
        ("24:00", f"24{NBSP}h", "midnight"),
        (time(14, 5), f"14{NBSP}h{NBSP}05", "2:05 p.m."),
        ("25:00", "25:00", "25:00"),
        ("24:30", "24:30", "24:30"),
        ("soon", "soon", "soon"),
    ],
)
def test_opening_hours_read_as_a_schedule(value, french, english):
    assert render("{{ v|clock }}", "fr", v=value) == french
    assert render("{{ v|clock }}", "en", v=value) == english


def test_an_empty_date_shows_nothing():
    assert render("[{{ m|datetime_qc }}{{ m|date_qc }}{{ m|time_qc }}]", "fr", m=None) == "[]"


def test_dates_are_still_read_in_the_forms_people_type():
    from django import forms

    class When(forms.Form):
        day = forms.DateField()

    for language, typed in (("fr", "30/11/2026"), ("fr", "2026-11-30"), ("en", "11/30/2026")):
        with translation.override(language):
            form = When({"day": typed})
            assert form.is_valid(), (language, typed, form.errors)
            assert form.cleaned_data["day"] == date(2026, 11, 30)


def test_an_excerpt_keeps_no_break_spaces_and_ends_with_an_ellipsis():
    text = f"Librairie de quartier{NBSP}: romans,   jeunesse et papeterie à 4,50{NBSP}$."
    # The word bound to its colon is one word; a cut leaves no dangling colon or comma.
    assert render("{{ t|excerpt:3 }}", "fr", t=text) == "Librairie de quartier…"
    assert render("{{ t|excerpt:4 }}", "fr", t=text) == f"Librairie de quartier{NBSP}: romans…"
    assert render("{{ t|excerpt:99 }}", "fr", t=text) == text.replace("   ", " ")
    assert render("[{{ t|excerpt:3 }}]", "fr", t=None) == "[]"


def test_an_excerpt_is_escaped_unless_the_text_was_safe():
    assert (
        render("{{ t|excerpt:2 }}", "fr", t="<b>gras</b> et plus") == "&lt;b&gt;gras&lt;/b&gt; et…"
    )
