"""Fuzzing the card agent's bridge through its HTTP interface: whatever a page posts, the
bridge answers (200, or an error JSON with its code) and keeps serving.

Bodies run up to the bridge's 4,096-byte limit, nesting included: the bridge reads JSON
with the bounded reader (core.jsonin), so 4,000 `[` are a 400 like any other bad body.
"""

import base64
import http.client
import json

from hypothesis import given
from hypothesis import strategies as st

from core.tests.strategies import FUZZ, json_values

from .conftest import ALLOWED
from .test_bridge import NONCE

fields = st.sampled_from(["nonce", "pin", "certificate", "oldPin", "newPin"])
field_values = st.one_of(
    json_values,
    st.just(NONCE),
    st.sampled_from(["123456", "", "0" * 9, "not base64!"]),
    st.binary(max_size=200).map(lambda raw: base64.b64encode(raw).decode()),
)
bodies = (
    st.one_of(
        st.dictionaries(fields | st.text(max_size=6), field_values, max_size=4).map(json.dumps),
        st.builds(json.dumps, json_values),
        st.text(max_size=300),
        st.text(alphabet='[]{}":,0 ', max_size=300),
    ).map(str.encode)
    | st.binary(max_size=300)
    | st.integers(1, 4096).map(lambda n: b"[" * n)
)
content_types = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "text/plain", None]
)
PATHS = [
    "/sign",
    "/registrar/key",
    "/registrar/challenge",
    "/registrar/certificate",
    "/registrar/pin",
    "/x",
]


def post_raw(server, path: str, body: bytes, content_type: str | None):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    headers = {"Host": f"127.0.0.1:{server.port}", "Origin": ALLOWED}
    if content_type is not None:
        headers["Content-Type"] = content_type
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@FUZZ
@given(path=st.sampled_from(PATHS), body=bodies, content_type=content_types)
def test_any_request_gets_an_answer_with_a_code(registrar_bridge, path, body, content_type):
    status, raw = post_raw(registrar_bridge, path, body, content_type)
    answer = json.loads(raw)
    if status != 200:
        assert answer["error"], answer
        # A refusal of the request itself is a 4xx; only the card's own failure is not.
        assert status < 500 or answer["error"] == "card_error", answer
