"""Validators for the attributes a person proves or declares."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Canada Post: letter digit letter, space, digit letter digit. D, F, I, O, Q and U never
# appear; W and Z never start a code.
POSTAL_CODE_RE = re.compile(r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] \d[ABCEGHJ-NPRSTV-Z]\d$")
# North American numbering plan: area code and exchange never start with 0 or 1.
PHONE_RE = re.compile(r"^\+1[2-9]\d{2}[2-9]\d{6}$")


def postal_code_normalize(value: str) -> str:
    """Upper-case a postal code and put the one space where Canada Post puts it."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if len(compact) == 6:
        return f"{compact[:3]} {compact[3:]}"
    return compact


def validate_postal_code(value: str) -> None:
    if not POSTAL_CODE_RE.match(value or ""):
        raise ValidationError(
            _("Enter a Canadian postal code such as G1R 4P5."), code="invalid_postal_code"
        )


def phone_normalize(value: str) -> str:
    """Reduce a North American number to E.164 (+1 and ten digits)."""
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 10:
        digits = "1" + digits
    return f"+{digits}" if digits else ""


def validate_phone(value: str) -> None:
    if value and not PHONE_RE.match(value):
        raise ValidationError(
            _("Enter a North American phone number such as 418 555-0123."),
            code="invalid_phone",
        )
