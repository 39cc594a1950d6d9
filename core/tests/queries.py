"""A test helper: assert that a block of code writes nothing to the database."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext

WRITE_STATEMENTS = {"INSERT", "UPDATE", "DELETE"}


@contextmanager
def no_writes() -> Iterator[None]:
    """Fail when the block runs an INSERT, UPDATE or DELETE (reads are fine)."""
    with CaptureQueriesContext(connection) as queries:
        yield
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].split()[0].upper() in WRITE_STATEMENTS
    ]
    assert writes == []
