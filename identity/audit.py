"""The audit trail: every state change a person makes to someone else's data.

Zulip's RealmAuditLog habit: the service that changes the data writes the event itself,
in the same transaction, with `acting_user`, so that no change is made without its trace
and no trace survives a change that was rolled back. Apps above identity use it too.
"""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models

from identity.models import AuditEvent, User


def audit_record(
    *,
    acting_user: Any,
    action: str,
    target: models.Model,
    subject_user: User | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that `acting_user` (None: the system) did `action` to `target`; call it
    inside the transaction that makes the change."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record runs inside the transaction of the change")
    actor = acting_user if getattr(acting_user, "is_authenticated", False) else None
    if subject_user is None and isinstance(target, User):
        subject_user = target
    event = AuditEvent(
        acting_user=actor,
        action=action,
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        target_id=str(target.pk),
        subject_user=subject_user,
        detail=detail or {},
    )
    event.full_clean()
    event.save()
    return event


def audit_events_for(target: models.Model) -> models.QuerySet[AuditEvent]:
    """The events about one row, newest first."""
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        target_id=str(target.pk),
    ).select_related("acting_user")
