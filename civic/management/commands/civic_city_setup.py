"""`manage.py civic_city_setup --client-id … [--webhook-url …] --json`: let a city's OIDC
client create payables on a development site — the `payables` scope, a payee account on
the offline gateway, and its webhook endpoint — and print the endpoint's signing secret
once. examples/city_services/setup_client.py runs it. Refused in production (the offline
gateway moves no money)."""

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civic.payable_demo import city_payables_enable
from identity.models import OidcClient
from identity.webhooks import ClientWebhookUrlRefused


class Command(BaseCommand):
    help = "Let a city client create payables here (offline gateway), with its webhook."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--webhook-url", default="")
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.MARKETPLACE_PAYMENT_GATEWAY != "offline":
            raise CommandError("Payments here do not go through the offline gateway.")
        client = OidcClient.objects.filter(client_id=options["client_id"]).first()
        if client is None:
            raise CommandError("No client has this client_id.")
        try:
            secret = city_payables_enable(client=client, webhook_url=options["webhook_url"])
        except (ClientWebhookUrlRefused, ValidationError) as refused:
            raise CommandError(str(refused)) from refused
        result = {"client_id": client.client_id, "webhook_secret": secret}
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            for name, value in result.items():
                self.stdout.write(f"{name}: {value}")
