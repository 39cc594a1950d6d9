"""Cells of the CSV files people open in a spreadsheet.

A cell that starts like a formula is run as one when the file is opened (CSV injection: a
title "=HYPERLINK(…)" typed by one person, exported, then opened by another). Such a cell
is written after an apostrophe, which spreadsheets read as "text"; an import that takes
that apostrophe off again keeps the round trip exact."""

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value: Any) -> str:
    """`value` as text a spreadsheet shows and never runs."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
