"""Form fields shared by the apps."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput, JSONString
from django.utils.translation import gettext_lazy as _

from core.jsonin import JsonInputError, json_parse

# Larger than any list of redirect URIs or week of opening hours typed into a form.
FORM_JSON_MAX_BYTES = 64_000


class BoundedJSONField(forms.JSONField):
    """Django's JSON form field, read through `json_parse`: JSON nested too deep (which
    makes `json.loads` raise RecursionError, a 500), too large, or with NaN is a form
    error, never an exception."""

    default_error_messages = {
        "invalid": _("Enter a valid JSON."),
        "json_too_large": _("This JSON is too long."),
        "json_too_deep": _("This JSON is nested too deeply."),
    }

    def __init__(self, *, max_bytes: int = FORM_JSON_MAX_BYTES, **kwargs: Any) -> None:
        self.max_bytes = max_bytes
        super().__init__(**kwargs)

    def _parse(self, value: str) -> Any:
        return json_parse(value, max_bytes=self.max_bytes, object_only=False)

    def to_python(self, value: Any) -> Any:
        if self.disabled:
            return value
        if value in self.empty_values:
            return None
        if isinstance(value, (list, dict, int, float, JSONString)):
            return value
        try:
            converted = self._parse(value)
        except JsonInputError as exc:
            code = exc.code if exc.code in self.error_messages else "invalid"
            raise ValidationError(self.error_messages[code], code=code) from None
        return JSONString(converted) if isinstance(converted, str) else converted

    def bound_data(self, data: Any, initial: Any) -> Any:
        """The posted value as the page shows it back (the text itself when refused)."""
        if self.disabled:
            return initial
        if data is None:
            return None
        try:
            return self._parse(data)
        except JsonInputError:
            return InvalidJSONInput(data)
