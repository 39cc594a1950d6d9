"""`PORT=8123 make run`, really run: the port reaches the issuer, the links in mail, the card
sign-in page's agent address and the agent's allowed origin (issue 9, point 1).

The demo is started as a newcomer starts it, through the Makefile and scripts/demo-agent.sh,
with its state (database, card CA, demo card, logs) in a temporary directory instead of var/
and the software demo card (no PC/SC reader is shared with other tests). The virtual
environment is the one running these tests: `make -o` keeps make from rebuilding it.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
WANTED_PORT = 8123
START_TIMEOUT = 180  # seconds: migrations, demo data and a new card CA on a busy machine
# What the test's own environment must not pass on to the demo: the services of the service
# run, the test settings, and every address `make run` derives from PORT (the point here).
NOT_INHERITED = (
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CACHE_URL",
    "MQTT_URL",
    "EMAIL_URL",
    "HOST",
    "SITE_URL",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "CARD_AGENT_URL",
    "UNIQC_AGENT_ORIGINS",
    "DEMO_CARD_HOLDER",
    "CARD_CA_PASSPHRASE",
    # `make test` runs pytest: its jobserver and level are not this make's.
    "MAKEFLAGS",
    "MFLAGS",
    "MAKELEVEL",
    "MAKEOVERRIDES",
)


def port_free(port: int) -> bool:
    """Whether nothing listens on `port` (connections closing there, in TIME_WAIT, do not
    count: both servers reuse the address)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(wanted: int = 0) -> int:
    """`wanted` if nothing listens there, else a port the kernel picks."""
    if wanted and port_free(wanted):
        return wanted
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Demo:
    site: str
    agent_port: int
    output: Path

    def text(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def group_stop(process: subprocess.Popen) -> bool:
    """Stop make and everything it started (runserver and its reloader, the agent) with
    SIGTERM to their process group, as a terminal's Ctrl-C reaches them all (a test's
    SIGINT may be ignored: a background job's children inherit that). Whatever still runs
    after 20 s is killed. Whether SIGTERM alone stopped them all."""
    os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        process.poll()
        if not group_alive(process.pid):
            process.wait()
            return True
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return False


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Demo]:
    state = tmp_path_factory.mktemp("make-run")
    port, agent_port = free_port(WANTED_PORT), free_port()
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        PORT=str(port),
        AGENT_PORT=str(agent_port),
        DEMO_CARD="softcard",
        DEMO_CARD_STATE=str(state / "demo-card.json"),
        DATABASE_URL=f"sqlite:///{state / 'uniqc.sqlite3'}",
        CARD_CA_DIR=str(state / "ca"),
        PYTHONUNBUFFERED="1",
    )
    venv = Path(sys.prefix)
    command = ["make", "--no-print-directory", "-o", f"{venv}/.installed"]
    command += [f"VENV={venv}", f"PY={sys.executable}", "run"]
    output = state / "output.txt"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as a whole
        )
    demo = Demo(site=f"http://localhost:{port}", agent_port=agent_port, output=output)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"make run exited with {process.returncode}:\n{demo.text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"make run did not answer in {START_TIMEOUT} s:\n{demo.text()}")
            try:
                requests.get(f"{demo.site}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.5)
        yield demo
    finally:
        stopped = group_stop(process)
    assert stopped, f"make run's processes did not stop on SIGTERM:\n{demo.text()}"
    assert port_free(port), "the web server outlived make run"
    assert port_free(agent_port), "the card agent outlived make run"


def test_make_run_prints_the_localhost_address(demo):
    printed = re.findall(r"Uniqc Coop is at (\S+)", demo.text())
    assert printed == [f"{demo.site}/"]


def test_discovery_names_the_issuer_on_the_port(demo):
    discovery = requests.get(f"{demo.site}/.well-known/openid-configuration", timeout=10)
    assert discovery.status_code == 200
    config = discovery.json()
    assert config["issuer"] == demo.site
    assert config["authorization_endpoint"].startswith(f"{demo.site}/")
    assert config["jwks_uri"].startswith(f"{demo.site}/")


def test_a_password_reset_mail_links_to_the_port(demo):
    browser = requests.Session()
    form_url = f"{demo.site}/compte/mot-de-passe/oubli/"
    form = browser.get(form_url, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    answer = browser.post(
        form_url,
        data={"csrfmiddlewaretoken": token, "email": "shopper@demo.uniqc.coop"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text

    # The console mail backend prints the mail in make run's output.
    link_pattern = re.compile(r"http://\S+/compte/mot-de-passe/[^/\s]+/[^/\s]+/")
    deadline = time.monotonic() + 20
    while not (links := link_pattern.findall(demo.text())) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert links, demo.text()
    [link] = set(links)
    assert link.startswith(f"{demo.site}/")
    # The link works at that address: it leads to the form for a new password.
    chosen = requests.get(link, timeout=10)
    assert chosen.status_code == 200
    assert chosen.url.startswith(f"{demo.site}/")
    assert 'type="password"' in chosen.text


def test_card_sign_in_page_names_the_agent_on_its_port(demo):
    agent = f"http://127.0.0.1:{demo.agent_port}"
    page = requests.get(f"{demo.site}/login/card", timeout=10)
    assert page.status_code == 200
    named = re.search(r'<script id="card-agent-url" type="application/json">"([^"]+)"', page.text)
    assert named is not None and named.group(1) == agent
    assert agent in page.headers["Content-Security-Policy"]  # connect-src lets the page call it

    # The agent answers there, for pages of this site (and not of 127.0.0.1, which is not it).
    status = requests.get(f"{agent}/status", headers={"Origin": demo.site}, timeout=10)
    assert status.status_code == 200
    assert status.headers["Access-Control-Allow-Origin"] == demo.site
    assert status.json()["demo"] is True
    port = demo.site.rsplit(":", 1)[1]
    other = requests.get(
        f"{agent}/status", headers={"Origin": f"http://127.0.0.1:{port}"}, timeout=10
    )
    assert other.status_code == 403


def test_readme_lists_every_variable_make_run_honours():
    """The README's table of `make run` variables names each one the Makefile defaults with
    `?=` and each one scripts/demo-agent.sh reads from the environment."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    script = (ROOT / "scripts" / "demo-agent.sh").read_text(encoding="utf-8")
    honoured = set(re.findall(r"^(?:export )?([A-Z_]+) \?=", makefile, re.MULTILINE))
    honoured |= set(re.findall(r"\$\{([A-Z_]+):-", script))
    honoured -= {"PY"}  # the Makefile's own interpreter, handed to the script
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("`make run` honours these variables")
    table = readme[start : readme.index("\n\n", readme.index("| Variable |", start))]
    listed = set(re.findall(r"^\| `([A-Z_]+)` \|", table, re.MULTILINE))
    assert {"HOST", "PORT", "AGENT_PORT", "SITE_URL", "DEMO_CARD_STATE"} <= honoured
    assert honoured - listed == set()
    assert listed - honoured == set()
