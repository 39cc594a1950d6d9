"""Changing the by-laws: a special resolution put to an assembly carries the new terms
(BylawsChange); when it is adopted they become the next version of the by-laws, in force
from the adoption. Every assembly and motion keeps the version it was called or put under
(their `bylaws`), so an assembly that adopts a change still finishes under its own rules."""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from coop_governance.assemblies import agenda_item_add
from coop_governance.errors import MotionStateRefused
from coop_governance.models import (
    AgendaItem,
    Assembly,
    BoardSeats,
    Bylaws,
    BylawsChange,
    Majority,
    Motion,
)
from coop_governance.selectors import bylaws_in_force
from identity.audit import audit_record


@transaction.atomic
def bylaws_change_propose(
    *, assembly: Assembly, title: str, body: str, terms: dict[str, Any], acting_user: Any
) -> AgendaItem:
    """Put a change of the by-laws on an assembly's agenda: a special resolution carrying
    `terms` (BylawsChange.TERMS; the ones left out stay as the assembly's by-laws have
    them). Refused as the agenda is (assemblies.agenda_item_add)."""
    unknown = set(terms) - set(BylawsChange.TERMS)
    if unknown:
        raise TypeError(f"not a term of the by-laws: {', '.join(sorted(unknown))}")
    item = agenda_item_add(
        assembly=assembly,
        title=title,
        body=body,
        resolution=Majority.SPECIAL,
        acting_user=acting_user,
    )
    current = item.assembly.bylaws
    values = {name: getattr(current, name) for name in BylawsChange.TERMS}
    values.update(terms)
    if values["quorum_rule"] == "count":
        values["quorum_percent"] = None
    else:
        values["quorum_count"] = None
    change = BylawsChange(motion=item.motion, created_by=acting_user, **values)
    change.full_clean()
    change.save()
    return item


@transaction.atomic
def bylaws_change_adopt(*, motion: Motion, acting_user: Any) -> Bylaws:
    """The adopted change becomes the next version, in force from the motion's closing;
    the board's seats carry over from the version in force then. A repeat returns the
    version already made."""
    motion = Motion.objects.select_related("bylaws_change").get(pk=motion.pk)
    existing = Bylaws.objects.filter(adopted_by=motion).first()
    if existing is not None:
        return existing
    if not motion.adopted or motion.majority != Majority.SPECIAL:
        raise MotionStateRefused()
    change = motion.bylaws_change
    previous = bylaws_in_force(motion.closed_at)
    version = (Bylaws.objects.aggregate(top=Max("version"))["top"] or 0) + 1
    bylaws = Bylaws(
        version=version,
        in_force_from=motion.closed_at,
        adopted_by=motion,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        **{name: getattr(change, name) for name in BylawsChange.TERMS},
    )
    bylaws.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            bylaws.save()
    except IntegrityError as error:  # the same motion adopted twice at once
        raise MotionStateRefused() from error
    BoardSeats.objects.bulk_create(
        BoardSeats(bylaws=bylaws, category=seat.category, seats=seat.seats)
        for seat in previous.board_seats.all()
    )
    audit_record(
        acting_user=acting_user,
        action="bylaws_adopt",
        target=bylaws,
        detail={"version": version, "motion": motion.pk, "previous": previous.version},
    )
    return bylaws
