"""The catalogue's full-text index of listings, kept by the database itself.

- PostgreSQL: a `search_vector` tsvector column on marketplace_listing (not a model field:
  only the catalogue's search reads it, through `catalogue_search`), filled by a trigger
  from the French title and description (`french` configuration) and the English ones
  (`english`), titles weighted A and descriptions B, all through `marketplace_unaccent`,
  an IMMUTABLE wrapper around `unaccent` (the extension's own function is only STABLE).
  A GIN index serves the `@@` match, and `ts_rank` reads the stored vector instead of
  computing it again for every match. The table is never scanned in parallel
  (`parallel_workers = 0`: many short searches at once, see _postgresql_statements).
  The vector is a column kept by a trigger rather than a GENERATED column because
  PostgreSQL refuses to change the type of a column that a generated column uses: a later
  migration lengthening `title_fr` would fail.
- SQLite: an FTS5 table, marketplace_listing_fts, with the listing table as its external
  content (rowid = the listing's id), tokenizer `unicode61 remove_diacritics 2` (accents
  ignored), kept in step by triggers ON marketplace_listing.

THE RULE: SQLite rebuilds a table to alter it, and the triggers ON that table go with the
old table. A migration that remakes marketplace_listing (adding a NOT NULL column,
changing a constraint) ends with `ListingSearchIndex()`, which puts the triggers back and
rebuilds the index from the table; running it twice is harmless, on either database.
`marketplace/tests/test_catalogue_search.py` fails when a trigger is missing.
"""

from typing import Any

from django.db import migrations

FIELDS = ("title_fr", "title_en", "description_fr", "description_en")

# --- PostgreSQL ----------------------------------------------------------------------------
UNACCENT_FUNCTION = "marketplace_unaccent"
VECTOR_COLUMN = "search_vector"
VECTOR_INDEX = "marketplace_listing_search_vector_gin"
VECTOR_FUNCTION = "marketplace_listing_search_vector"
VECTOR_TRIGGER = "marketplace_listing_search_vector"
PARALLEL_WORKERS = "parallel_workers"
# (field, text search configuration, weight)
WEIGHTS = (
    ("title_fr", "french", "A"),
    ("title_en", "english", "A"),
    ("description_fr", "french", "B"),
    ("description_en", "english", "B"),
)


def vector_sql(row: str = "") -> str:
    """The weighted tsvector of a listing's four texts; `row` prefixes the columns
    ("NEW." in the trigger)."""
    return " || ".join(
        f"setweight(to_tsvector('pg_catalog.{config}'::regconfig, "
        f"{UNACCENT_FUNCTION}(coalesce({row}{field}, ''))), '{weight}')"
        for field, config, weight in WEIGHTS
    )


def _postgresql_statements(unaccent_schema: str) -> list[str]:
    fields = ", ".join(FIELDS)
    return [
        # IMMUTABLE so that the trigger's vector and an index may use it; true as long as
        # the unaccent rules file does not change (reindex and re-run this if it does).
        f"CREATE OR REPLACE FUNCTION {UNACCENT_FUNCTION}(text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS "
        f"$$ SELECT {unaccent_schema}.unaccent('{unaccent_schema}.unaccent'::regdictionary, $1) $$",
        f"ALTER TABLE marketplace_listing ADD COLUMN IF NOT EXISTS {VECTOR_COLUMN} tsvector",
        f"CREATE OR REPLACE FUNCTION {VECTOR_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN NEW.{VECTOR_COLUMN} := {vector_sql('NEW.')}; RETURN NEW; END $$",
        f"DROP TRIGGER IF EXISTS {VECTOR_TRIGGER} ON marketplace_listing",
        f"CREATE TRIGGER {VECTOR_TRIGGER} BEFORE INSERT OR UPDATE OF {fields} "
        f"ON marketplace_listing FOR EACH ROW EXECUTE FUNCTION {VECTOR_FUNCTION}()",
        f"UPDATE marketplace_listing SET {VECTOR_COLUMN} = {vector_sql()}",  # noqa: S608
        f"CREATE INDEX IF NOT EXISTS {VECTOR_INDEX} ON marketplace_listing "
        f"USING gin ({VECTOR_COLUMN})",
        # No parallel scans of the listings: a search's statements are short and many run
        # at once, and two workers each make it wait for cores other requests need.
        # Measured with pgbench at 100,000 listings, 8 clients on 2 cores: ranking "pain"
        # (2,400 matches) 110 -> 157-192 statements/s, a distance search's count by
        # store 49 -> 60-79, one client alone faster too. A storage parameter rather than
        # SET LOCAL in each search: no transaction and no round trips added to a request.
        f"ALTER TABLE marketplace_listing SET ({PARALLEL_WORKERS} = 0)",
    ]


POSTGRESQL_DROP = [
    f"ALTER TABLE marketplace_listing RESET ({PARALLEL_WORKERS})",
    f"DROP TRIGGER IF EXISTS {VECTOR_TRIGGER} ON marketplace_listing",
    f"DROP FUNCTION IF EXISTS {VECTOR_FUNCTION}()",
    f"DROP INDEX IF EXISTS {VECTOR_INDEX}",
    f"ALTER TABLE marketplace_listing DROP COLUMN IF EXISTS {VECTOR_COLUMN}",
    f"DROP FUNCTION IF EXISTS {UNACCENT_FUNCTION}(text)",
]

# --- SQLite --------------------------------------------------------------------------------
FTS_TABLE = "marketplace_listing_fts"
_COLUMNS = ", ".join(FIELDS)
_NEW = ", ".join(f"new.{field}" for field in FIELDS)
_OLD = ", ".join(f"old.{field}" for field in FIELDS)
# Only constant names are formatted into this SQL.
_FTS_INSERT = f"INSERT INTO {FTS_TABLE}(rowid, {_COLUMNS}) VALUES (new.id, {_NEW});"  # noqa: S608
# An external-content FTS5 table forgets a row when told the values it indexed.
_FTS_FORGET = (
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_COLUMNS}) "  # noqa: S608
    f"VALUES ('delete', old.id, {_OLD});"
)
SQLITE_TRIGGERS = {
    f"{FTS_TABLE}_insert": f"AFTER INSERT ON marketplace_listing BEGIN {_FTS_INSERT} END",
    f"{FTS_TABLE}_delete": f"AFTER DELETE ON marketplace_listing BEGIN {_FTS_FORGET} END",
    f"{FTS_TABLE}_update": (
        f"AFTER UPDATE OF {_COLUMNS} ON marketplace_listing BEGIN {_FTS_FORGET} {_FTS_INSERT} END"
    ),
}
SQLITE_CREATE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({_COLUMNS}, "
    "content='marketplace_listing', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')"
)


def search_index_create(schema_editor: Any) -> None:
    """Install the index, its triggers and its content on this database; again is harmless."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT extnamespace::regnamespace::text FROM pg_extension "
                "WHERE extname = 'unaccent'"
            )
            (schema,) = cursor.fetchone()
        for statement in _postgresql_statements(schema):
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE_TABLE)
        for name, body in SQLITE_TRIGGERS.items():
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
            schema_editor.execute(f"CREATE TRIGGER {name} {body}")
        schema_editor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # noqa: S608
    else:
        raise NotImplementedError(f"No catalogue search index for {vendor}.")


def search_index_drop(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in POSTGRESQL_DROP:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def search_index_missing(connection: Any) -> list[str]:
    """The names of the index's triggers absent from `connection`'s database (empty when
    the index is whole)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger "
                "WHERE tgrelid = 'marketplace_listing'::regclass AND NOT tgisinternal"
            )
            expected = {VECTOR_TRIGGER}
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master "
                "WHERE type = 'trigger' AND tbl_name = 'marketplace_listing'"
            )
            expected = set(SQLITE_TRIGGERS)
        present = {row[0] for row in cursor.fetchall()}
    return sorted(expected - present)


def ListingSearchIndex() -> migrations.RunPython:
    """The migration operation that (re)installs the catalogue's full-text index."""
    return migrations.RunPython(
        lambda _apps, schema_editor: search_index_create(schema_editor),
        lambda _apps, schema_editor: search_index_drop(schema_editor),
        elidable=False,
    )
