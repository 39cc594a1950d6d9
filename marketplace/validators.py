"""Validators for the numbers a store gives when it applies: its Québec enterprise number
and its sales-tax registration numbers.

Each number has one canonical form, stored as such: `*_normalize` brings what a person
types (spaces, hyphens, lower case) to it, and the validator checks that form only.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NEQ_RE = re.compile(r"^[0-9]{10}$")
# Canada Revenue Agency: a 9-digit business number, the program identifier RT (GST/HST)
# and a 4-digit reference number of the account.
GST_NUMBER_RE = re.compile(r"^[0-9]{9}RT[0-9]{4}$")
# Revenu Québec: a 10-digit identification number, TQ (QST file) and a 4-digit file number.
QST_NUMBER_RE = re.compile(r"^[0-9]{10}TQ[0-9]{4}$")

# The same patterns in the database's check constraints (a `__regex` lookup). [0-9], not
# \d: Python's \d also matches other scripts' digits (full-width ones), the database's does not.
NEQ_PATTERN = NEQ_RE.pattern
GST_NUMBER_PATTERN = GST_NUMBER_RE.pattern
QST_NUMBER_PATTERN = QST_NUMBER_RE.pattern


def _compact(value: str) -> str:
    return re.sub(r"[\s\-]+", "", value or "").upper()


def neq_normalize(value: str) -> str:
    """The NEQ without the spaces or hyphens people write it with (1143 920 115 → 1143920115)."""
    return _compact(value)


def validate_neq(value: str) -> None:
    """A Québec enterprise number (NEQ) is exactly ten digits, nothing more is checked.

    The Registraire des entreprises publishes the NEQ as "a ten-digit number" assigned at
    registration and documents no check digit and no prefix rule. Registered numbers seen
    in its public register begin with 11, 22 or 33 (1143920115, 2260227451), but that is
    an observation, not a published rule, so it is not enforced: a valid new number must
    never be refused by a guess of ours. Whether the number exists is the register's to
    say, not a format check's.
    """
    if not NEQ_RE.fullmatch(value or ""):
        raise ValidationError(
            _("Enter the Québec enterprise number (NEQ): ten digits, such as 1143920115."),
            code="invalid_neq",
        )


def gst_number_normalize(value: str) -> str:
    """The GST number in one block (123456789 RT 0001 → 123456789RT0001)."""
    return _compact(value)


def validate_gst_number(value: str) -> None:
    """A GST registration number: the 9-digit business number, RT and 4 digits.

    Only the format is checked (the business number's last digit is a check digit by
    common practice, but the Canada Revenue Agency does not publish its algorithm).
    """
    if not GST_NUMBER_RE.fullmatch(value or ""):
        raise ValidationError(
            _("Enter the GST number: nine digits, RT and four digits, such as 123456789RT0001."),
            code="invalid_gst_number",
        )


def qst_number_normalize(value: str) -> str:
    """The QST number in one block (1234567890 TQ 0001 → 1234567890TQ0001)."""
    return _compact(value)


def validate_qst_number(value: str) -> None:
    """A QST registration number: 10 digits, TQ and 4 digits (Revenu Québec's format)."""
    if not QST_NUMBER_RE.fullmatch(value or ""):
        raise ValidationError(
            _("Enter the QST number: ten digits, TQ and four digits, such as 1234567890TQ0001."),
            code="invalid_qst_number",
        )
