"""Admin pieces shared by the apps."""

from typing import Any

from django.contrib.admin.options import IncorrectLookupParameters
from django.db import models
from django.http import HttpRequest

from core.forms import BoundedJSONField


class SlugSetOnceAdminMixin:
    """A slug is an address others keep (links, a locker controller's topics): it is
    typed, prefilled from the name, when the object is added, and only shown after."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "slug"] if obj is not None else fields

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> dict:
        return {} if obj is not None else super().get_prepopulated_fields(request, obj)


class ReadOnlyAdminMixin:
    """Nothing is added, changed or deleted by hand: only the services write these rows
    (the page shows them; an inline shows them inside its parent's page)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Every admin page's JSON fields read through json_parse (core.forms.BoundedJSONField).
JSON_FORMFIELD_OVERRIDES: dict[Any, dict[str, Any]] = {
    models.JSONField: {"form_class": BoundedJSONField}
}


class BoundedJsonAdminMixin:
    """An admin page whose JSON fields refuse nested or oversized JSON as a form error.

    A ModelAdmin that sets its own `formfield_overrides` merges JSON_FORMFIELD_OVERRIDES
    into them instead."""

    formfield_overrides = JSON_FORMFIELD_OVERRIDES


class DateHierarchyAdminMixin:
    """A list with a date hierarchy answers a year past datetime's range (`?created_at__year=
    99999999999`) as Django answers any bad lookup (back to the list, `?e=1`): Django
    catches the ValueError of a bad date but not the OverflowError of a huge one, a 500."""

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        try:
            return super().get_changelist_instance(request)
        except OverflowError as exc:
            raise IncorrectLookupParameters(exc) from exc
