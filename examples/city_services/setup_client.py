#!/usr/bin/env python
"""Register this service as a client of the local Uniqc and write its settings to .env.

It runs Uniqc's own `manage.py oidc_client create` command (in the Uniqc checkout two
folders up, against Uniqc's database), so Uniqc must have been set up with `make run`
first. Each run registers a new client: it refuses to overwrite an existing .env
unless told to with --force.
"""

import argparse
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import NoReturn
from urllib.error import URLError
from urllib.request import urlopen

HERE = Path(__file__).resolve().parent
UNIQC_ROOT = HERE.parent.parent
ENV_FILE = HERE / ".env"


def fail(message: str) -> NoReturn:
    sys.stderr.write(f"setup: {message}\n")
    raise SystemExit(1)


def discovery_issuer(issuer: str) -> str:
    """The issuer Uniqc's discovery document names; fails if Uniqc does not answer."""
    url = f"{issuer}/.well-known/openid-configuration"
    try:
        with urlopen(url, timeout=5) as response:  # noqa: S310 (a URL we build ourselves)
            return json.load(response)["issuer"]
    except (URLError, OSError, ValueError, KeyError) as error:
        fail(f"no discovery document at {url} ({error}). Is Uniqc running (`make run`)?")


def uniqc_command(
    arguments: list[str], *, settings_module: str, extra_env: dict[str, str] | None = None
) -> dict[str, str]:
    """Run one of Uniqc's management commands with --json and return what it printed."""
    json_flag = [] if arguments[0] == "shell" else ["--json"]
    command = [sys.executable, "manage.py", *arguments, *json_flag]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, **(extra_env or {})}
    result = subprocess.run(  # noqa: S603 (our interpreter, fixed arguments)
        command, cwd=UNIQC_ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        fail(f"`manage.py {' '.join(arguments[:2])}` failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def register(*, name: str, base_url: str, settings_module: str) -> dict[str, str]:
    return uniqc_command(
        [
            "oidc_client",
            "create",
            "--name",
            name,
            "--redirect-uri",
            f"{base_url}/auth/callback",
            "--post-logout-uri",
            f"{base_url}/",
        ],
        settings_module=settings_module,
    )


def payables_enable(*, client_id: str, base_url: str, settings_module: str) -> str:
    """Let the client create payables (scope, payee account on Uniqc's offline gateway) and
    register its webhook endpoint; returns the endpoint's signing secret (shown once)."""
    answer = uniqc_command(
        [
            "civic_city_setup",
            "--client-id",
            client_id,
            "--webhook-url",
            f"{base_url}/uniqc/webhooks",
        ],
        settings_module=settings_module,
    )
    return answer["webhook_secret"]


# Uniqc has no command yet that allows a client an API scope other than `payables`
# (civic_city_setup's), so this runs Uniqc's own service function, audited as Uniqc's
# admin page would, through `manage.py shell`. The client_id comes in by the environment.
SIGNATURES_ENABLE = """
import json, os
from identity.models import OidcClient
from identity.oidc.services import oidc_client_update
client = OidcClient.objects.get(client_id=os.environ["CITY_SETUP_CLIENT_ID"])
scopes = client.allowed_scopes.split()
if "signature_requests" not in scopes:
    client = oidc_client_update(
        client=client, acting_user=None, allowed_scopes=" ".join([*scopes, "signature_requests"])
    )
print(json.dumps({"allowed_scopes": client.allowed_scopes}))
"""


def signatures_enable(*, client_id: str, settings_module: str) -> None:
    """Allow the client the `signature_requests` scope (permit applications signed with
    the citizen's card); its webhook endpoint is the one payables_enable registered."""
    answer = uniqc_command(
        ["shell", "-c", SIGNATURES_ENABLE],
        settings_module=settings_module,
        extra_env={"CITY_SETUP_CLIENT_ID": client_id},
    )
    if "signature_requests" not in answer["allowed_scopes"].split():
        fail("Uniqc did not allow the client the scope signature_requests.")


# The calls for tenders Uniqc publishes (their key is made), for the tenders page; on a
# city's own Uniqc, the calls would be the city's.
TENDER_CALLS = """
import json
from civic.models import TenderCall
from civic.tender_access import KEYED
calls = TenderCall.objects.filter(status__in=KEYED).order_by("-deadline")
print(json.dumps({"calls": ",".join(str(call.public_id) for call in calls)}))
"""


def tender_calls(*, settings_module: str) -> str:
    """The ids of the calls Uniqc publishes, comma-separated, for CITY_TENDER_CALLS."""
    return uniqc_command(["shell", "-c", TENDER_CALLS], settings_module=settings_module)["calls"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer", default=os.environ.get("UNIQC_ISSUER", "http://localhost:8000"))
    parser.add_argument(
        "--base-url", default=os.environ.get("CITY_BASE_URL", "http://127.0.0.1:8010")
    )
    parser.add_argument("--name", default="Ville de Québec · Signaler un problème de voirie")
    parser.add_argument(
        "--uniqc-settings",
        default=os.environ.get("UNIQC_SETTINGS_MODULE", "config.settings.local"),
        help="Uniqc's DJANGO_SETTINGS_MODULE (default: config.settings.local).",
    )
    parser.add_argument("--force", action="store_true", help="Overwrite an existing .env.")
    options = parser.parse_args()
    issuer, base_url = options.issuer.rstrip("/"), options.base_url.rstrip("/")

    if ENV_FILE.exists() and not options.force:
        fail(f"{ENV_FILE.name} exists already; pass --force to register a new client.")
    named = discovery_issuer(issuer)
    if named != issuer:
        fail(f"Uniqc at {issuer} calls itself {named}: set SITE_URL or --issuer to agree.")
    client = register(name=options.name, base_url=base_url, settings_module=options.uniqc_settings)
    webhook_secret = payables_enable(
        client_id=client["client_id"], base_url=base_url, settings_module=options.uniqc_settings
    )
    signatures_enable(client_id=client["client_id"], settings_module=options.uniqc_settings)
    calls = tender_calls(settings_module=options.uniqc_settings)

    ENV_FILE.write_text(
        "# Written by setup_client.py; keep it out of git (it holds a secret).\n"
        f"UNIQC_ISSUER={issuer}\n"
        f"CITY_BASE_URL={base_url}\n"
        f"CITY_CLIENT_ID={client['client_id']}\n"
        f"CITY_CLIENT_SECRET={client['client_secret']}\n"
        f"CITY_WEBHOOK_SECRET={webhook_secret}\n"
        f"CITY_TENDER_CALLS={calls}\n"
        f"CITY_SECRET_KEY={secrets.token_urlsafe(50)}\n",
        encoding="utf-8",
    )
    ENV_FILE.chmod(0o600)
    sys.stdout.write(
        f"Registered client {client['client_id']} with Uniqc at {issuer}.\n"
        f"Wrote {ENV_FILE.relative_to(UNIQC_ROOT)}. Now: make -C examples/city_services run\n"
    )


if __name__ == "__main__":
    main()
