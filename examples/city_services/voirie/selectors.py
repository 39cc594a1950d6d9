from django.db.models import QuerySet

from voirie.citizens import Citizen
from voirie.models import Permit, Report, Ticket


def reports_of(citizen: Citizen) -> QuerySet[Report]:
    """A citizen sees the reports they filed, and no one else's."""
    return Report.objects.filter(citizen_sub=citizen.sub)


def tickets_of(citizen: Citizen | None) -> QuerySet[Ticket]:
    """The citizen's own tickets, newest first."""
    if citizen is None:
        return Ticket.objects.none()
    return Ticket.objects.filter(citizen_sub=citizen.sub)


def permits_of(citizen: Citizen | None) -> QuerySet[Permit]:
    """The citizen's own permit applications, newest first."""
    if citizen is None:
        return Permit.objects.none()
    return Permit.objects.filter(citizen_sub=citizen.sub)
