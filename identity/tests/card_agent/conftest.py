"""Cards for the agent's tests: personalised virtual cards, and the real PC/SC stack.

The PC/SC fixtures start pcscd (unless one is already running with the vpcd reader) and
plug the virtual card into vpcd. They fail, never skip, when the system packages are
missing: `make test` installs them (scripts/system-deps.sh).
"""

import contextlib
import datetime
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from identity.card import piv
from identity.card.emulator import VirtualPivCard, VpcdEmulator

PIN = "246810"
VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
VPCD_CONFIG = Path("/etc/reader.conf.d/vpcd")
VPCD_READER = "Virtual PCD 00 00"  # the reader on TCP 35963; "00 01" is on 35964
PACKAGES_MESSAGE = (
    "The smart-card tests need pcscd and the vpcd virtual reader: install the Debian "
    "packages pcscd vsmartcard-vpcd (and libpcsclite-dev swig to build pyscard); "
    "`make test` installs them through scripts/system-deps.sh."
)

_ISSUER_KEY = ec.generate_private_key(ec.SECP256R1())
_ISSUER_NAME = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Uniqc test issuing CA")])


def certificate_for(public_key: ec.EllipticCurvePublicKey, *, padding: int = 0) -> bytes:
    """A DER card certificate for `public_key`; `padding` bytes of extra extension make it
    longer (a real card certificate with a chain of policies runs past 256 bytes)."""
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "uniqc:person:42")]))
        .issuer_name(_ISSUER_NAME)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=5 * 365))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    )
    if padding:
        builder = builder.add_extension(
            x509.UnrecognizedExtension(
                x509.ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\x00" * padding
            ),
            critical=False,
        )
    return builder.sign(_ISSUER_KEY, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def personalised_card(*, padding: int = 600, **kwargs) -> VirtualPivCard:
    """A card as issued: a slot 9A key, its certificate (over 256 bytes), the holder's PIN."""
    key = ec.generate_private_key(ec.SECP256R1())
    content = (
        piv.tlv(0x70, certificate_for(key.public_key(), padding=padding))
        + piv.tlv(0x71, b"\x00")
        + piv.tlv(0xFE, b"")
    )
    kwargs.setdefault("pin", PIN)
    return VirtualPivCard(
        private_key=key, objects={piv.OBJECT_AUTHENTICATION_CERTIFICATE: content}, **kwargs
    )


def card_certificate(card: VirtualPivCard) -> x509.Certificate:
    content = card.objects[piv.OBJECT_AUTHENTICATION_CERTIFICATE]
    return x509.load_der_x509_certificate(piv.tlv_find(content, 0x70))


@pytest.fixture
def card() -> VirtualPivCard:
    return personalised_card()


# -- the PC/SC stack ---------------------------------------------------------------------


def _pcsc_readers() -> list[str] | None:
    """The readers pcscd lists, or None when no pcscd answers."""
    from smartcard.pcsc.PCSCExceptions import BaseSCardException
    from smartcard.System import readers

    try:
        return [str(each) for each in readers()]
    except BaseSCardException:
        return None


def _wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
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
        _wait_for(
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
    """The virtual card plugged into vpcd; tests swap `emulator.card` for a fresh one."""
    emulator = VpcdEmulator(personalised_card())
    try:
        emulator.start(timeout=10)
    except OSError as failure:
        pytest.fail(f"cannot reach vpcd on 127.0.0.1:35963 ({failure}). {PACKAGES_MESSAGE}")
    try:
        _wait_for(_card_present, timeout=10, what="pcscd to see the virtual card")
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


@pytest.fixture
def pcsc_card(vpcd_emulator) -> VirtualPivCard:
    """A freshly personalised card in the vpcd reader, for one test."""
    vpcd_emulator.card = personalised_card()
    return vpcd_emulator.card
