"""Probes of the services the site depends on, for /healthz.

A service that is not configured reads "embedded" (SQLite, eager Celery, the simulated
locker controller): nothing to reach, nothing to fail. One that is configured but does
not answer within HEALTHZ_TIMEOUT reads "down".
"""

import logging
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

OK = "ok"
DOWN = "down"
EMBEDDED = "embedded"


def database_probe() -> str:
    status_if_ok = EMBEDDED if connection.vendor == "sqlite" else OK
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("healthz: database unreachable")
        return DOWN
    return status_if_ok


def broker_probe() -> str:
    url = settings.CELERY_BROKER_URL
    if not url:
        return EMBEDDED
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=settings.HEALTHZ_TIMEOUT) as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.HEALTHZ_TIMEOUT)
            # Redis accepts TCP before it is ready to serve; ask it something.
            if conn.transport_cls in ("redis", "rediss"):
                conn.default_channel.client.ping()
    except Exception as exc:
        logger.warning("healthz: broker unreachable: %s", exc)
        return DOWN
    return OK


def mqtt_probe() -> str:
    url = settings.MQTT_URL
    if not url:
        return EMBEDDED
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (8883 if parts.scheme == "mqtts" else 1883)
    try:
        return OK if _mqtt_connack(host, port, settings.HEALTHZ_TIMEOUT, parts) else DOWN
    except OSError as exc:
        logger.warning("healthz: MQTT broker unreachable: %s", exc)
        return DOWN


def _mqtt_connack(host: str, port: int, timeout: float, parts) -> bool:
    """Open an MQTT 3.1.1 session and report whether the broker accepted it."""
    import paho.mqtt.client as mqtt

    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id="",
        protocol=mqtt.MQTTv311,
        clean_session=True,
    )
    if parts.username:
        client.username_pw_set(parts.username, parts.password)
    if parts.scheme == "mqtts":
        client.tls_set()
    result: dict[str, bool] = {}

    def on_connect(_client, _userdata, _flags, reason_code, _properties) -> None:
        result["accepted"] = not reason_code.is_failure

    client.on_connect = on_connect
    socket.setdefaulttimeout(timeout)
    try:
        client.connect(host, port, keepalive=10)
        deadline_loops = max(1, int(timeout / 0.05))
        for _ in range(deadline_loops):
            client.loop(timeout=0.05)
            if "accepted" in result:
                break
        client.disconnect()
    finally:
        socket.setdefaulttimeout(None)
    return result.get("accepted", False)


def health_report() -> tuple[bool, dict[str, str]]:
    """Probe every service; healthy when none is down."""
    checks = {
        "database": database_probe(),
        "broker": broker_probe(),
        "mqtt": mqtt_probe(),
    }
    return DOWN not in checks.values(), checks
