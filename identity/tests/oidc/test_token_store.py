"""The hand-written INSERTs of identity.oidc.token_store name every column that must be
given: a column added to a token model without a database default fails here, on the
embedded run, before the PostgreSQL-only statements ever meet it."""

import re

import pytest
from django.db.models import NOT_PROVIDED, Model

from identity.models import OidcAccessToken, OidcGrant, OidcRefreshToken
from identity.oidc import token_store

TOKEN_MODELS = (OidcAccessToken, OidcRefreshToken, OidcGrant)
INSERT = re.compile(r"INSERT INTO (\w+)\s*\(([^)]*)\)")


def inserts(sql: str) -> list[tuple[str, set[str]]]:
    """(table, columns) of each INSERT in `sql`."""
    return [
        (table, {column.strip() for column in columns.split(",")})
        for table, columns in INSERT.findall(sql)
    ]


def statements() -> dict[str, str]:
    return {
        name: value
        for name, value in vars(token_store).items()
        if name.endswith("_SQL") and isinstance(value, str)
    }


def required_columns(model: type[Model]) -> set[str]:
    """Columns an INSERT must give: NOT NULL, no database default, not generated."""
    return {
        field.column
        for field in model._meta.concrete_fields
        if not field.null
        and field.db_default is NOT_PROVIDED
        and not (field.primary_key and field.get_internal_type().endswith("AutoField"))
    }


def missing_columns(sql: str) -> dict[str, set[str]]:
    by_table = {model._meta.db_table: model for model in TOKEN_MODELS}
    missing = {}
    for table, columns in inserts(sql):
        if table in by_table and (left_out := required_columns(by_table[table]) - columns):
            missing[table] = left_out
    return missing


@pytest.mark.parametrize("name", sorted(statements()))
def test_every_insert_gives_every_required_column(name):
    assert missing_columns(statements()[name]) == {}


def test_each_token_model_is_inserted_by_some_statement():
    tables = {table for sql in statements().values() for table, _columns in inserts(sql)}
    assert {model._meta.db_table for model in TOKEN_MODELS} <= tables


def test_a_column_left_out_is_found():
    sql = token_store.CLIENT_CREDENTIALS_ISSUE_SQL.replace("client_id, scope, created_at", "")
    assert missing_columns(sql) == {
        "identity_oidcaccesstoken": {"client_id", "scope", "created_at"}
    }
