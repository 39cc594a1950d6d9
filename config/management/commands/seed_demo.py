"""`manage.py seed_demo`: load the demo content of config/demo_data.py.

Idempotent: every row is found by its natural key and written only when it differs,
so a second run changes nothing. Loading never undoes what happened since: demo
people keep their password, variants their stock, stores the coop's decision,
compartments their state.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.text import slugify

from config import demo_data
from identity.models import User
from identity.roles import user_roles
from identity.services import user_create, user_roles_set
from lockers.services import compartments_ensure, site_upsert
from marketplace.models import StoreStatus
from marketplace.services import listing_upsert, store_staff_set, store_upsert, variant_upsert


@dataclass
class SeedSummary:
    """What a run created and what it found already there, by kind of row."""

    created: Counter[str] = field(default_factory=Counter)
    existing: Counter[str] = field(default_factory=Counter)

    def count(self, kind: str, created: bool) -> None:
        (self.created if created else self.existing)[kind] += 1


def listing_slug(title: str) -> str:
    return slugify(title)[:120]


def variant_sku(store_code: str, listing_title: str, variant_code: str) -> str:
    return f"{store_code}-{listing_slug(listing_title)}-{variant_code}".upper()[:64]


def _person_ensure(person: dict[str, Any], summary: SeedSummary) -> User:
    """The demo person with this email, created with the demo password if missing.

    An existing person keeps their password and attributes; they get the demo role
    if they lost it, and keep any other role an administrator gave them.
    """
    user = User.objects.filter(email=person["email"]).first()
    if user is None:
        user = user_create(
            email=person["email"],
            password=demo_data.DEMO_PASSWORD,
            given_name=person["given_name"],
            family_name=person["family_name"],
            email_verified=True,
            roles=[person["role"]],
            locality=person["locality"],
            birth_date=person["birth_date"],
            is_superuser=person.get("superuser", False),
        )
        summary.count("people", created=True)
        return user
    roles = user_roles(user)
    if person["role"] not in roles:
        user_roles_set(user=user, roles=roles | {person["role"]})
    summary.count("people", created=False)
    return user


@transaction.atomic
def demo_seed() -> SeedSummary:
    """Load every locker site, store, listing, variant and demo person, in one transaction."""
    summary = SeedSummary()

    for site_data in demo_data.SITES:
        site, created = site_upsert(**site_data)
        summary.count("locker sites", created)
        added = compartments_ensure(site=site, counts=demo_data.COMPARTMENTS_PER_SITE)
        summary.created["compartments"] += len(added)
        summary.existing["compartments"] += site.compartments.count() - len(added)

    stores = {}
    for store_data in demo_data.STORES:
        fields = {
            key: value
            for key, value in store_data.items()
            if key not in {"code", "listings", "status"}
        }
        store, created = store_upsert(
            initial_status=store_data.get("status", StoreStatus.APPROVED), **fields
        )
        summary.count("stores", created)
        stores[store.slug] = store
        for title, size_class, description, variants in store_data["listings"]:
            listing, created = listing_upsert(
                store=store,
                slug=listing_slug(title),
                title=title,
                size_class=size_class,
                description=description,
            )
            summary.count("listings", created)
            for code, name, price, stock in variants:
                _variant, created = variant_upsert(
                    listing=listing,
                    sku=variant_sku(store_data["code"], title, code),
                    name=name,
                    price=price,
                    initial_stock=stock,
                )
                summary.count("variants", created)

    people = {person["email"]: _person_ensure(person, summary) for person in demo_data.DEMO_PEOPLE}
    for email, store_slug, role in demo_data.DEMO_STAFF:
        store_staff_set(store=stores[store_slug], user=people[email], role=role, acting_user=None)
    return summary


class Command(BaseCommand):
    help = "Load demo stores, listings, locker sites and one person per role (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--quiet", action="store_true", help="Print nothing unless something fails."
        )

    def handle(self, *args: Any, quiet: bool = False, **options: Any) -> None:
        summary = demo_seed()
        if quiet:
            return
        kinds = ["locker sites", "compartments", "stores", "listings", "variants", "people"]
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        for kind in kinds:
            self.stdout.write(
                f"  {kind:<13} {summary.created[kind]:>4} created, "
                f"{summary.existing[kind]:>4} already there"
            )
        self.stdout.write("")
        self.stdout.write(f"Demo sign-ins (password: {demo_data.DEMO_PASSWORD}):")
        for person in demo_data.DEMO_PEOPLE:
            note = ", superuser" if person.get("superuser") else ""
            self.stdout.write(f"  {person['email']:<28} {person['role']}{note}")
        self.stdout.write(
            "Existing demo people keep the password they have; it is set only on creation."
        )
