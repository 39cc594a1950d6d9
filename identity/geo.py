"""Coordinates as every app stores them: WGS 84 degrees, six decimals (about 10 cm)."""

from django.db import models


def coordinate_constraints(prefix: str, *, nullable: bool = False) -> list[models.CheckConstraint]:
    """Database checks keeping `latitude` within ±90 and `longitude` within ±180 degrees.

    `prefix` names the constraints (`<prefix>_latitude_range`); with `nullable`, a row may
    leave both unknown.
    """
    checks = []
    for field, bound in (("latitude", 90), ("longitude", 180)):
        condition = models.Q(**{f"{field}__gte": -bound, f"{field}__lte": bound})
        if nullable:
            condition = models.Q(**{f"{field}__isnull": True}) | condition
        checks.append(models.CheckConstraint(condition=condition, name=f"{prefix}_{field}_range"))
    return checks
