"""Cards for the agent's tests: personalised virtual cards, in memory or in the reader.

The PC/SC stack itself (pcscd, the virtual card plugged into vpcd) is shared with
identity's card tests and the browser tests: pcsc_fixtures.py, a plugin of the root
conftest. Nothing here needs Django (test_independence.py checks it).
"""

import contextlib
import datetime
import threading
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from card_agent import piv
from card_agent.agent import CardAgent
from card_agent.bridge import bridge_create
from card_agent.emulator import VirtualPivCard
from card_agent.softcard import SoftCardSource
from card_agent.tests.pcsc_fixtures import VPCD_READER

__all__ = [
    "ALLOWED",
    "PIN",
    "VPCD_READER",
    "card_certificate",
    "certificate_for",
    "personalised_card",
]

PIN = "246810"

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


def _certificate_object(certificate_der: bytes) -> bytes:
    return piv.tlv(0x70, certificate_der) + piv.tlv(0x71, b"\x00") + piv.tlv(0xFE, b"")


def personalised_card(*, padding: int = 600, signing: bool = True, **kwargs) -> VirtualPivCard:
    """A card as issued: a slot 9A key, its certificate (over 256 bytes), the holder's PIN;
    and unless `signing` is False (a card issued before slot 9C), a slot 9C key and its
    certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    keys = {piv.SLOT_AUTHENTICATION: key}
    objects = {
        piv.OBJECT_AUTHENTICATION_CERTIFICATE: _certificate_object(
            certificate_for(key.public_key(), padding=padding)
        )
    }
    if signing:
        signing_key = keys[piv.SLOT_SIGNATURE] = ec.generate_private_key(ec.SECP256R1())
        objects[piv.OBJECT_SIGNATURE_CERTIFICATE] = _certificate_object(
            certificate_for(signing_key.public_key())
        )
    kwargs.setdefault("pin", PIN)
    return VirtualPivCard(keys=keys, objects=objects, **kwargs)


def card_certificate(card: VirtualPivCard, slot: int = piv.SLOT_AUTHENTICATION) -> x509.Certificate:
    content = card.objects[piv.SLOT_CERTIFICATE_OBJECTS[slot]]
    return x509.load_der_x509_certificate(piv.tlv_find(content, 0x70))


@pytest.fixture
def card() -> VirtualPivCard:
    return personalised_card()


# -- in the reader (pcscd, vpcd: pcsc_fixtures.py) ---------------------------------------


@pytest.fixture
def pcsc_card(vpcd_emulator) -> VirtualPivCard:
    """A freshly personalised card in the vpcd reader, for one test."""
    vpcd_emulator.card = personalised_card()
    return vpcd_emulator.card


# -- the bridge, served on a free port -------------------------------------------------

ALLOWED = "https://uniqc.coop"


@contextlib.contextmanager
def _serve(server) -> Iterator:
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def registrar_bridge() -> Iterator:
    """A registrar's workstation with a blank card (transport PIN 123456) in the reader,
    the PIN sent by the page: every route."""
    server = bridge_create(
        CardAgent(SoftCardSource(VirtualPivCard())),
        port=0,
        allowed_origins=(ALLOWED,),
        pin_entry="page",
        registrar=True,
    )
    with _serve(server) as running:
        yield running
