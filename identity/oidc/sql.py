"""The token endpoints' statements, below the ORM.

The token, userinfo and refresh paths run the same few statements for every request.
Building them through the ORM costs more than the database spends running them, and a
statement sent with its values inlined is parsed and planned again on every call. Here
they are written out once, and on PostgreSQL they are prepared: each connection parses
and plans a statement the first time, then only binds values. Rows still go in and come
out through their fields' own conversions, as Model.save() and the ORM's reads do.

Prepared statements belong to a connection; a pooler in transaction mode (PgBouncer
before 1.21) would hand them to the wrong one. Uniqc connects to PostgreSQL directly.
A prepared statement's plan is kept until its tables' statistics change. Every lookup
here is by a unique digest, which the planner sends to the index once a table holds more
than a few pages; a plan made while a table was nearly empty may scan it until autovacuum
next analyzes it, within a minute of it growing by a tenth, on a new installation only.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, cached_property
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.utils import CursorWrapper
from django.db.models import Model, QuerySet

RowT = TypeVar("RowT", bound=Model)
PREPARE_ONLY_WHEN_ASKED = 2**31


@cache
def _prepared_cursor_class() -> type:
    """A psycopg cursor that binds on the server and prepares every statement it runs."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        def execute(self, query: Any, params: Any = None, **options: Any) -> Any:
            return super().execute(query, params, **{**options, "prepare": True})

    return PreparedCursor


@contextmanager
def statement_cursor() -> Iterator[CursorWrapper]:
    """A cursor for the statements of this module: prepared on PostgreSQL, Django's own
    elsewhere. Either way errors are Django's and the queries are logged when Django
    logs queries (DEBUG, assertNumQueries)."""
    # The connection itself rather than django.db.connection, a proxy that looks the
    # connection up again on each attribute read.
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        with db.cursor() as cursor:
            yield cursor
        return
    db.close_if_health_check_failed()
    db.ensure_connection()
    database = db.connection
    if database.prepare_threshold is None:
        # Django turns preparing off for the connection: its own queries are bound on the
        # client and never prepared. Statements here ask for it one by one; none is
        # prepared for having merely run often.
        database.prepare_threshold = PREPARE_ONLY_WHEN_ASKED
    raw = _prepared_cursor_class()(database)
    wrapped = db.make_debug_cursor(raw) if db.queries_logged else db.make_cursor(raw)
    with wrapped as cursor:
        yield cursor


def row_unique(queryset: QuerySet[RowT]) -> RowT | None:
    """The row of a lookup on a unique column, or None; unlike .first(), without the
    ORDER BY that such a lookup does not need."""
    for row in queryset.order_by()[:1]:
        return row
    return None


@cache
def _insert_sql(model: type[Model], names: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    placeholders = ", ".join(["%s"] * len(names))
    # Identifiers come from the model's metadata; every value is a query parameter.
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES ({placeholders}) RETURNING {quote(model._meta.pk.column)}"
    )


def row_insert(model: type[Model], **values: Any) -> int:
    """Insert one row of `model` (values by field name or attname) and return its id;
    each value is prepared by its field, as Model.save() would."""
    params = [
        model._meta.get_field(name).get_db_prep_save(value, connection)
        for name, value in values.items()
    ]
    with statement_cursor() as cursor:
        cursor.execute(_insert_sql(model, tuple(values)), params)
        return cursor.fetchone()[0]


def statement_run(sql: str, params: Any) -> int:
    """Run one statement; the number of rows it wrote (or returned)."""
    with statement_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


class JoinedRead:
    """One SELECT over joined tables that yields an instance of each model with only the
    named fields, converted as the ORM converts them. Its SQL and converters are built
    once per process: compiling a select_related query costs the ORM more than the
    database spends running it."""

    def __init__(
        self, reads: tuple[tuple[type[Model], str, tuple[str, ...] | None], ...], source: str
    ) -> None:
        # (model, table alias, attnames or None for every field); source: FROM ... WHERE ...
        self.reads = reads
        self.source = source

    @cached_property
    def _plan(self) -> tuple[str, list[tuple[type[Model], list[str], list[Any]]]]:
        quote = connection.ops.quote_name
        columns: list[str] = []
        plan = []
        for model, alias, wanted in self.reads:
            fields = [
                field
                for field in model._meta.concrete_fields
                if wanted is None or field.attname in wanted
            ]
            columns += [f"{alias}.{quote(field.column)}" for field in fields]
            converters = []
            for field in fields:
                column = field.get_col(alias)
                functions = connection.ops.get_db_converters(column)
                converters.append((column, functions + field.get_db_converters(connection)))
            # Model.from_db takes the values in the order of the model's concrete fields.
            plan.append((model, [field.attname for field in fields], converters))
        return f"SELECT {', '.join(columns)} {self.source}", plan

    def one(self, *params: Any) -> list[Any] | None:
        """The instances of the row found (None for a model a LEFT JOIN did not find), or
        None when there is no row."""
        sql, plan = self._plan
        with statement_cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        db = connections[DEFAULT_DB_ALIAS]
        instances: list[Any] = []
        start = 0
        for model, attnames, converters in plan:
            values = list(row[start : start + len(attnames)])
            start += len(attnames)
            for index, (column, functions) in enumerate(converters):
                for function in functions:
                    values[index] = function(values[index], column, db)
            primary_key = values[attnames.index(model._meta.pk.attname)]
            instances.append(
                None if primary_key is None else model.from_db(db.alias, attnames, values)
            )
        return instances
