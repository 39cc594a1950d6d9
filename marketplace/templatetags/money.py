"""`{{ variant.price|money }}`: an amount in dollars as people of the current language write it."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import formats, translation

register = template.Library()

CENT = Decimal("0.01")


def money_format(amount: Decimal | int | str, language: str | None = None) -> str:
    """Round to the cent (half up) and write with the language's separators and "$".

    French: 1 234,50 $ (the sign after the amount, non-breaking spaces). English:
    $1,234.50. Separators come from Django's formats for the language.
    """
    value = Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)
    language = language or translation.get_language() or "fr"
    with translation.override(language):
        digits = formats.number_format(
            abs(value), decimal_pos=2, use_l10n=True, force_grouping=True
        )
    sign = "-" if value < 0 else ""
    if language.split("-")[0] == "fr":
        return f"{sign}{digits}\u00a0$"
    return f"{sign}${digits}"


@register.filter
def money(amount: Decimal | int | str | None) -> str:
    if amount is None or amount == "":
        return ""
    return money_format(amount)
