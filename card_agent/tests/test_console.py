"""`uniqc-agent` and `python -m card_agent.emulator` as people run them."""

import base64
import json
import os
import subprocess
import sys
import time

import pytest

from card_agent import agent as agent_module
from card_agent import piv
from card_agent.agent import CardAgent, NoCard, PcscCardSource, fixed_pin
from card_agent.emulator import VirtualPivCard

from .conftest import PIN, card_certificate, certificate_for, personalised_card
from .test_agent_softcard import server_verifies

ORIGIN = "http://127.0.0.1:8000"
NONCE = base64.b64encode(b"\x05" * 32).decode()
SPARE_READER = "Virtual PCD 00 01"  # vpcd's second reader, on TCP 35964


@pytest.fixture
def softcard_file(tmp_path):
    path = tmp_path / "demo-card.json"
    personalised_card().save(path)
    return path


def test_softcard_readers_and_certificate(softcard_file, capsys):
    assert agent_module.main(["--softcard", str(softcard_file), "readers"]) == 0
    assert capsys.readouterr().out == "Uniqc demo card (software)\n"
    assert agent_module.main(["--softcard", str(softcard_file), "certificate", "--pem"]) == 0
    assert capsys.readouterr().out.startswith("-----BEGIN CERTIFICATE-----\n")


def test_sign_prompts_for_the_pin_without_echo(softcard_file, capsys, monkeypatch):
    prompts = []

    def getpass(prompt):
        prompts.append(prompt)
        return PIN

    monkeypatch.setattr(agent_module.getpass, "getpass", getpass)
    arguments = ["--softcard", str(softcard_file), "sign", "--origin", ORIGIN, "--nonce", NONCE]
    assert agent_module.main(arguments) == 0
    token = json.loads(capsys.readouterr().out)
    server_verifies(token, origin=ORIGIN, nonce=NONCE)
    assert prompts == [f"Card PIN for {ORIGIN} (3 tries left): "]


def test_sign_with_a_wrong_pin_exits_with_the_code(softcard_file, capsys, monkeypatch):
    monkeypatch.setattr(agent_module.getpass, "getpass", lambda prompt: "000000")
    arguments = ["--softcard", str(softcard_file), "sign", "--origin", ORIGIN, "--nonce", NONCE]
    assert agent_module.main(arguments) == 1
    assert capsys.readouterr().err == "uniqc-agent: wrong_pin: Wrong PIN; 2 tries left.\n"
    assert json.loads(softcard_file.read_text())["pin_tries_left"] == 2


def test_a_new_softcard_file_is_a_blank_card(tmp_path, capsys):
    path = tmp_path / "new.json"
    assert agent_module.main(["--softcard", str(path), "certificate"]) == 1
    assert "card_not_personalised" in capsys.readouterr().err
    assert VirtualPivCard.load_or_create(path).private_key is None


def test_console_script_is_declared():
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["uniqc-agent"] == "card_agent.agent:main"


def test_emulator_process_with_a_state_file(pcsc_card, tmp_path):
    """The emulator as a separate process on vpcd's spare reader keeps its state on disk."""
    state = tmp_path / "card.json"
    blank = VirtualPivCard(registrar_mode=True)
    blank.save(state)
    process = subprocess.Popen(
        [sys.executable, "-m", "card_agent.emulator", "--state", str(state), "--port", "35964"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    agent = CardAgent(PcscCardSource(reader=SPARE_READER))
    try:
        _wait_until(lambda: agent.status()["card"], what="the emulator process's card")
        public_key = agent.generate_key(pin=None)  # registrar mode: no PIN yet
        certificate = certificate_for(public_key)
        agent.write_certificate(certificate, pin=None)
        token = agent.sign(origin=ORIGIN, nonce=NONCE, pin_provider=fixed_pin("123456"))
        server_verifies(token, origin=ORIGIN, nonce=NONCE)
    finally:
        process.terminate()
        process.wait(timeout=5)
    saved = VirtualPivCard.load_or_create(state)
    assert saved.private_key.public_key() == public_key
    _wait_until(lambda: not agent.status()["card"], what="pcscd to see the card removed")
    with pytest.raises(NoCard):
        agent.certificate()


def _wait_until(condition, *, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_serve_runs_the_bridge_as_a_process(tmp_path):
    """`uniqc-agent --softcard FILE serve` answers the browser with JSON, errors included."""
    import http.client
    import re

    state = tmp_path / "blank.json"
    agent_command = [sys.executable, "-m", "card_agent.agent", "--softcard", str(state)]
    process = subprocess.Popen(
        [*agent_command, "serve", "--port", "0", "--pin-entry", "page"],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "UNIQC_AGENT_ORIGINS": "https://uniqc.coop"},
    )
    try:
        banner = process.stderr.readline()
        port = int(re.search(r"127\.0\.0\.1:(\d+)", banner).group(1))
        assert "for https://uniqc.coop (PIN entry: page)" in banner
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request(
            "POST",
            "/sign",
            body=json.dumps({"nonce": NONCE, "pin": "123456"}),
            headers={"Origin": "https://uniqc.coop", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        assert response.status == 409
        assert json.loads(response.read())["error"] == "card_not_personalised"
    finally:
        process.terminate()
        process.wait(timeout=5)
        process.stderr.close()


@pytest.mark.parametrize("typed", [EOFError, KeyboardInterrupt, ""])
def test_a_cancelled_or_empty_pin_prompt_is_pin_required(monkeypatch, typed):
    def getpass(prompt):
        if isinstance(typed, str):
            return typed
        raise typed

    monkeypatch.setattr(agent_module.getpass, "getpass", getpass)
    request = agent_module.PinRequest("sign", ORIGIN, 3)
    with pytest.raises(agent_module.PinRequired):
        agent_module.terminal_pin_provider(request)


def test_the_signing_certificate_is_shown_with_signing(softcard_file, capsys):
    arguments = ["--softcard", str(softcard_file), "certificate", "--signing"]
    assert agent_module.main(arguments) == 0
    card = VirtualPivCard.load_or_create(softcard_file)
    serial = card_certificate(card, piv.SLOT_SIGNATURE).serial_number
    assert f"serial:      {serial:x}\n" in capsys.readouterr().out


def test_the_terminal_prompt_shows_the_document_before_the_pin(monkeypatch, capsys):
    prompts = []
    monkeypatch.setattr(
        agent_module.getpass, "getpass", lambda prompt: prompts.append(prompt) or PIN
    )
    request = agent_module.PinRequest(
        "sign_document", ORIGIN, 3, "Permis de rénovation", "5f06428ffb494355"
    )
    assert agent_module.terminal_pin_provider(request) == PIN
    shown = capsys.readouterr().err
    assert "Permis de rénovation" in shown and "5f06428ffb494355" in shown
    assert prompts == [f"Card PIN for {ORIGIN} (3 tries left): "]
