"""In-process page rendering: the cost of our own stack without a network in between."""

import time

from django.test import Client


def _rate(client: Client, path: str, seconds: float = 2.0) -> float:
    client.get(path)  # warm caches and connections
    count = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        count += 1
    return count / (time.perf_counter() - start)


def run() -> list[tuple[str, float, str]]:
    client = Client(HTTP_HOST="127.0.0.1")
    return [
        ("home page, in process", _rate(client, "/"), "req/s"),
        ("/healthz, in process", _rate(client, "/healthz"), "req/s"),
    ]
