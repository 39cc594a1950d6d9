"""Celery tasks of the lockers: they take ids, load rows, and call a service."""

from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.core.mail import mail_admins, send_mail
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from identity.tasks import MAIL_RETRY
from lockers.models import Site


@shared_task
def reservations_lapse() -> int:
    """Every minute: holds past their expiry give their room back."""
    from lockers.services import reservations_lapse_expired

    return reservations_lapse_expired()


@shared_task
def parcels_expiry() -> dict[str, int]:
    """Every few minutes: pickup reminders at LOCKERS_REMINDER_HOURS, expiry at the
    deadline (LOCKERS_HOLD_HOURS, or more once extended)."""
    from lockers.services import parcels_expiry_run

    run = parcels_expiry_run()
    return {"reminded": run.reminded, "expired": run.expired}


@shared_task(**MAIL_RETRY)
def kiosk_lockout_alert(site_id: int, until: str) -> None:
    """Tell support that a kiosk locked itself after too many wrong codes (someone may be
    guessing codes there): to LOCKERS_SUPPORT_EMAIL, or to the ADMINS when it is unset."""
    site = Site.objects.filter(pk=site_id).first()
    if site is None:
        return
    local = timezone.localtime(datetime.fromisoformat(until))
    subject = _("Kiosk locked at %(site)s") % {"site": site.name}
    body = _(
        "The kiosk at %(site)s (%(address)s) refused %(count)s wrong pickup codes in a row "
        "and is locked until %(time)s. Someone may be guessing codes there."
    ) % {
        "site": site.name,
        "address": f"{site.street_address}, {site.locality}",
        "count": settings.LOCKERS_KIOSK_MAX_WRONG_CODES,
        "time": formats.date_format(local, "DATETIME_FORMAT"),
    }
    if settings.LOCKERS_SUPPORT_EMAIL:
        send_mail(subject, body, None, [settings.LOCKERS_SUPPORT_EMAIL])
    else:
        mail_admins(subject, body)


@shared_task(**MAIL_RETRY)
def kiosk_opening_failed_alert(site_id: int, compartment_label: str, reason: str) -> None:
    """Tell support that a shopper with a right code at a kiosk could not get their parcel:
    the site's controller was offline, or the compartment did not open."""
    site = Site.objects.filter(pk=site_id).first()
    if site is None:
        return
    subject = _("A kiosk could not open a compartment at %(site)s") % {"site": site.name}
    body = _(
        "A shopper typed a right pickup code at the kiosk of %(site)s (%(address)s), but "
        "compartment %(compartment)s could not be opened (%(reason)s). They may call or "
        "come back."
    ) % {
        "site": site.name,
        "address": f"{site.street_address}, {site.locality}",
        "compartment": compartment_label or "?",
        "reason": reason,
    }
    if settings.LOCKERS_SUPPORT_EMAIL:
        send_mail(subject, body, None, [settings.LOCKERS_SUPPORT_EMAIL])
    else:
        mail_admins(subject, body)
