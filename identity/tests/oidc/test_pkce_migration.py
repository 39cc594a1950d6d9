"""The migration that makes PKCE required keeps clients registered before it working."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)


def _migration_and_parent() -> tuple[tuple[str, str], tuple[str, str]]:
    executor = MigrationExecutor(connection)
    [node] = [
        key
        for key in executor.loader.graph.nodes
        if key[0] == "identity" and key[1].endswith("_oidcclient_pkce_required")
    ]
    [parent] = [p for p in executor.loader.graph.node_map[node].parents if p[0] == "identity"]
    return node, parent


def _migrate(target: tuple[str, str]):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state(target).apps


def test_existing_confidential_clients_keep_working_without_pkce_and_public_ones_need_it():
    node, parent = _migration_and_parent()
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        before = _migrate(parent)
        client_model = before.get_model("identity", "OidcClient")
        client_model.objects.create(
            client_id="old-confidential",
            name="Ancien service",
            client_secret_digest="a" * 64,
            redirect_uris=["https://rp.example/cb"],
            sector_identifier="rp.example",
        )
        client_model.objects.create(
            client_id="old-public",
            name="Application",
            is_public=True,
            redirect_uris=[],
            sector_identifier="old-public",
        )
        after = _migrate(node).get_model("identity", "OidcClient")
        required = dict(after.objects.values_list("client_id", "pkce_required"))
        assert required == {"old-confidential": False, "old-public": True}
        new = after.objects.create(
            client_id="new",
            name="Nouveau",
            client_secret_digest="b" * 64,
            redirect_uris=[],
            sector_identifier="new",
        )
        assert new.pkce_required is True
    finally:
        after_all = MigrationExecutor(connection)
        after_all.loader.build_graph()
        after_all.migrate(leaves)
