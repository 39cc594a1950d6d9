"""The demo bakery's webhook: an endpoint on this machine with a few deliveries in its log,
one of which failed once (the receiver answered 500) and succeeded on its retry. They are
real deliveries, signed and POSTed by the webhook code to a small receiver started for
the seeding and stopped after it. Made once: a reload finds the endpoint and writes
nothing."""

import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.demo import DemoSummary
from identity.models import User
from marketplace.models import (
    Shipment,
    ShipmentStatus,
    Store,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
)
from marketplace.webhooks import (
    shipment_event_data,
    webhook_delivery_attempt,
    webhook_endpoint_create,
    webhook_event_record,
)

BAKERY = "boulangerie-du-faubourg"
OWNER = "store@demo.uniqc.coop"
# Where the bakery's systems would listen; nothing does after the seeding, so events of
# `make run` wait and are retried (the log shows it) until something answers there.
DEMO_PORT = 8765
DEMO_PATH = "/webhooks/uniqc"


class _DemoReceiver(BaseHTTPRequestHandler):
    """Fails the first POST it gets, then accepts."""

    failures_left = 1

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        failing = _DemoReceiver.failures_left > 0
        _DemoReceiver.failures_left -= 1
        self.send_response(500 if failing else 204)
        self.end_headers()
        if failing:
            self.wfile.write(b"temporarily unavailable")

    def log_message(self, *args: object) -> None:
        pass


def _server() -> ThreadingHTTPServer:
    try:
        return ThreadingHTTPServer(("127.0.0.1", DEMO_PORT), _DemoReceiver)
    except OSError:
        return ThreadingHTTPServer(("127.0.0.1", 0), _DemoReceiver)


def webhooks_demo_load(
    *, summary: DemoSummary, people: Mapping[str, User], stores: Mapping[str, Store]
) -> None:
    bakery, owner = stores.get(BAKERY), people.get(OWNER)
    if bakery is None or owner is None or WebhookEndpoint.objects.filter(store=bakery).exists():
        summary.count("webhook endpoints", False)
        return
    if not settings.MARKETPLACE_WEBHOOK_ALLOW_PRIVATE:
        return  # the demo's receiver is on this machine
    _DemoReceiver.failures_left = 1
    server = _server()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}{DEMO_PATH}"
        endpoint, _secret = webhook_endpoint_create(
            store=bakery,
            url=url,
            events=[
                WebhookEvent.ORDER_PAID,
                WebhookEvent.ORDER_CANCELLED,
                WebhookEvent.PARCEL_PICKED_UP,
            ],
            acting_user=owner,
        )
        shipments = list(
            Shipment.objects.filter(store=bakery)
            .exclude(status__in=[ShipmentStatus.PLACED, ShipmentStatus.CANCELLED])
            .select_related("order")
            .order_by("pk")[:3]
        )
        recorded = []
        with transaction.atomic():
            for shipment in shipments:
                recorded.append(
                    webhook_event_record(
                        endpoint=endpoint,
                        event_type=WebhookEvent.ORDER_PAID,
                        subject=shipment.number,
                        data=shipment_event_data(shipment),
                    )
                )
                if shipment.status == ShipmentStatus.PICKED_UP:
                    recorded.append(
                        webhook_event_record(
                            endpoint=endpoint,
                            event_type=WebhookEvent.PARCEL_PICKED_UP,
                            subject=shipment.number,
                            data=shipment_event_data(shipment),
                        )
                    )
        # Each is attempted now (the first fails), then the failed one "a minute later".
        for delivery in recorded:
            webhook_delivery_attempt(delivery_id=delivery.pk)
        for delivery in WebhookDelivery.objects.filter(
            endpoint=endpoint, status=WebhookDeliveryStatus.PENDING
        ):
            WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
            webhook_delivery_attempt(delivery_id=delivery.pk)
        if server.server_address[1] != DEMO_PORT:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
                url=f"http://127.0.0.1:{DEMO_PORT}{DEMO_PATH}"
            )
    finally:
        server.shutdown()
        server.server_close()
    summary.count("webhook endpoints", True)
