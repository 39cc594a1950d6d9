"""Helpers for tests where real transactions race on PostgreSQL: each thread has its own
connection, and a barrier lets every thread reach the contested step before any takes it."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connection


def barrier_before(
    monkeypatch: Any, owner: Any, name: str, parties: int, timeout: int = 30
) -> None:
    """Make `owner.name` wait until `parties` threads have called it, then run it: every
    racer has read what it decides on before any of them takes the lock or writes."""
    barrier = threading.Barrier(parties, timeout=timeout)
    original = getattr(owner, name)

    def wait_then_call(*args: Any, **kwargs: Any) -> Any:
        # Iterables are read before the wait: a generator argument must not run late.
        args = tuple(list(arg) if _is_iterator(arg) else arg for arg in args)
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, wait_then_call)


def barrier_after(monkeypatch: Any, owner: Any, name: str, parties: int, timeout: int = 30) -> None:
    """Make `owner.name` run, then wait until `parties` threads have run it: every racer
    has found what it checks (no card yet, no application waiting) before any writes."""
    barrier = threading.Barrier(parties, timeout=timeout)
    original = getattr(owner, name)

    def call_then_wait(*args: Any, **kwargs: Any) -> Any:
        found = original(*args, **kwargs)
        barrier.wait()
        return found

    monkeypatch.setattr(owner, name, call_then_wait)


def _is_iterator(value: Any) -> bool:
    return hasattr(value, "__next__")


def all_at_once(work: Callable[[int], Any], count: int) -> list[Any]:
    """Run `work(0)` … `work(count - 1)` in `count` threads at once and return what each
    gave back (an exception it raised is returned, not raised). Each thread closes its own
    database connection when done."""

    def run(n: int) -> Any:
        try:
            return work(n)
        except Exception as error:
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))
