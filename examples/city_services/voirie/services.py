"""Every write of the reporting service."""

from decimal import Decimal

from django.db import transaction

from voirie.citizens import Citizen, access_category
from voirie.errors import ReportNotAllowedError
from voirie.models import Report


@transaction.atomic
def report_file(
    *,
    citizen: Citizen,
    category: str,
    address: str,
    description: str,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Report:
    """File a report under the citizen's Uniqc identifier; claims need an adult."""
    if not access_category(citizen, category):
        raise ReportNotAllowedError(category)
    report = Report(
        citizen_sub=citizen.sub,
        category=category,
        address=address,
        latitude=latitude,
        longitude=longitude,
        description=description,
    )
    report.full_clean()
    report.save()
    return report
