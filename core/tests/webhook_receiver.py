"""A store's receiver for the webhook tests: a real HTTP server on 127.0.0.1 in a thread,
answering each POST as told (a status, or no answer in time), and keeping what it got.

`verify` is written from docs/store-webhooks.md alone, with hashlib and hmac: it does not
import our code, so a test that passes with it shows the docs are enough to build one."""

import hashlib
import hmac
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300


def verify(header: str, body: bytes, secret: str, *, now: float | None = None) -> bool:
    """docs/store-webhooks.md, "Checking a signature": split the header on commas, take
    `t` and every `v1`; refuse a timestamp more than 5 minutes from now; compute the
    HMAC-SHA256, keyed with the secret, of the timestamp, a dot and the raw body, in
    lowercase hex; accept if it equals any v1, compared in constant time."""
    timestamp = None
    signatures = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not timestamp.isdigit() or not signatures:
        return False
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256
    ).hexdigest()
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers come from `answers` in turn (an int status, ("redirect", url), or
    "hang": no answer for `hang_seconds`); when it is empty, 200."""

    answers: deque = field(default_factory=deque)
    received: list[Received] = field(default_factory=list)
    hang_seconds: float = 2.0
    url: str = ""
    server: ThreadingHTTPServer | None = None

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.received.append(Received(self.path, dict(self.headers), body))
                answer = receiver.answers.popleft() if receiver.answers else 200
                if answer == "hang":
                    time.sleep(receiver.hang_seconds)
                    return
                if isinstance(answer, tuple):
                    self.send_response(302)
                    self.send_header("Location", answer[1])
                    self.end_headers()
                    return
                self.send_response(answer)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if answer < 300 else b"receiver error")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/uniqc"
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
