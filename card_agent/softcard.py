"""The software demo card: the virtual PIV card in-process, behind the agent's card interface.

`make run` uses it when pcscd is absent; the agent reports it as a demo card (`is_demo`),
and the interface labels it so. Its APDU behaviour is the emulator's, by construction: it
is the same `VirtualPivCard`, slot 9C (document signatures, PIN before each) included.

`card_personalised` makes a card as the registrar leaves it (keys in slots 9A and 9C, their
certificates, the holder's PIN), for tests elsewhere that need a card to sign as a card
would: `CardAgent(SoftCardSource(card)).sign_document(...)`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from card_agent import piv
from card_agent.emulator import VirtualPivCard

DEMO_READER = "Uniqc demo card (software)"


def card_personalised(
    *,
    pin: str,
    keys: dict[int, ec.EllipticCurvePrivateKey],
    certificates: dict[int, bytes],
) -> VirtualPivCard:
    """A virtual card holding `keys` (by slot, 0x9A and 0x9C) and the DER `certificates`
    of those slots in their PIV certificate objects, with the holder's `pin` set."""
    objects = {
        piv.SLOT_CERTIFICATE_OBJECTS[slot]: piv.tlv(0x70, der)
        + piv.tlv(0x71, b"\x00")
        + piv.tlv(0xFE, b"")
        for slot, der in certificates.items()
    }
    return VirtualPivCard(pin=pin, keys=keys, objects=objects)


class SoftCardConnection:
    """A connection to the in-process card; saves the card when its state changes."""

    def __init__(self, card: VirtualPivCard, state_path: Path | None) -> None:
        self._card = card
        self._state_path = state_path

    def transmit(self, apdu: bytes) -> bytes:
        revision = self._card.revision
        response = self._card.process(apdu)
        if self._state_path is not None and self._card.revision != revision:
            self._card.save(self._state_path)
        return response


class SoftCardSource:
    """A reader that always holds one software card."""

    is_demo = True

    def __init__(self, card: VirtualPivCard, *, state_path: Path | None = None) -> None:
        self.card = card
        self.state_path = state_path

    @classmethod
    def from_file(cls, path: Path) -> SoftCardSource:
        """The demo card saved in `path`, created blank (PIN 123456) if the file is new."""
        return cls(VirtualPivCard.load_or_create(path), state_path=path)

    def readers(self) -> list[str]:
        return [DEMO_READER]

    @contextlib.contextmanager
    def connect(self) -> Iterator[SoftCardConnection]:
        self.card.reset()  # power on
        try:
            yield SoftCardConnection(self.card, self.state_path)
        finally:
            self.card.reset()  # power off, as the PC/SC path does on disconnect
