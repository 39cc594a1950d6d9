"""docs/locker-protocol.md's test vectors, and the parser's limits."""

import json
import re
from pathlib import Path

import pytest

from lockers import protocol

DOC = Path(__file__).resolve().parents[2] / "docs" / "locker-protocol.md"
KEY_HEX = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"


def doc_vectors() -> list[dict]:
    """Each "### Vector" section of the doc: its JSON, canonical text, hex and signature."""
    text = DOC.read_text(encoding="utf-8")
    key = re.search(r"^Key \(hex\): `([0-9a-f]{64})`$", text, re.M).group(1)
    vectors = []
    for section in text.split("### Vector: ")[1:]:
        name = section.split("\n", 1)[0].strip()
        blocks = re.findall(r"```(json|text)\n(.*?)\n```", section, re.S)
        signature = re.search(r"^Signature: `([0-9a-f]{64})`$", section, re.M).group(1)
        vectors.append(
            {
                "name": name,
                "key": bytes.fromhex(key),
                "json": blocks[0][1],
                "canonical": blocks[1][1].encode("ascii"),
                "hex": "".join(blocks[2][1].split()),
                "signature": signature,
            }
        )
    return vectors


def test_the_doc_has_a_vector_of_every_message_type():
    assert {v["name"] for v in doc_vectors()} == set(protocol.SIGNED_FIELDS)
    assert doc_vectors()[0]["key"] == bytes.fromhex(KEY_HEX)


@pytest.mark.parametrize("vector", doc_vectors(), ids=lambda v: v["name"])
def test_the_code_builds_the_docs_bytes_and_signature(vector):
    channel = next(c for c, types in protocol.CHANNEL_TYPES.items() if vector["name"] in types)
    message = protocol.parse(vector["json"].encode(), channel)
    assert protocol.canonical_bytes(message) == vector["canonical"]
    assert vector["canonical"].hex() == vector["hex"]
    assert protocol.signature(vector["key"], message) == vector["signature"]
    assert message["sig"] == vector["signature"]
    assert protocol.parse_verified(vector["json"].encode(), channel, {"k1": vector["key"]})
    resigned = protocol.sign(vector["key"], {k: v for k, v in message.items() if k != "sig"})
    assert protocol.encode(resigned).decode() == vector["json"]


def _command() -> dict:
    return json.loads(doc_vectors()[0]["json"])


def test_a_changed_field_breaks_the_signature():
    message = _command()
    message["compartment"] = "B08"
    raw = json.dumps(message).encode()
    with pytest.raises(protocol.ProtocolError) as caught:
        protocol.parse_verified(raw, "commands", {"k1": bytes.fromhex(KEY_HEX)})
    assert caught.value.reason == "bad_signature"


def test_an_unknown_key_is_refused():
    raw = json.dumps(_command()).encode()
    with pytest.raises(protocol.ProtocolError) as caught:
        protocol.parse_verified(raw, "commands", {"k2": bytes.fromhex(KEY_HEX)})
    assert caught.value.reason == "unknown_key"


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 5000 + b"]" * 5000,
        b'{"v":1,"type":"command","nested":{"a":1}}',
        b'{"v":1,"type":"command","list":[1]}',
        b'{"v":1,"v":1}',
        b'{"v":1.0}',
        b'{"v":NaN}',
        b"\xff\xfe",
        b'"a string"',
        b'{"v":1,"type":"command","pad":"' + b"x" * 1100 + b'"}',
    ],
    ids=["deep", "nested", "array", "duplicate", "float", "nan", "not-utf8", "scalar", "large"],
)
def test_the_parser_refuses_what_is_not_a_small_flat_object(raw):
    with pytest.raises(protocol.ProtocolError) as caught:
        protocol.parse(raw, "commands")
    assert caught.value.reason == "malformed"


def test_a_message_type_on_the_wrong_channel_is_refused():
    with pytest.raises(protocol.ProtocolError):
        protocol.parse(doc_vectors()[0]["json"].encode(), "events")


def test_topics_are_read_back():
    name = protocol.topic("uniqc/lockers/v1", "metro-berri-uqam", "acks")
    assert name == "uniqc/lockers/v1/metro-berri-uqam/acks"
    assert protocol.topic_parse("uniqc/lockers/v1", name) == ("metro-berri-uqam", "acks")
    assert protocol.topic_parse("uniqc/lockers/v1", "uniqc/lockers/v1/a/b/acks") is None
    assert protocol.topic_parse("uniqc/lockers/v1", "other/x/acks") is None
