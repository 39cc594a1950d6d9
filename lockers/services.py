"""Every write to lockers goes through a function here."""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction

from core.writes import changed_fields_save
from identity.audit import audit_record
from identity.validators import postal_code_normalize
from lockers.models import SIZE_CLASS_LABEL_LETTER, Compartment, HostKind, Site, SizeClass

# The fields of a site that site_update may change (the slug is its natural key).
SITE_FIELDS = frozenset(
    {
        "name",
        "host_kind",
        "host_name",
        "street_address",
        "locality",
        "postal_code",
        "latitude",
        "longitude",
        "access_hours",
        "opening_hours",
        "is_active",
    }
)


def _as_list(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _site_fields_normalize(fields: dict[str, Any]) -> dict[str, Any]:
    """Bring values to the form the database gives back, so that equal means unchanged."""
    if "postal_code" in fields:
        fields["postal_code"] = postal_code_normalize(fields["postal_code"])
    for name in ("latitude", "longitude"):
        if name in fields and not isinstance(fields[name], Decimal):
            fields[name] = Decimal(str(fields[name]))
    if "opening_hours" in fields and isinstance(fields["opening_hours"], Mapping):
        fields["opening_hours"] = {
            day: [_as_list(interval) for interval in intervals]
            if isinstance(intervals, list | tuple)
            else intervals
            for day, intervals in fields["opening_hours"].items()
        }
    return fields


@transaction.atomic
def site_create(
    *,
    slug: str,
    name: str,
    host_kind: HostKind | str,
    host_name: str,
    street_address: str,
    locality: str,
    postal_code: str,
    latitude: Decimal,
    longitude: Decimal,
    access_hours: str,
    opening_hours: Mapping[str, Any] | None = None,
    is_active: bool = True,
    acting_user: Any,
) -> Site:
    """Create a locker site after validating every field, opening hours included.

    Recorded in the audit trail with `acting_user` (None: the system, loading sites).
    """
    fields = _site_fields_normalize(
        {
            "name": name,
            "host_kind": host_kind,
            "host_name": host_name,
            "street_address": street_address,
            "locality": locality,
            "postal_code": postal_code,
            "latitude": latitude,
            "longitude": longitude,
            "access_hours": access_hours,
            "opening_hours": opening_hours or {},
            "is_active": is_active,
        }
    )
    site = Site(slug=slug, **fields)
    site.full_clean()
    site.save()
    audit_record(acting_user=acting_user, action="site.create", target=site)
    return site


@transaction.atomic
def site_update(*, site: Site, acting_user: Any, **fields: Any) -> Site:
    """Change the given fields of `site`; nothing is written when every value is the same,
    an audit event naming the changed fields otherwise (opening or closing a site is
    its own action)."""
    values = _site_fields_normalize(dict(fields))
    changed = sorted(name for name, value in values.items() if getattr(site, name) != value)
    if changed_fields_save(site, values, SITE_FIELDS):
        if changed == ["is_active"]:
            action = "site.activate" if site.is_active else "site.deactivate"
        else:
            action = "site.update"
        audit_record(
            acting_user=acting_user, action=action, target=site, detail={"fields": changed}
        )
    return site


@transaction.atomic
def site_upsert(*, slug: str, **fields: Any) -> tuple[Site, bool]:
    """Create the site with this slug or bring it to these values; True when created."""
    site = Site.objects.filter(slug=slug).first()
    if site is None:
        return site_create(slug=slug, acting_user=None, **fields), True
    return site_update(site=site, acting_user=None, **fields), False


@transaction.atomic
def compartments_ensure(*, site: Site, counts: Mapping[str, int]) -> list[Compartment]:
    """Give `site` at least `counts[size]` compartments of each size; return those added.

    New compartments are available and labelled with their size's letter (A small,
    B medium, C large) and the next free number: A01, A02… Existing compartments are
    never changed or removed, since they may hold parcels.
    """
    wanted = {SizeClass(size): count for size, count in counts.items()}
    if any(count < 0 for count in wanted.values()):
        raise ValueError("compartment counts cannot be negative")
    existing = list(site.compartments.values_list("label", "size_class"))
    labels = {label for label, _size in existing}
    have = {size: sum(1 for _label, s in existing if s == size) for size in SizeClass}
    added: list[Compartment] = []
    for size, count in wanted.items():
        letter = SIZE_CLASS_LABEL_LETTER[size]
        number = 0
        for _missing in range(count - have[size]):
            number += 1
            while f"{letter}{number:02d}" in labels:
                number += 1
            label = f"{letter}{number:02d}"
            labels.add(label)
            compartment = Compartment(site=site, label=label, size_class=size)
            compartment.full_clean()
            compartment.save()
            added.append(compartment)
    return added
