"""`manage.py seed_demo`: every app's demo data in layer order, idempotent, and what it
prints. What each app's data holds is tested beside the app (<app>/tests/test_demo.py)."""

import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from coop_governance.models import BoardMandate, Bylaws, Member
from core.tests.queries import no_writes
from identity.demo import DEMO_PASSWORD, DEMO_PEOPLE
from identity.models import User
from identity.roles import Role, user_roles
from identity.services import user_roles_set
from lockers.models import Compartment, CompartmentState, Site
from marketplace.models import Category, Listing, Store, StoreStaff, StoreStatus, Variant
from marketplace.services import store_suspend

pytestmark = pytest.mark.django_db

SNAPSHOT_MODELS = [
    Site,
    Compartment,
    Category,
    Store,
    StoreStaff,
    Listing,
    Variant,
    User,
    Group,
    Bylaws,
    Member,
    BoardMandate,
]

# What `make run` prints on a fresh database (the summary and the sign-ins).
FIRST_RUN = """\
Demo data loaded.
  locker sites     8 created,    0 already there
  compartments    96 created,    0 already there
  categories      13 created,    0 already there
  stores          14 created,    0 already there
  listings        76 created,    0 already there
  variants       104 created,    0 already there
  people          17 created,    0 already there
  members         14 created,    0 already there

Demo sign-ins (password: uniqc-demo-2026):
  shopper@demo.uniqc.coop      shopper
  store@demo.uniqc.coop        shopper
  retailer@demo.uniqc.coop     shopper
  courier@demo.uniqc.coop      courier
  registrar@demo.uniqc.coop    registrar
  admin@demo.uniqc.coop        coop_admin, superuser
Existing demo people keep the password they have; it is set only on creation.
"""


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, no_color=True)
    return out.getvalue()


def snapshot() -> dict[str, list[dict]]:
    """Every row's every value of the models the seed writes, and people's roles."""
    rows = {
        model.__name__: list(model.objects.order_by("pk").values()) for model in SNAPSHOT_MODELS
    }
    rows["memberships"] = list(
        User.groups.through.objects.order_by("pk").values("user_id", "group_id")
    )
    return rows


def test_a_second_run_changes_nothing():
    seed("--quiet")
    before = snapshot()
    with no_writes():
        seed("--quiet")
    assert snapshot() == before


# The demo kiosk with a new pickup code for its parcel, then the point-of-sale API's key.
KIOSK_LINES = re.compile(
    r"Demo kiosk \(metro-berri-uqam\): open /casiers/kiosque/activer/ and type uqk_\S+\n"
    r"  pickup code of the demo parcel waiting there: \d{6}\n"
    r"Demo point-of-sale API key \(boulangerie-du-faubourg, read and write\): uqs_\S+\n"
    r'  curl -H "Authorization: Bearer uqs_\S+" http\S+/api/v1/store/listings/\n'
)


def test_the_command_prints_the_summary_and_the_sign_ins():
    first = seed()
    # Then the demo kiosk, a new pickup code for its parcel (codes are stored hashed) and the
    # demo store API key.
    assert first.startswith(FIRST_RUN)
    assert KIOSK_LINES.fullmatch(first[len(FIRST_RUN) :])
    again = seed()
    assert "  stores           0 created,   14 already there\n" in again
    assert KIOSK_LINES.sub("", again.split("\n\n")[1]) == FIRST_RUN.split("\n\n")[1]


def test_quiet_prints_nothing():
    assert seed("--quiet") == ""


def test_the_layers_load_together_each_demo_person_signs_in(client):
    seed("--quiet")
    assert {person["role"] for person in DEMO_PEOPLE} == set(Role.values)
    for person in DEMO_PEOPLE:
        assert client.login(username=person["email"], password=DEMO_PASSWORD)
    owner = StoreStaff.objects.get(user__email="store@demo.uniqc.coop")
    assert owner.store.slug == "boulangerie-du-faubourg"


def test_a_rerun_keeps_what_happened_since(client):
    seed("--quiet")
    shopper = User.objects.get(email="shopper@demo.uniqc.coop")
    shopper.set_password("a-new-password-of-mine")
    shopper.save()
    user_roles_set(user=shopper, roles=[Role.SHOPPER, Role.COURIER])
    variant = Variant.objects.order_by("pk").first()
    Variant.objects.filter(pk=variant.pk).update(stock=variant.stock + 7)
    store = Store.objects.get(slug="le-de-verdunois")
    store_suspend(store=store, reason="Plaintes répétées.", acting_user=None)
    Compartment.objects.filter(label="A01").update(state=CompartmentState.OCCUPIED)

    seed("--quiet")

    assert client.login(username=shopper.email, password="a-new-password-of-mine")
    assert user_roles(shopper) == {Role.SHOPPER, Role.COURIER}
    assert Variant.objects.get(pk=variant.pk).stock == variant.stock + 7
    assert Store.objects.get(pk=store.pk).status == StoreStatus.SUSPENDED
    assert Compartment.objects.filter(label="A01", state=CompartmentState.OCCUPIED).count() == 8


def test_the_pages_render_the_demo_in_french(client):
    seed("--quiet")
    pending = Store.objects.get(status=StoreStatus.PENDING)
    for path in ["/boutiques/", "/boutiques/boulangerie-du-faubourg/", "/casiers/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert '<html lang="fr-CA"' in response.content.decode()
    assert pending.name not in client.get("/boutiques/").content.decode()
    assert client.get(f"/boutiques/{pending.slug}/").status_code == 404

    client.login(username="store@demo.uniqc.coop", password=DEMO_PASSWORD)
    html = client.get(reverse("marketplace:my_stores")).content.decode()
    assert "Boulangerie du Faubourg" in html
    client.login(username="courier@demo.uniqc.coop", password=DEMO_PASSWORD)
    html = client.get(reverse("lockers:courier_sites")).content.decode()
    assert "Berri-UQAM" in html
    assert "Sainte-Foy" in html
    client.login(username="shopper@demo.uniqc.coop", password=DEMO_PASSWORD)
    assert client.get(reverse("lockers:courier_sites")).status_code == 403
    assert client.get(reverse("marketplace:my_stores")).status_code == 403


def test_the_demo_s_mail_goes_to_files_not_over_what_make_run_prints(settings, tmp_path):
    """Under `make run` mail goes to the console: while the demo loads, its dozens of
    messages go to var/demo-mail/ instead, and the console backend is back afterwards."""
    from django.core import mail

    from config.management.commands.seed_demo import CONSOLE_MAIL, demo_mail_to_files

    settings.EMAIL_BACKEND = CONSOLE_MAIL
    settings.BASE_DIR = tmp_path
    with demo_mail_to_files() as directory:
        mail.send_mail("Bonjour", "Le corps", None, ["shopper@demo.uniqc.coop"])
    assert directory == tmp_path / "var" / "demo-mail"
    (written,) = directory.iterdir()
    assert "Subject: Bonjour" in written.read_text()
    assert settings.EMAIL_BACKEND == CONSOLE_MAIL
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with demo_mail_to_files() as directory:
        mail.send_mail("Bonjour", "Le corps", None, ["shopper@demo.uniqc.coop"])
    assert directory is None and len(mail.outbox) == 1
