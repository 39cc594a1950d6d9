"""Permissions the marketplace derives from its own records rather than from roles."""

from typing import Any

from django.contrib.auth.backends import BaseBackend

from marketplace.models import StoreStaff

# Given to whoever has a StoreStaff row, and only to them: working at a store is
# recorded once, by the marketplace, never as a role or a permission granted by hand.
WORK_IN_STORE = "marketplace.work_in_store"


class StoreStaffBackend(BaseBackend):
    """Grants marketplace.work_in_store to an active person who works at a store.

    It authenticates no one (ModelBackend and the card and passkey sign-ins do); it only
    answers has_perm, with one query per request, cached on the user object.
    """

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_marketplace_perm_cache"):
            works = StoreStaff.objects.filter(user=user_obj).exists()
            user_obj._marketplace_perm_cache = {WORK_IN_STORE} if works else set()
        return user_obj._marketplace_perm_cache
