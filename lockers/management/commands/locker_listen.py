"""`manage.py locker_listen`: the server's side of the locker controllers over MQTT.

Run it as a long-lived process beside the Celery worker (one per deployment; two are
harmless, every message applies once). It subscribes to every site's acks, events and
heartbeats with a persistent session, verifies each message and applies it. With
`--maintain` it also resends unacknowledged commands and chases missing events every
few seconds, for deployments without Celery beat.
"""

import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lockers.controller_transport import MqttListener
from lockers.controllers import controller_message_receive, controllers_maintain


class Command(BaseCommand):
    help = "Receive the locker controllers' acks, events and heartbeats over MQTT."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--maintain",
            type=float,
            default=0,
            metavar="SECONDS",
            help="also resend commands and chase missing events every SECONDS",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.MQTT_URL:
            raise CommandError("MQTT_URL is not set: the in-process controller needs no listener.")
        listener = MqttListener(
            receive=controller_message_receive,
            client_id=settings.LOCKERS_MQTT_LISTENER_CLIENT_ID,
        )
        stopped = threading.Event()
        if options["maintain"] > 0:

            def maintain() -> None:
                while not stopped.wait(options["maintain"]):
                    controllers_maintain()

            threading.Thread(target=maintain, daemon=True).start()
        self.stdout.write(f"listening on {settings.MQTT_URL} under {listener.root}/+/…")
        try:
            listener.run_forever()
        except KeyboardInterrupt:
            pass
        finally:
            stopped.set()
