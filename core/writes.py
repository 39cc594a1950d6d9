"""Write helpers shared by the apps' services."""

from typing import Any

from django.db import models


def changed_fields_save(
    instance: models.Model, values: dict[str, Any], allowed: frozenset[str]
) -> bool:
    """Set the values that differ, validate and save only those; True when one changed.

    `values` are in the form the database gives back, so that equal means unchanged; a
    name outside `allowed` is a programming error (TypeError), not a user's.
    """
    unknown = set(values) - allowed
    if unknown:
        raise TypeError(f"{type(instance).__name__}: cannot change {', '.join(sorted(unknown))}")
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if not changed:
        return False
    for name in changed:
        setattr(instance, name, values[name])
    instance.full_clean()
    instance.save(update_fields=[instance._meta.get_field(name).attname for name in changed])
    return True
