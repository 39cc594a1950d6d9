"""The card at the counter and on the holder's computer, for the browser tests that need it:
each test module names its own `site` (the live server's address as that test wants it)."""

import threading
from collections.abc import Iterator

import pytest

from card_agent.agent import CardAgent, PcscCardSource
from card_agent.bridge import bridge_create
from card_agent.emulator import VirtualPivCard
from card_agent.tests.pcsc_fixtures import VPCD_READER


@pytest.fixture
def agent(vpcd_emulator) -> CardAgent:
    """The card agent on the reader where a blank card, as delivered to a branch, waits."""
    vpcd_emulator.card = VirtualPivCard(registrar_mode=True)
    return CardAgent(PcscCardSource(reader=VPCD_READER))


@pytest.fixture
def bridge(agent, site, settings) -> Iterator[str]:
    """The agent's bridge as `make run` starts it: on 127.0.0.1 (any free port), for the
    site's pages only, with the PIN typed on the page; CARD_AGENT_URL names it."""
    server = bridge_create(agent, port=0, allowed_origins=(site,), pin_entry="page")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.CARD_AGENT_URL = f"http://127.0.0.1:{server.port}"
    try:
        yield settings.CARD_AGENT_URL
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
