"""The test card CA, shared by identity/tests and tests/browser (a plugin of the root
conftest): a root and an issuing CA created once per run in a temporary CARD_CA_DIR.

The PC/SC stack (pcscd, the virtual card in vpcd) is card_agent/tests/pcsc_fixtures.py,
which needs no Django. Imports of Django code stay inside the fixtures: the root conftest
loads this module before Django is set up.
"""

from pathlib import Path

import pytest

CA_PASSPHRASE = "test-card-ca-passphrase"


@pytest.fixture(scope="session")
def card_ca_dir(tmp_path_factory) -> Path:
    """A card CA (root and issuing) in a temporary directory, encrypted with CA_PASSPHRASE.

    Tests point CARD_CA_DIR and CARD_CA_PASSPHRASE at it through `settings`."""
    from django.test import override_settings

    from identity.card.ca import ca_init

    directory = tmp_path_factory.mktemp("card-ca") / "ca"
    with override_settings(CARD_CA_DIR=directory, CARD_CA_PASSPHRASE=CA_PASSPHRASE):
        ca_init()
    return directory


@pytest.fixture
def card_settings(settings, card_ca_dir) -> None:
    """Point the card settings at the test CA, on the test origin (https://uniqc.test)."""
    settings.CARD_CA_DIR = card_ca_dir
    settings.CARD_CA_PASSPHRASE = CA_PASSPHRASE
    settings.SITE_URL = "https://uniqc.test"
