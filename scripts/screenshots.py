# ruff: noqa: T201, S603 - a command-line tool: it prints what it wrote, runs manage.py
"""Screenshots of the key pages, on a phone and on a desktop, into docs/screenshots/.

`make screenshots` runs it. It serves the demo as `make run` does (config.settings.local,
migrate, seed_demo), but on a fresh database in a temporary folder, so that what the
pictures show does not depend on what was done on this machine, and on a free port at
http://localhost:PORT with DEBUG off (the error pages people see). The demo shopper is
signed in with a session made here, as a password sign-in would make it. Debian's
Chromium, driven by Playwright, takes each page in French (the interface's first
language) at scale 1, the whole page up to MAX_SCREENS screens long.

    python scripts/screenshots.py [name ...]    # only the pages named in PAGES
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT))

from conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402 - the test suite's browser flags

# --- What is taken --------------------------------------------------------------------
# (file name, address: a URL name or a path or a function of the database, signed in as
# the demo shopper?, a text to wait for before the picture or None)
SHOPPER_EMAIL = "shopper@demo.uniqc.coop"


def first_store_path() -> str:
    from django.urls import reverse

    from marketplace.models import Store, StoreStatus

    store = Store.objects.filter(status=StoreStatus.APPROVED).order_by("name").first()
    return reverse("marketplace:store_detail", args=[store.slug]) if store else "/boutiques/"


PAGES: list[tuple[str, str | Callable[[], str], bool, str | None]] = [
    ("home", "home", False, None),
    ("sign-in", "identity:login", False, None),
    ("sign-up", "identity:signup", False, None),
    ("account", "identity:account", True, None),
    ("passkeys", "identity:passkeys:list", True, None),
    ("stores", "marketplace:store_list", False, None),
    ("store", first_store_path, False, None),
    ("lockers", "lockers:site_list", False, None),
    ("not-found", "/cette-page-n-existe-pas/", False, None),
    ("api-docs", "api-docs", False, "Uniqc Coop API"),
]
# A long page is cut after this many screens: the top says what the page is, and the
# pictures stay small.
MAX_SCREENS = 2.5
VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}


def url_of(address: str | Callable[[], str]) -> str:
    from django.urls import reverse

    if callable(address):
        return address()
    if address.startswith("/"):
        return address
    return reverse(address)


# --- The demo server ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_environment(folder: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"sqlite:///{folder / 'uniqc.sqlite3'}",
        CARD_CA_DIR=str(folder / "ca"),
        SITE_URL=f"http://localhost:{port}",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        DEBUG="False",
        EMAIL_URL="consolemail://",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    command = [sys.executable, "manage.py", *args]
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def server_wait(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the demo server exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):  # noqa: S310 - our own
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the demo server did not answer at {url} within {timeout:.0f} s")


def shopper_session() -> tuple[str, str]:
    """(cookie name, session key) of the demo shopper signed in with a password."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from identity.assurance import SESSION_ACR, SESSION_AMR, SESSION_AUTH_TIME
    from identity.models import User

    user = User.objects.get(email=SHOPPER_EMAIL)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[SESSION_ACR] = "low"
    session[SESSION_AMR] = ["pwd"]
    session[SESSION_AUTH_TIME] = int(time.time())
    session.create()
    return settings.SESSION_COOKIE_NAME, session.session_key


# --- The pictures ---------------------------------------------------------------------


def shoot(base: str, pages: list[tuple[str, str, bool, str | None]], cookie: tuple[str, str]):
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        for size, options in VIEWPORTS.items():
            for signed_in in (False, True):
                todo = [page for page in pages if page[2] == signed_in]
                if not todo:
                    continue
                context = browser.new_context(
                    base_url=base, locale="fr-CA", device_scale_factor=1, **options
                )
                context.set_default_timeout(15_000)
                if signed_in:
                    context.add_cookies([{"name": cookie[0], "value": cookie[1], "url": base}])
                page = context.new_page()
                for name, path, _signed_in, wait_text in todo:
                    response = page.goto(path, wait_until="networkidle")
                    expected = 404 if name == "not-found" else 200
                    if response is None or response.status != expected:
                        status = response.status if response else "no answer"
                        raise SystemExit(f"{path} answered {status}, not {expected}")
                    if wait_text:
                        page.get_by_text(wait_text).first.wait_for()
                    page.evaluate("document.fonts.ready")
                    target = OUT / f"{name}-{size}.png"
                    viewport = options["viewport"]
                    height = page.evaluate("document.documentElement.scrollHeight")
                    page.screenshot(
                        path=target,
                        type="png",
                        full_page=True,
                        clip={
                            "x": 0,
                            "y": 0,
                            "width": viewport["width"],
                            "height": min(height, MAX_SCREENS * viewport["height"]),
                        },
                        scale="css",
                        animations="disabled",
                        caret="hide",
                    )
                    print(f"{target.relative_to(ROOT)}  {path}")
                context.close()
        browser.close()


def main(names: list[str]) -> None:
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install -y chromium")
    unknown = set(names) - {name for name, *_ in PAGES}
    if unknown:
        raise SystemExit(f"no such page in PAGES: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory(prefix="uniqc-screenshots-") as folder:
        port = free_port()
        env = demo_environment(Path(folder), port)
        manage(env, "migrate", "--noinput")
        manage(env, "seed_demo")
        # This process reads the same database: the addresses and the shopper's session.
        os.environ.update(env)
        import django

        django.setup()
        pages = [
            (name, url_of(address), signed_in, wait_text)
            for name, address, signed_in, wait_text in PAGES
            if not names or name in names
        ]
        cookie = shopper_session()
        log_path = Path(folder) / "server.log"
        with log_path.open("w") as log:
            server = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        base = f"http://localhost:{port}"
        try:
            server_wait(base, server)
            shoot(base, pages, cookie)
        except BaseException:
            print(log_path.read_text()[-4000:], file=sys.stderr)
            raise
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main(sys.argv[1:])
