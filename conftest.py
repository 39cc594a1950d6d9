"""Fixtures shared by the whole suite: the real services, a Celery worker, a browser.

Two runs use this suite. The embedded run (a newcomer's machine) has no services:
tests marked `services` are skipped there. The service run (CI, UNIQC_REQUIRE_SERVICES=1)
has PostgreSQL, Redis and Mosquitto: there a missing or unreachable service stops the
run with an error instead of skipping anything.
"""

import asyncio
import os

import pytest

# The real PC/SC stack (pcscd, vpcd, the virtual card: no Django) and the test card CA,
# used by card_agent's tests, identity's card tests and the browser tests alike.
pytest_plugins = ["card_agent.tests.pcsc_fixtures", "identity.tests.card_fixtures"]

# Each service a `services` test needs, by the environment variable that names it.
SERVICE_VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "MQTT_URL")


def services_required() -> bool:
    return os.environ.get("UNIQC_REQUIRE_SERVICES") == "1"


def _missing_services() -> list[str]:
    return [name for name in SERVICE_VARIABLES if not os.environ.get(name)]


def pytest_sessionstart(session: pytest.Session) -> None:
    if not services_required():
        return
    missing = _missing_services()
    if missing:
        raise pytest.UsageError(f"UNIQC_REQUIRE_SERVICES=1 but {', '.join(missing)} is not set.")
    import django

    django.setup()
    from config.health import DOWN, broker_probe, mqtt_probe

    # The database is reached when pytest-django creates the test database.
    checks = {"broker": broker_probe(), "mqtt": mqtt_probe()}
    down = [name for name, status in checks.items() if status == DOWN]
    if down:
        raise pytest.UsageError(
            f"UNIQC_REQUIRE_SERVICES=1 but these services are unreachable: {', '.join(down)}"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = _missing_services()
    if not missing or services_required():
        return
    skip = pytest.mark.skip(reason=f"embedded run: {', '.join(missing)} not set")
    for item in items:
        if "services" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Say how many `services` tests ran: the embedded run cannot see the code paths that
    only PostgreSQL, Redis or Mosquitto take (race tests, prepared statements), and a
    reader of the output must see whether this run covered them."""
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for outcome in counts:
        for report in terminalreporter.stats.get(outcome, []):
            if report.when in ("call", "setup") and "services" in report.keywords:
                counts[outcome] += 1
    if not any(counts.values()):
        return
    where = (
        "PostgreSQL, Redis and Mosquitto"
        if services_required() or not _missing_services()
        else "embedded run: skipped, they run in the service run (.ci/run, run 2)"
    )
    terminalreporter.write_line(
        f"services tests ({where}): {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['skipped']} skipped"
    )


def _database_url(settings_dict: dict) -> str:
    """A DATABASE_URL naming the test database this process uses."""
    engine = settings_dict["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{settings_dict['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real `celery worker` process on CELERY_BROKER_URL, using the test database.

    Yields the directory the worker's mail is written to (filebased backend).
    """
    import subprocess
    import sys
    import time

    from django.db import connection

    from config.celery import app

    mail_dir = tmp_path_factory.mktemp("worker-mail")
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=_database_url(connection.settings_dict),
        TEST_EMAIL_FILE_PATH=str(mail_dir),
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--hostname=pytest-worker@%h",
        ],
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=1.0):
            if worker.poll() is not None:
                pytest.fail(f"the Celery worker exited with status {worker.returncode}")
            if time.monotonic() > deadline:
                pytest.fail("the Celery worker did not answer a ping within 60 s")
        yield mail_dir
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


@pytest.fixture(scope="session", autouse=True)
def _transactional_tests_end_on_the_migrated_database(tmp_path_factory):
    """After a transactional test (every browser test: the live server needs its rows
    committed), put the database back as the migrations left it by copying back the rows
    it held then (tests/db_snapshot.py), instead of Django's flush. The flush empties every
    table, then runs post_migrate again to make the content types, permissions and roles:
    about 1 s on PostgreSQL, for each of some 500 tests. Copying back takes a few
    milliseconds, and every test, transactional or not, starts on the same rows."""
    from django.test import TransactionTestCase

    from tests.db_snapshot import DatabaseSnapshot

    baselines: dict[str, DatabaseSnapshot] = {}
    # _fixture_setup is a classmethod: keep the descriptor, call its function on the class.
    setup = TransactionTestCase.__dict__["_fixture_setup"]
    teardown = TransactionTestCase.__dict__["_fixture_teardown"]

    def plain(case) -> bool:
        # Django's own teardown where a test narrows the apps or restores serialized data.
        return case.available_apps is None and not case.serialized_rollback

    def fixture_setup(cls) -> None:
        if plain(cls):
            for alias in cls._databases_names(include_mirrors=False):
                if alias not in baselines:
                    directory = tmp_path_factory.mktemp(f"baseline-{alias}")
                    baselines[alias] = DatabaseSnapshot("baseline", directory, using=alias).take()
        setup.__func__(cls)

    def fixture_teardown(case) -> None:
        if not plain(case):
            teardown(case)
            return
        for alias in case._databases_names(include_mirrors=False):
            baselines[alias].restore()

    TransactionTestCase._fixture_setup = classmethod(fixture_setup)
    TransactionTestCase._fixture_teardown = fixture_teardown
    yield
    TransactionTestCase._fixture_setup = setup
    TransactionTestCase._fixture_teardown = teardown


@pytest.fixture(autouse=True)
def _catalogue_choices_forgotten() -> None:
    """The catalogue caches its categories and stores across requests
    (marketplace.search.catalogue_choices); a test's rolled-back rows must not reach the
    next test through the cache."""
    from django.core.cache import cache

    from marketplace.search import CATALOGUE_CHOICES_VERSION_KEY

    cache.delete(CATALOGUE_CHOICES_VERSION_KEY)


@pytest.fixture
def postgresql_only() -> None:
    """Skip where the database is not PostgreSQL: a race test needs its row locks between
    real connections (SQLite has one writer; the embedded run skips `services` anyway)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks between real connections")


@pytest.fixture
def real_broker():
    """Send tasks to the broker for this test instead of running them in-process."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield app
    finally:
        app.conf.task_always_eager = previous


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (never Playwright's own browser build)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"{CHROMIUM} is missing: run `make test` (it installs chromium with apt-get) "
            "or `apt-get install -y chromium`."
        )
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made
    # by the test itself between browser steps are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _browser_event_loop_hidden(request):
    """Playwright's sync API (the session's `chromium`) marks its event loop as running in the
    main thread from the first browser test to the end of the session, even between browser
    steps. Code under test that runs a loop of its own (pyHanko through asgiref's
    async_to_sync, identity/signing/) then refuses to start. A test that drives no browser
    never resumes that loop, so the mark is hidden for its duration and put back after.
    A browser test that calls such code runs it in another thread."""
    loop = asyncio.events._get_running_loop()
    if loop is None or "chromium" in request.fixturenames:
        yield
        return
    asyncio.events._set_running_loop(None)
    try:
        yield
    finally:
        asyncio.events._set_running_loop(loop)


def csp_violations_watch(context) -> list[str]:
    """The Content-Security-Policy violations Chromium reports in `context`, as they come."""
    violations: list[str] = []

    def seen(message) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    context.on("console", seen)
    return violations


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser context (no cookies) with a page on the live server; the test
    fails if a page breaks its Content-Security-Policy."""
    context = chromium.new_context(base_url=live_server.url, locale="fr-CA")
    context.set_default_timeout(10_000)
    violations = csp_violations_watch(context)
    page = context.new_page()
    yield page
    context.close()
    assert violations == []


TEST_PASSWORD = "a-long-test-password"  # noqa: S105 - test accounts only


def person_create(email: str, *roles: str, **fields):
    """A person with a verified email and the given roles, made through identity."""
    from identity.services import user_create

    return user_create(
        email=email,
        password=fields.pop("password", TEST_PASSWORD),
        given_name=fields.pop("given_name", "Test"),
        family_name=fields.pop("family_name", roles[0] if roles else "Person"),
        email_verified=fields.pop("email_verified", True),
        roles=roles,
        **fields,
    )


@pytest.fixture
def make_person(db):
    """Create a person with a verified email and the given roles, through identity."""
    return person_create


@pytest.fixture
def shopper(make_person):
    return make_person("shopper@example.com", "shopper")


@pytest.fixture
def store_worker(make_person):
    # Works at a store once a test gives them a StoreStaff row (store_staff_set).
    return make_person("staff@example.com", "shopper")


@pytest.fixture
def courier(make_person):
    return make_person("courier@example.com", "courier")


@pytest.fixture
def sign_in_at():
    """Sign a person in on a test client as if through a method of the given level."""
    from identity.assurance import SESSION_ACR, SESSION_AMR, SESSION_AUTH_TIME

    methods = {"low": ["pwd"], "substantial": ["hwk", "user", "mfa"], "high": ["sc", "pin"]}

    def sign_in(client, user, acr: str):
        import time

        client.force_login(user)
        session = client.session
        session[SESSION_ACR] = acr
        session[SESSION_AMR] = methods[acr]
        session[SESSION_AUTH_TIME] = int(time.time())
        session.save()

    return sign_in
