import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from identity.models import IdTokenAlg
from identity.oidc.services import oidc_client_create


class Command(BaseCommand):
    help = "Register an OpenID Connect client; its secret is printed once and never stored."

    def add_arguments(self, parser: CommandParser) -> None:
        subcommands = parser.add_subparsers(dest="action", required=True)
        create = subcommands.add_parser("create", help="Register a client.")
        create.add_argument("--name", required=True)
        create.add_argument("--redirect-uri", dest="redirect_uris", action="append", required=True)
        create.add_argument(
            "--post-logout-uri", dest="post_logout_redirect_uris", action="append", default=[]
        )
        create.add_argument("--public", action="store_true", help="No secret; PKCE required.")
        create.add_argument(
            "--no-pkce",
            dest="pkce_required",
            action="store_false",
            help="An old confidential client that cannot send PKCE (OAuth 2.1 wants it).",
        )
        create.add_argument("--alg", choices=IdTokenAlg.values, default=IdTokenAlg.ES256)
        create.add_argument("--internal", action="store_true", help="Coop service: public sub.")
        create.add_argument(
            "--sector-identifier-uri",
            default="",
            help="https URL of a JSON array listing the redirect URIs; required when they "
            "are on more than one host. Its host is the sector.",
        )
        create.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            created = oidc_client_create(
                name=options["name"],
                redirect_uris=options["redirect_uris"],
                post_logout_redirect_uris=options["post_logout_redirect_uris"],
                is_public=options["public"],
                is_internal=options["internal"],
                pkce_required=options["pkce_required"],
                id_token_alg=options["alg"],
                sector_identifier_uri=options["sector_identifier_uri"],
            )
        except ValidationError as error:
            messages = [
                f"{field}: {message}"
                for field, field_messages in error.message_dict.items()
                for message in field_messages
            ]
            raise CommandError("; ".join(messages)) from error
        result = {"client_id": created.client.client_id}
        if created.client_secret is not None:
            result["client_secret"] = created.client_secret
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            for name, value in result.items():
                self.stdout.write(f"{name}: {value}")
