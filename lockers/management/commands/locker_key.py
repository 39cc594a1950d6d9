"""`manage.py locker_key SITE`: provision and rotate a site's controller keys
(docs/locker-protocol.md §7), printing the key to hand to the vendor."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lockers.controllers import (
    controller_key_create,
    controller_key_promote,
    controller_key_retire,
    controller_key_secret,
)
from lockers.models import ControllerKey, Site


class Command(BaseCommand):
    help = "List, create, promote or retire a locker site's controller keys."

    def add_arguments(self, parser) -> None:
        parser.add_argument("site", help="the site's slug")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--create", action="store_true", help="add a key (primary if first)")
        action.add_argument("--promote", metavar="KID", help="make this key sign commands")
        action.add_argument("--retire", metavar="KID", help="stop accepting this key")
        parser.add_argument(
            "--show-secret", action="store_true", help="print each key's secret in hex"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        site = Site.objects.filter(slug=options["site"]).first()
        if site is None:
            raise CommandError(f"No site {options['site']}.")
        try:
            if options["create"]:
                key, secret = controller_key_create(site=site, acting_user=None)
                self.stdout.write(f"created {key.kid}: {secret}")
            elif options["promote"]:
                controller_key_promote(key=self._key(site, options["promote"]), acting_user=None)
            elif options["retire"]:
                controller_key_retire(key=self._key(site, options["retire"]), acting_user=None)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for key in ControllerKey.objects.filter(site=site).order_by("created_at", "id"):
            state = "retired" if key.retired_at else ("primary" if key.is_primary else "accepted")
            secret = f" {controller_key_secret(key).hex()}" if options["show_secret"] else ""
            self.stdout.write(f"{key.kid}\t{state}{secret}")

    def _key(self, site: Site, kid: str) -> ControllerKey:
        key = ControllerKey.objects.filter(site=site, kid=kid).first()
        if key is None:
            raise CommandError(f"{site.slug} has no key {kid}.")
        return key
