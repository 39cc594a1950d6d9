"""`manage.py seed_demo`: load each app's demo data (its `demo.py`), in layer order.

Identity's people come first, then the lockers' sites, then the marketplace's stores
(whose staff are identity's people); coop_governance has no demo data yet. Idempotent:
every row is found by its natural key and written only when it differs, so a second run
changes nothing. Loading never undoes what happened since: demo people keep their
password, variants their stock, listings and stores the decisions taken on them,
compartments their state.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from civic import payable_demo
from civic.demo_tenders import tenders_demo_load
from coop_governance import demo as governance_demo
from core.demo import DemoSummary
from identity import demo as identity_demo
from identity.signing.demo import signing_demo_load
from identity.vault.demo import vault_demo_load
from lockers import demo as lockers_demo
from marketplace import demo as marketplace_demo
from marketplace.demo_store_api import store_api_demo_sign_in

# The summary's lines, in the order `make run` has always printed them.
SUMMARY_KINDS = [
    "locker sites",
    "compartments",
    "categories",
    "stores",
    "listings",
    "variants",
    "people",
    "members",
]


@transaction.atomic
def demo_seed() -> DemoSummary:
    """Load every app's demo data, lowest layer first, in one transaction."""
    summary = DemoSummary()
    people = identity_demo.demo_load(summary=summary)
    lockers_demo.demo_load(summary=summary)
    stores = marketplace_demo.demo_load(summary=summary, people=people)
    governance_demo.demo_load(summary=summary, people=people, stores=stores)
    vault_demo_load(summary=summary, people=people)
    signing_demo_load(summary=summary, people=people)
    payable_demo.demo_load(summary=summary, people=people)
    tenders_demo_load(summary=summary, people=people)
    return summary


CONSOLE_MAIL = "django.core.mail.backends.console.EmailBackend"
FILE_MAIL = "django.core.mail.backends.filebased.EmailBackend"


@contextmanager
def demo_mail_to_files() -> Iterator[Path | None]:
    """While the demo loads, the mail its journeys send (dozens of order and locker
    messages to the demo people) goes to files under var/demo-mail/ rather than to the
    console, where it would bury what `make run` prints. The directory is given; None
    when mail was not going to the console (a real server, the tests' outbox), left as
    it is. A Celery worker, when there is one, sends with its own settings."""
    if settings.EMAIL_BACKEND != CONSOLE_MAIL:
        yield None
        return
    directory = Path(settings.BASE_DIR) / "var" / "demo-mail"
    saved = settings.EMAIL_BACKEND, getattr(settings, "EMAIL_FILE_PATH", None)
    settings.EMAIL_BACKEND, settings.EMAIL_FILE_PATH = FILE_MAIL, str(directory)
    try:
        yield directory
    finally:
        settings.EMAIL_BACKEND, settings.EMAIL_FILE_PATH = saved


class Command(BaseCommand):
    help = "Load demo stores, listings, locker sites and one person per role (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quiet", action="store_true", help="Print nothing unless something fails."
        )

    def handle(self, *args: Any, quiet: bool = False, **options: Any) -> None:
        with demo_mail_to_files() as mail_directory:
            summary = demo_seed()
        if quiet:
            return
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        for kind in SUMMARY_KINDS:
            self.stdout.write(
                f"  {kind:<13} {summary.created[kind]:>4} created, "
                f"{summary.existing[kind]:>4} already there"
            )
        self.stdout.write("")
        self.stdout.write(f"Demo sign-ins (password: {identity_demo.DEMO_PASSWORD}):")
        for person in identity_demo.DEMO_PEOPLE:
            note = ", superuser" if person.get("superuser") else ""
            self.stdout.write(f"  {person['email']:<28} {person['role']}{note}")
        self.stdout.write(
            "Existing demo people keep the password they have; it is set only on creation."
        )
        for line in lockers_demo.kiosk_demo_sign_in():
            self.stdout.write(line)
        for line in store_api_demo_sign_in():
            self.stdout.write(line)
        if mail_directory is not None and mail_directory.is_dir():
            self.stdout.write(f"Mail the demo sent while loading: {mail_directory}/")
