from django.db.models import QuerySet

from voirie.citizens import Citizen
from voirie.models import Report


def reports_of(citizen: Citizen) -> QuerySet[Report]:
    """A citizen sees the reports they filed, and no one else's."""
    return Report.objects.filter(citizen_sub=citizen.sub)
