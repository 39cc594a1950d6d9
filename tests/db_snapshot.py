"""A copy of the test database's rows, taken once and put back in later tests, so that a
module of browser tests pays for a large fixture (the whole demo) once instead of once per
test.

A browser test runs against a live server, so its database is really written and emptied
after it (pytest-django's `transactional_db`), not rolled back. `DatabaseSnapshot.take`
copies every table of the project's models into a side store the flush does not reach:
another schema on PostgreSQL, an attached file on SQLite. `restore` empties those tables
and copies the rows back, in one transaction (Django's foreign keys are deferred to the
commit on both), then moves the id sequences past the copied ids. The copy is done by the
database itself (`INSERT … SELECT *`), so every value comes back byte for byte.

Only the database is copied: what the fixture wrote elsewhere (photos under MEDIA_ROOT,
the session's card CA) must outlive the test that built it, as both do.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.core.management.color import no_style
from django.db import connections, transaction

POSTGRES_SCHEMA = "uniqc_test_snapshot"


@dataclass
class DatabaseSnapshot:
    """The rows of every project table at one moment, under `name` in the side store."""

    name: str
    directory: Path
    using: str = "default"
    tables: list[str] = field(default_factory=list)

    def _store(self) -> str:
        """The side store's name: a schema on PostgreSQL, an attached database on SQLite."""
        return f"{POSTGRES_SCHEMA}_{self.name}" if self._postgres() else f"snapshot_{self.name}"

    def _postgres(self) -> bool:
        return connections[self.using].vendor == "postgresql"

    def _attach(self, cursor) -> None:
        path = self.directory / f"{self.name}.sqlite3"
        cursor.execute("ATTACH DATABASE %s AS " + self._store(), [str(path)])

    def take(self) -> "DatabaseSnapshot":
        connection = connections[self.using]
        quote = connection.ops.quote_name
        store = self._store()
        self.tables = sorted(
            connection.introspection.django_table_names(only_existing=True, include_views=False)
        )
        with connection.cursor() as cursor:
            if self._postgres():
                cursor.execute(f"DROP SCHEMA IF EXISTS {store} CASCADE")
                cursor.execute(f"CREATE SCHEMA {store}")
            else:
                self._attach(cursor)
            try:
                for table in self.tables:
                    cursor.execute(f"DROP TABLE IF EXISTS {store}.{quote(table)}")
                    cursor.execute(
                        f"CREATE TABLE {store}.{quote(table)} AS SELECT * FROM {quote(table)}"  # noqa: S608
                    )
            finally:
                if not self._postgres():
                    cursor.execute(f"DETACH DATABASE {store}")
        return self

    def restore(self) -> None:
        """The tables hold exactly the rows they held when the snapshot was taken."""
        from django.apps import apps
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
                        cursor.execute(
                            f"INSERT INTO {quote(table)} SELECT * FROM {store}.{quote(table)}"  # noqa: S608
                        )
                    # The next row made gets an id after the copied ones (PostgreSQL's
                    # sequences; SQLite's AUTOINCREMENT follows the largest id by itself).
                    for statement in connection.ops.sequence_reset_sql(
                        no_style(), apps.get_models(include_auto_created=True)
                    ):
                        cursor.execute(statement)
            finally:
                if not self._postgres():
                    cursor.execute(f"DETACH DATABASE {store}")
        # The flush made the content types again, under other ids than the copied ones.
        ContentType.objects.clear_cache()
