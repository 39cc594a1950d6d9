"""`manage.py kiosk_device SITE --create NAME | --revoke ID`: make a site's kiosk device
(its secret printed once) or revoke one; without an option, list the site's devices."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lockers.kiosk_devices import kiosk_device_create, kiosk_device_revoke
from lockers.models import KioskDevice, Site


class Command(BaseCommand):
    help = "List, create or revoke a locker site's kiosk devices."

    def add_arguments(self, parser) -> None:
        parser.add_argument("site", help="the site's slug")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--create", metavar="NAME", help="make a device; prints its secret")
        action.add_argument("--revoke", metavar="ID", type=int, help="revoke this device")

    def handle(self, *args: Any, **options: Any) -> None:
        site = Site.objects.filter(slug=options["site"]).first()
        if site is None:
            raise CommandError(f"No site {options['site']}.")
        if options["create"]:
            device, secret = kiosk_device_create(
                site=site, name=options["create"], acting_user=None
            )
            self.stdout.write(f"created device {device.pk}; its secret (shown only now):")
            self.stdout.write(secret)
            return
        if options["revoke"] is not None:
            device = KioskDevice.objects.filter(site=site, pk=options["revoke"]).first()
            if device is None:
                raise CommandError(f"{site.slug} has no kiosk device {options['revoke']}.")
            kiosk_device_revoke(device=device, acting_user=None)
        for device in KioskDevice.objects.filter(site=site).order_by("id"):
            state = f"revoked {device.revoked_at:%Y-%m-%d %H:%M}" if device.revoked_at else "live"
            seen = f"{device.last_seen_at:%Y-%m-%d %H:%M}" if device.last_seen_at else "never"
            self.stdout.write(f"{device.pk}\t{device.name}\t{state}\tlast seen {seen}")
