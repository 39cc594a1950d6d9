"""`{% load ui %}`: the design system's tags (docs/design-system.md).

- `{% breadcrumbs "label" url "label" url … "current page" %}`: a breadcrumb trail.
- `field|field_display`, `field|field_proven`: what components/field.html shows of a
  disabled (read-only) field.
"""

from datetime import date, datetime
from typing import Any

from django import template
from django.forms import BoundField
from django.template.loader import render_to_string
from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def breadcrumbs(context: template.Context, *parts: Any) -> SafeString:
    """Label and URL pairs, then the current page's label (not a link).

    A pair whose URL is empty shows as text: a page may name a level it cannot link to.
    """
    if not parts:
        raise template.TemplateSyntaxError("breadcrumbs needs at least the current page")
    *pairs, current = parts
    if len(pairs) % 2:
        raise template.TemplateSyntaxError("breadcrumbs takes label and URL pairs, then a label")
    crumbs = [
        {"label": label, "url": url} for label, url in zip(pairs[::2], pairs[1::2], strict=True)
    ]
    crumbs.append({"label": current, "url": None})
    return render_to_string(
        "components/breadcrumbs.html", {"crumbs": crumbs}, request=context.get("request")
    )


def _choice_label(field: BoundField, value: Any) -> Any:
    for choice_value, choice_label in field.field.choices:
        if isinstance(choice_label, list | tuple):  # an optgroup
            for inner_value, inner_label in choice_label:
                if str(inner_value) == str(value):
                    return inner_label
        elif str(choice_value) == str(value):
            return choice_label
    return value


@register.filter
def field_display(field: BoundField) -> Any:
    """The value of a read-only field as a person reads it: a choice's label, a date in
    the current language's format, yes or no; "" when there is none."""
    value = field.value()
    if value in (None, "", [], ()):
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if hasattr(field.field, "choices"):
        if isinstance(value, list | tuple):
            return ", ".join(str(_choice_label(field, item)) for item in value)
        return _choice_label(field, value)
    if isinstance(value, datetime):
        return formats.date_format(value, "DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "DATE_FORMAT")
    return value


@register.filter
def field_proven(field: BoundField) -> bool:
    """Whether the field's widget says a registrar proved its value (attrs data-proven)."""
    proven = field.field.widget.attrs.get("data-proven")
    return proven not in (None, False, "", "false", "0")
