"""In-process page rendering: the cost of our own stack without a network in between."""

from django.test import Client

from bench.timing import rate


def _page_rate(client: Client, path: str) -> float:
    def get() -> None:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    get()  # warm caches and connections
    return rate(get, seconds=2.0)


def run() -> list[tuple[str, float, str]]:
    client = Client(HTTP_HOST="127.0.0.1")
    return [
        ("home page, in process", _page_rate(client, "/"), "req/s"),
        ("/healthz, in process", _page_rate(client, "/healthz"), "req/s"),
    ]
