"""The real PC/SC stack for the card tests: pcscd and the virtual card plugged into vpcd.

A pytest plugin of the root conftest, shared by card_agent/tests, identity's card tests
and tests/browser. pcscd is the running one if it already lists the vpcd reader, else one
started here. These fixtures fail, never skip, when the system packages are missing:
`make test` installs them (scripts/system-deps.sh). A test puts the card it wants into the
reader by assigning `vpcd_emulator.card`.

Like the rest of card_agent, this needs no Django.
"""

import contextlib
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from card_agent.emulator import VirtualPivCard, VpcdEmulator

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
VPCD_CONFIG = Path("/etc/reader.conf.d/vpcd")
VPCD_READER = "Virtual PCD 00 00"  # the reader on TCP 35963; "00 01" is on 35964
PACKAGES_MESSAGE = (
    "The smart-card tests need pcscd and the vpcd virtual reader: install the Debian "
    "packages pcscd vsmartcard-vpcd (and libpcsclite-dev swig to build pyscard); "
    "`make test` installs them through scripts/system-deps.sh."
)


def _pcsc_readers() -> list[str] | None:
    """The readers pcscd lists, or None when no pcscd answers."""
    from smartcard.pcsc.PCSCExceptions import BaseSCardException
    from smartcard.System import readers

    try:
        return [str(each) for each in readers()]
    except BaseSCardException:
        return None


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Poll `condition` every 0.1 s; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory) -> Iterator[None]:
    """A pcscd that has loaded the vpcd reader: the running one, or one started here."""
    missing = [] if shutil.which("pcscd") else ["pcscd (not on PATH)"]
    missing += [str(path) for path in (VPCD_DRIVER, VPCD_CONFIG) if not path.exists()]
    if missing:
        pytest.fail(f"{PACKAGES_MESSAGE} Missing: {', '.join(missing)}", pytrace=False)
    try:
        import smartcard  # noqa: F401
    except ImportError:
        pytest.fail(f"pyscard is not installed (pip install -e '.[card]'). {PACKAGES_MESSAGE}")

    running = _pcsc_readers()
    if running is not None:
        # A pcscd that has just started (another test run's, the demo's) lists vpcd soon.
        deadline = time.monotonic() + 5
        while not any(name.startswith(VPCD_READER) for name in running or []):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
            running = _pcsc_readers()
        if running is None:
            pytest.fail("the running pcscd stopped while the tests were waiting for it")
        if not any(name.startswith(VPCD_READER) for name in running):
            pytest.fail(
                f"a pcscd is already running without the vpcd reader (readers: {running}); "
                f"stop it or restart it after installing vsmartcard-vpcd"
            )
        yield
        return

    log = tmp_path_factory.mktemp("pcscd") / "pcscd.log"
    with log.open("wb") as output:
        daemon = subprocess.Popen(
            ["pcscd", "--foreground"], stdout=output, stderr=subprocess.STDOUT
        )
    try:
        wait_for(
            lambda: (
                daemon.poll() is not None
                or any(name.startswith(VPCD_READER) for name in _pcsc_readers() or [])
            ),
            timeout=10,
            what="pcscd to list the vpcd reader",
        )
        if daemon.poll() is not None:
            pytest.fail(f"pcscd exited with {daemon.returncode}: {log.read_text()[-2000:]}")
        yield
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=5)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()


@pytest.fixture(scope="session")
def vpcd_emulator(pcscd) -> Iterator[VpcdEmulator]:
    """The virtual card plugged into vpcd (a blank card at first); tests swap
    `vpcd_emulator.card` for the card they need."""
    emulator = VpcdEmulator(VirtualPivCard())
    try:
        emulator.start(timeout=10)
    except OSError as failure:
        pytest.fail(f"cannot reach vpcd on 127.0.0.1:35963 ({failure}). {PACKAGES_MESSAGE}")
    try:
        wait_for(_card_present, timeout=10, what="pcscd to see the virtual card")
        yield emulator
    finally:
        emulator.stop()


def _card_present() -> bool:
    from smartcard.Exceptions import CardConnectionException, NoCardException
    from smartcard.System import readers

    for reader in readers():
        if str(reader).startswith(VPCD_READER):
            connection = reader.createConnection()
            with contextlib.suppress(NoCardException, CardConnectionException):
                connection.connect()
                connection.disconnect()
                return True
    return False
