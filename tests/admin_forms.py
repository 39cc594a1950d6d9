"""Posting Django admin forms from tests."""

from typing import Any


def admin_post_data(admin_client: Any, url: str, fields: dict) -> dict:
    """The form fields given, with every inline form posted back as the page shows it."""
    page = admin_client.get(url)
    data = dict(fields)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{management.prefix}-{name}"] = management[name].value() or 0
        for form in formset.forms:
            for name in form.fields:
                value = form[name].value()
                if value is not None and value is not False:
                    data[form.add_prefix(name)] = "on" if value is True else value
    return data
