"""A fake Nominatim: a small real HTTP server on 127.0.0.1 answering `/search` the way
OpenStreetMap's Nominatim does (format=json: a list of places with `lat` and `lon` as
strings), so that geopy's own request building and parsing run in the tests."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class FakeNominatim:
    def __init__(self) -> None:
        # Lower-cased query -> (latitude, longitude) as strings.
        self.places: dict[str, tuple[str, str]] = {}
        # Every request: (path, query parameters, User-Agent).
        self.requests: list[tuple[str, dict[str, list[str]], str]] = []
        # What the next answers are: "ok", "error" (HTTP 500), "garbage" (not JSON),
        # "odd" (JSON in another shape), "slow" (answers after `delay` seconds).
        self.mode = "ok"
        self.delay = 2.0
        self.server: ThreadingHTTPServer | None = None
        self.url = ""

    def start(self) -> "FakeNominatim":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/nominatim"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        params = parse_qs(url.query)
        self.requests.append((url.path, params, handler.headers.get("User-Agent", "")))
        if self.mode == "slow":
            time.sleep(self.delay)
        if self.mode == "error":
            self._send(handler, 500, b"<html>Internal Server Error</html>", "text/html")
            return
        if self.mode == "garbage":
            self._send(handler, 200, b"<html>not json", "application/json")
            return
        if url.path != "/nominatim/search" or params.get("format") != ["json"]:
            self._send(handler, 400, b'{"error": "bad request"}', "application/json")
            return
        if self.mode == "odd":
            body = [{"place_id": 1, "lat": "north", "lon": None, "display_name": "?"}]
        else:
            query = params.get("q", [""])[0].casefold()
            place = self.places.get(query)
            body = (
                []
                if place is None
                else [
                    {
                        "place_id": 123456,
                        "licence": "Data © OpenStreetMap contributors, ODbL 1.0.",
                        "osm_type": "node",
                        "osm_id": 987654,
                        "lat": place[0],
                        "lon": place[1],
                        "class": "place",
                        "type": "house",
                        "importance": 0.5,
                        "display_name": query,
                        "boundingbox": [place[0], place[0], place[1], place[1]],
                    }
                ]
            )
        self._send(handler, 200, json.dumps(body).encode(), "application/json")

    def _send(self, handler: BaseHTTPRequestHandler, status: int, body: bytes, kind: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", f"{kind}; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
