"""Admin pieces shared by the apps."""

from typing import Any

from django.http import HttpRequest


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
