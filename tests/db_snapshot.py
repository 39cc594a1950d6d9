"""A copy of the test database's rows, taken once and put back in later tests, so that a
module of browser tests pays for a large fixture (the whole demo) once instead of once per
test.

A browser test runs against a live server, so its database is really written and emptied
after it (pytest-django's `transactional_db`), not rolled back. `DatabaseSnapshot.take`
copies every table of the project's models into a side store the flush does not reach:
another schema on PostgreSQL, an attached file on SQLite. `restore` empties those tables
and copies the rows back, in one transaction (Django's foreign keys are deferred to the
commit on both). The copy is done by the
database itself (`INSERT … SELECT *`), so every value comes back byte for byte.

Only the database is copied: what the fixture wrote elsewhere (photos under MEDIA_ROOT,
the session's card CA) must outlive the test that built it, as both do.
"""

import graphlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connections, transaction

POSTGRES_SCHEMA = "uniqc_test_snapshot"
INSERT_TRIGGER = re.compile(r"\b(BEFORE|AFTER)\s+INSERT\b", re.IGNORECASE)


@dataclass
class DatabaseSnapshot:
    """The rows of every project table at one moment, under `name` in the side store."""

    name: str
    directory: Path
    using: str = "default"
    tables: list[str] = field(default_factory=list)
    # The tables that had rows, and their columns as the SQL names them.
    columns: dict[str, str] = field(default_factory=dict)

    def _store(self) -> str:
        """The side store's name: a schema on PostgreSQL, an attached database on SQLite."""
        return f"{POSTGRES_SCHEMA}_{self.name}" if self._postgres() else f"snapshot_{self.name}"

    def _postgres(self) -> bool:
        return connections[self.using].vendor == "postgresql"

    def _attach(self, cursor) -> None:
        path = self.directory / f"{self.name}.sqlite3"
        cursor.execute("ATTACH DATABASE %s AS " + self._store(), [str(path)])

    def take(self) -> "DatabaseSnapshot":
        """Copy the rows of every project table that has any (an empty table is only
        emptied on restore), naming the columns so that their order does not matter."""
        connection = connections[self.using]
        quote = connection.ops.quote_name
        store = self._store()
        tables = connection.introspection.django_table_names(
            only_existing=True, include_views=False
        )
        self.columns = {}
        with connection.cursor() as cursor:
            self.tables = self._children_first(cursor, tables)
            if self._postgres():
                cursor.execute(f"DROP SCHEMA IF EXISTS {store} CASCADE")
                cursor.execute(f"CREATE SCHEMA {store}")
            else:
                self._attach(cursor)
            try:
                for table in self.tables:
                    cursor.execute(f"SELECT * FROM {quote(table)} LIMIT 1")  # noqa: S608
                    if cursor.fetchone() is None:
                        continue
                    self.columns[table] = ", ".join(
                        quote(column[0]) for column in cursor.description
                    )
                    cursor.execute(f"DROP TABLE IF EXISTS {store}.{quote(table)}")
                    cursor.execute(
                        f"CREATE TABLE {store}.{quote(table)} AS SELECT * FROM {quote(table)}"  # noqa: S608
                    )
            finally:
                if not self._postgres():
                    cursor.execute(f"DETACH DATABASE {store}")
        return self

    def _children_first(self, cursor, tables: list[str]) -> list[str]:
        """The tables in an order that empties a referencing table before the table it
        references, for the references checked at once: Django's foreign keys are deferred
        to the commit, but marketplace/db_guarantees.py adds one that is not, a foreign key
        on PostgreSQL and triggers on SQLite."""
        sorter = graphlib.TopologicalSorter({table: set() for table in sorted(tables)})
        for child, parent in self._references_checked_at_once(cursor):
            if child in tables and parent in tables and child != parent:
                sorter.add(parent, child)
        return list(sorter.static_order())

    def _references_checked_at_once(self, cursor) -> list[tuple[str, str]]:
        """(referencing table, referenced table) pairs: PostgreSQL's foreign keys that are
        not deferrable; on SQLite, an insert trigger of one table that reads another."""
        if self._postgres():
            cursor.execute(
                "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint"
                " WHERE contype = 'f' AND NOT condeferrable"
            )
            return cursor.fetchall()
        cursor.execute("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = [(table, sql) for table, sql in cursor.fetchall() if INSERT_TRIGGER.search(sql)]
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        names = [row[0] for row in cursor.fetchall()]
        return [
            (table, other)
            for table, sql in triggers
            for other in names
            if other != table and re.search(rf"\b{re.escape(other)}\b", sql)
        ]

    def restore(self) -> None:
        """The tables hold exactly the rows they held when the snapshot was taken.

        Sequences are left alone: they only ever grow, and the copied rows were made before
        the snapshot, so the next row made gets an id after them."""
        from django.contrib.contenttypes.models import ContentType

        connection = connections[self.using]
        quote = connection.ops.quote_name
        store = self._store()
        with connection.cursor() as cursor:
            if not self._postgres():
                self._attach(cursor)
            try:
                with transaction.atomic(using=self.using):
                    for table in self.tables:
                        cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608 - our tables
                    # Parents before children, for the same keys.
                    for table in reversed(self.tables):
                        if (columns := self.columns.get(table)) is None:
                            continue
                        cursor.execute(
                            f"INSERT INTO {quote(table)} ({columns}) "  # noqa: S608
                            f"SELECT {columns} FROM {store}.{quote(table)}"
                        )
            finally:
                if not self._postgres():
                    cursor.execute(f"DETACH DATABASE {store}")
        # A flush since may have made the content types again, under other ids.
        ContentType.objects.clear_cache()
