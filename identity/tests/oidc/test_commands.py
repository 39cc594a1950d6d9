"""The oidc_client and oidc_keys management commands."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from identity.models import OidcClient, OidcSigningKey
from identity.oidc.services import digest

pytestmark = pytest.mark.django_db(transaction=True)


def create(*args: str) -> dict:
    out = StringIO()
    call_command("oidc_client", "create", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_confidential_client_secret_is_shown_once_and_stored_as_digest(sector_documents):
    document = sector_documents.serve(
        "https://ville.example/sector.json",
        ["https://ville.example/cb", "http://127.0.0.1:8001/cb"],
    )
    printed = create(
        "--name",
        "Ville",
        "--redirect-uri",
        "https://ville.example/cb",
        "--redirect-uri",
        "http://127.0.0.1:8001/cb",
        "--post-logout-uri",
        "https://ville.example/bye",
        "--alg",
        "RS256",
        "--sector-identifier-uri",
        document,
    )
    client = OidcClient.objects.get(client_id=printed["client_id"])
    assert client.client_secret_digest == digest(printed["client_secret"])
    assert printed["client_secret"] not in str(client.__dict__.values())
    assert len(printed["client_secret"]) >= 43
    assert client.redirect_uris == ["https://ville.example/cb", "http://127.0.0.1:8001/cb"]
    assert client.post_logout_redirect_uris == ["https://ville.example/bye"]
    assert client.id_token_alg == "RS256"
    assert client.sector_identifier == "ville.example"
    assert client.sector_identifier_uri == document
    assert client.check_client_secret(printed["client_secret"])
    assert not client.check_client_secret(printed["client_secret"] + "x")


def test_public_internal_client_has_no_secret():
    printed = create(
        "--name", "App", "--redirect-uri", "https://app.example/cb", "--public", "--internal"
    )
    client = OidcClient.objects.get(client_id=printed["client_id"])
    assert "client_secret" not in printed
    assert client.is_public and client.is_internal
    assert client.client_secret_digest == ""


@pytest.mark.parametrize(
    "uri",
    ["http://evil.example/cb", "https://ok.example/cb#frag", "ftp://x.example/", "not a uri"],
)
def test_bad_redirect_uri_is_refused_and_nothing_is_written(uri):
    with pytest.raises(CommandError, match="redirect_uris"):
        create("--name", "Bad", "--redirect-uri", uri)
    assert not OidcClient.objects.exists()


def test_redirect_uris_on_two_hosts_need_a_sector_identifier_uri():
    with pytest.raises(CommandError, match="redirect_uris"):
        create(
            "--name", "Two", "--redirect-uri", "https://a.example/cb",
            "--redirect-uri", "https://b.example/cb",
        )  # fmt: skip
    assert not OidcClient.objects.exists()


def test_stage_publishes_a_next_key_per_algorithm_and_promote_waits_for_it():
    out = StringIO()
    call_command("oidc_keys", "stage", stdout=out)
    assert out.getvalue().count("staged; promote after") == 2
    assert OidcSigningKey.objects.filter(promoted_at__isnull=True).count() == 2
    with pytest.raises(CommandError, match="may sign from"):
        call_command("oidc_keys", "promote", "--alg", "RS256", stdout=StringIO())
    OidcSigningKey.objects.filter(promoted_at__isnull=True).delete()
    with pytest.raises(CommandError, match="no key is staged"):
        call_command("oidc_keys", "promote", stdout=StringIO())


def test_private_keys_are_stored_encrypted_and_parsed_once(django_assert_num_queries):
    from identity.oidc.keys import signing_key_active

    first = signing_key_active("ES256")
    stored = OidcSigningKey.objects.get(alg="ES256")
    assert "PRIVATE KEY" not in stored.private_key_sealed
    with django_assert_num_queries(1):
        assert signing_key_active("ES256") is first


def test_a_client_requires_pkce_unless_created_with_no_pkce():
    args = ("--name", "Ville", "--redirect-uri", "https://ville.example/cb")
    assert OidcClient.objects.get(client_id=create(*args)["client_id"]).pkce_required is True
    old = create(*args, "--no-pkce")
    assert OidcClient.objects.get(client_id=old["client_id"]).pkce_required is False
