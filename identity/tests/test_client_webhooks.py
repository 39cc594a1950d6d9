"""Webhooks to services (identity/webhooks.py): real deliveries to a receiver on 127.0.0.1
checked with the verifier written from docs/store-webhooks.md; one delivery per event and
subject; retries with back-off; the secret sealed and rotated; what we refuse to call; the
admin pages; and who may manage an endpoint (one test per refusal)."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core import webhooks as signed
from identity.models import (
    AuditEvent,
    ClientWebhookDelivery,
    ClientWebhookDeliveryStatus,
    ClientWebhookEndpoint,
)
from identity.oidc.services import oidc_client_create
from identity.roles import Role
from identity.webhooks import (
    ClientWebhookEndpointMissing,
    ClientWebhookUrlRefused,
    access_client_webhooks_manage,
    client_webhook_deliveries_sweep,
    client_webhook_endpoint_set,
    client_webhook_ping,
    client_webhook_secret_rotate,
    client_webhook_send,
)
from marketplace.tests.webhook_receiver import Receiver, verify

pytestmark = pytest.mark.django_db

STORE_VECTOR_SECRET = "whsec_test_4pS2Ue0bX1x0ZtWc9Qm7aKf3"
STORE_VECTOR_BODY = (
    b'{"created":1764518400,"data":{"store":{"name":"Epicerie Saint-Roch",'
    b'"slug":"epicerie-saint-roch"}},"id":"evt_0123456789abcdef01234567","type":"ping"}'
)
STORE_VECTOR_HEADER = (
    "t=1764518460,v1=7055c1a463c3fdf01061909011e137dfa74b669dfe30020e7983f1ac73f05b39"
)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def receiver():
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def city():
    return oidc_client_create(
        name="Ville de Québec", redirect_uris=["https://ville.example/cb"]
    ).client


@pytest.fixture
def endpoint(city, receiver):
    found, secret = client_webhook_endpoint_set(
        client=city, url=receiver.url, enabled=True, acting_user=None
    )
    found.secret = secret
    return found


@pytest.fixture
def staff(make_user):
    person = make_user("admin@example.com", roles=(Role.COOP_ADMIN,))
    person.user_permissions.add(*Permission.objects.filter(codename__endswith="oidcclient"))
    return type(person).objects.get(pk=person.pk)


def _send(city, subject="p-1", event_type="payable.paid"):
    return client_webhook_send(
        client=city, event_type=event_type, subject=subject, data={"id": subject}
    )


def test_the_store_signature_vector_holds_for_core_webhooks():
    assert (
        signed.signature_header(
            secrets_=[STORE_VECTOR_SECRET], timestamp=1764518460, body=STORE_VECTOR_BODY
        )
        == STORE_VECTOR_HEADER
    )
    assert verify(STORE_VECTOR_HEADER, STORE_VECTOR_BODY, STORE_VECTOR_SECRET, now=1764518460)


def test_an_event_reaches_the_service_signed_as_the_docs_say(city, endpoint, receiver, committed):
    with committed():
        delivery = _send(city)
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert verify(got.headers["Uniqc-Signature"], got.body, endpoint.secret)
    assert not verify(got.headers["Uniqc-Signature"], got.body, "whsec_wrong")
    assert got.headers["Uniqc-Event-Id"] == delivery.event_id
    assert got.headers["Uniqc-Event-Type"] == "payable.paid"
    body = json.loads(got.body)
    assert body == {
        "created": body["created"],
        "data": {"id": "p-1"},
        "id": delivery.event_id,
        "type": "payable.paid",
    }
    delivery.refresh_from_db()
    assert delivery.status == ClientWebhookDeliveryStatus.SUCCEEDED
    assert delivery.attempts == 1
    assert delivery.next_attempt_at is None


def test_the_secret_is_kept_sealed(endpoint):
    row = ClientWebhookEndpoint.objects.get(pk=endpoint.pk)
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret not in row.secret_sealed


def test_one_delivery_per_event_and_subject(city, endpoint, receiver, committed):
    with committed():
        first = _send(city)
        again = _send(city)
        other = _send(city, subject="p-2")
    assert again.pk == first.pk
    assert other.pk != first.pk
    assert ClientWebhookDelivery.objects.count() == 2
    assert len(receiver.received) == 2


def test_no_endpoint_or_a_disabled_one_sends_nothing(city, receiver):
    assert _send(city) is None
    client_webhook_endpoint_set(client=city, url=receiver.url, enabled=False, acting_user=None)
    assert _send(city) is None
    assert not ClientWebhookDelivery.objects.exists()


def test_a_rolled_back_change_sends_nothing(city, endpoint, receiver, committed):
    with committed():
        try:
            with transaction.atomic():
                _send(city)
                raise RuntimeError("the caller's change failed")
        except RuntimeError:
            pass
    assert not ClientWebhookDelivery.objects.exists()
    assert receiver.received == []


def test_an_unknown_event_type_is_refused(city, endpoint):
    with pytest.raises(ValueError):
        _send(city, event_type="payable.stolen")


def test_failures_are_retried_with_back_off_then_fail(city, endpoint, receiver, committed):
    receiver.answers.extend([500] * signed.MAX_ATTEMPTS)
    with committed():
        delivery = _send(city)
    delivery.refresh_from_db()
    assert delivery.status == ClientWebhookDeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.last_response_status == 500
    now = timezone.now()
    assert client_webhook_deliveries_sweep(now=now) == 0  # not due yet
    for number in range(2, signed.MAX_ATTEMPTS + 1):
        delivery.refresh_from_db()
        wait = signed.BACKOFF[number - 2]
        assert delivery.next_attempt_at - now >= wait - timedelta(seconds=5)
        ClientWebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        assert client_webhook_deliveries_sweep() == 1
        now = timezone.now()
    delivery.refresh_from_db()
    assert delivery.status == ClientWebhookDeliveryStatus.FAILED
    assert delivery.attempts == signed.MAX_ATTEMPTS
    assert delivery.next_attempt_at is None
    assert len(receiver.received) == signed.MAX_ATTEMPTS
    assert len({r.headers["Uniqc-Event-Id"] for r in receiver.received}) == 1


def test_a_redirect_is_a_failure_and_is_not_followed(city, endpoint, receiver, committed):
    receiver.answers.append(("redirect", receiver.url + "/elsewhere"))
    with committed():
        delivery = _send(city)
    delivery.refresh_from_db()
    assert delivery.status == ClientWebhookDeliveryStatus.PENDING
    assert delivery.last_response_status == 302
    assert len(receiver.received) == 1


def test_a_leased_delivery_is_not_attempted_again(city, endpoint, receiver):
    delivery = _send(city)
    ClientWebhookDelivery.objects.filter(pk=delivery.pk).update(
        leased_until=timezone.now() + timedelta(minutes=1)
    )
    assert client_webhook_deliveries_sweep() == 0
    ClientWebhookDelivery.objects.filter(pk=delivery.pk).update(
        leased_until=timezone.now() - timedelta(seconds=1)
    )
    assert client_webhook_deliveries_sweep() == 1
    assert len(receiver.received) == 1


def test_a_rotation_signs_with_both_secrets_for_a_day(city, endpoint, receiver, committed):
    new = client_webhook_secret_rotate(endpoint=endpoint, acting_user=None)
    with committed():
        _send(city)
    got = receiver.received[0]
    assert got.headers["Uniqc-Signature"].count("v1=") == 2
    assert verify(got.headers["Uniqc-Signature"], got.body, new)
    assert verify(got.headers["Uniqc-Signature"], got.body, endpoint.secret)
    ClientWebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    with committed():
        _send(city, subject="p-2")
    later = receiver.received[1]
    assert later.headers["Uniqc-Signature"].count("v1=") == 1
    assert not verify(later.headers["Uniqc-Signature"], later.body, endpoint.secret)
    assert verify(later.headers["Uniqc-Signature"], later.body, new)


def test_a_ping_is_sent_and_audited(endpoint, receiver, committed, staff):
    with committed():
        first = client_webhook_ping(endpoint=endpoint, acting_user=staff)
        second = client_webhook_ping(endpoint=endpoint, acting_user=staff)
    assert first.pk != second.pk
    assert [json.loads(r.body)["type"] for r in receiver.received] == ["ping", "ping"]
    assert AuditEvent.objects.filter(action="oidc_client.webhook_ping").count() == 2


def test_a_ping_to_a_disabled_endpoint_is_refused(city, endpoint, receiver):
    client_webhook_endpoint_set(client=city, url=receiver.url, enabled=False, acting_user=None)
    endpoint.refresh_from_db()
    with pytest.raises(ClientWebhookEndpointMissing):
        client_webhook_ping(endpoint=endpoint, acting_user=None)


def test_switching_on_makes_waiting_deliveries_due(city, endpoint, receiver):
    delivery = _send(city)
    client_webhook_endpoint_set(client=city, url=receiver.url, enabled=False, acting_user=None)
    ClientWebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    assert client_webhook_deliveries_sweep() == 0
    client_webhook_endpoint_set(client=city, url=receiver.url, enabled=True, acting_user=None)
    assert client_webhook_deliveries_sweep() == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/uniqc",
        "https://127.0.0.1/hooks",
        "https://10.0.0.5/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://user:pass@hooks.example.com/",
        "ftp://hooks.example.com/",
        "https://hooks example.com/",
    ],
)
def test_private_or_unsafe_urls_are_refused(url, city, settings):
    settings.MARKETPLACE_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ClientWebhookUrlRefused):
        client_webhook_endpoint_set(client=city, url=url, enabled=True, acting_user=None)
    assert not ClientWebhookEndpoint.objects.exists()


def test_a_url_that_turned_private_is_not_called(city, endpoint, receiver, settings, committed):
    with committed():
        settings.MARKETPLACE_WEBHOOK_ALLOW_PRIVATE = False
        delivery = _send(city)
    delivery.refresh_from_db()
    assert receiver.received == []
    assert delivery.status == ClientWebhookDeliveryStatus.PENDING
    assert "private" in delivery.last_response_excerpt or "https" in delivery.last_response_excerpt


def test_changes_are_audited(city, receiver, staff):
    endpoint, secret = client_webhook_endpoint_set(
        client=city, url=receiver.url, enabled=True, acting_user=staff
    )
    client_webhook_secret_rotate(endpoint=endpoint, acting_user=staff)
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == [
        "oidc_client.webhook_endpoint_created",
        "oidc_client.webhook_secret_rotated",
    ]
    assert all(secret not in json.dumps(e.detail) for e in AuditEvent.objects.all())


# --- Who may manage an endpoint (one test per refusal) ------------------------------------


def test_access_anonymous_is_refused(city):
    with pytest.raises(PermissionDenied):
        access_client_webhooks_manage(acting_user=AnonymousUser(), client=city)


def test_access_inactive_staff_is_refused(city, staff):
    staff.is_active = False
    with pytest.raises(PermissionDenied):
        access_client_webhooks_manage(acting_user=staff, client=city)


def test_access_not_staff_is_refused(city, make_user):
    person = make_user("someone@example.com")
    person.user_permissions.add(*Permission.objects.filter(codename__endswith="oidcclient"))
    person = type(person).objects.get(pk=person.pk)
    with pytest.raises(PermissionDenied):
        access_client_webhooks_manage(acting_user=person, client=city)


def test_access_staff_without_the_client_permission_is_refused(city, make_user):
    person = make_user("support@example.com", roles=(Role.COOP_ADMIN,))
    person.user_permissions.remove(*Permission.objects.filter(codename="change_oidcclient"))
    person.groups.clear()
    person = type(person).objects.get(pk=person.pk)
    assert person.is_staff
    with pytest.raises(PermissionDenied):
        access_client_webhooks_manage(acting_user=person, client=city)


def test_access_staff_with_the_permission_and_the_system_are_allowed(city, staff):
    access_client_webhooks_manage(acting_user=staff, client=city)
    access_client_webhooks_manage(acting_user=None, client=city)


def test_the_services_check_access(city, endpoint, receiver, make_user):
    person = make_user("someone@example.com")
    with pytest.raises(PermissionDenied):
        client_webhook_endpoint_set(client=city, url=receiver.url, enabled=True, acting_user=person)
    with pytest.raises(PermissionDenied):
        client_webhook_secret_rotate(endpoint=endpoint, acting_user=person)
    with pytest.raises(PermissionDenied):
        client_webhook_ping(endpoint=endpoint, acting_user=person)


# --- The admin pages ----------------------------------------------------------------------


@pytest.fixture
def admin_client(client, staff):
    staff.user_permissions.add(
        *Permission.objects.filter(codename__endswith="clientwebhookendpoint"),
        *Permission.objects.filter(codename__endswith="clientwebhookdelivery"),
    )
    client.force_login(staff)
    return client


def _shown_secret(response) -> str:
    messages = [str(message) for message in response.context["messages"]]
    found = [re.search(r": (whsec_\S+)$", message) for message in messages]
    secrets = [match.group(1) for match in found if match]
    assert len(secrets) == 1, messages
    return secrets[0]


def test_the_admin_adds_an_endpoint_and_shows_its_secret_once(admin_client, city, receiver):
    response = admin_client.post(
        "/admin/identity/clientwebhookendpoint/add/",
        {"client": city.pk, "url": receiver.url, "enabled": "on"},
        follow=True,
    )
    endpoint = ClientWebhookEndpoint.objects.get()
    secret = _shown_secret(response)
    assert signed.secret_unseal(endpoint.secret_sealed) == secret
    listing = admin_client.get(f"/admin/identity/clientwebhookendpoint/{endpoint.pk}/change/")
    assert secret not in listing.content.decode()


def test_the_admin_refuses_a_private_url(admin_client, city, settings):
    settings.MARKETPLACE_WEBHOOK_ALLOW_PRIVATE = False
    response = admin_client.post(
        "/admin/identity/clientwebhookendpoint/add/",
        {"client": city.pk, "url": "https://127.0.0.1/hooks", "enabled": "on"},
    )
    assert response.status_code == 200
    assert "url" in response.context["adminform"].form.errors
    assert not ClientWebhookEndpoint.objects.exists()


def test_the_admin_rotates_and_pings(admin_client, endpoint, receiver, committed):
    response = admin_client.post(
        "/admin/identity/clientwebhookendpoint/",
        {"action": "secret_rotate", "_selected_action": [endpoint.pk]},
        follow=True,
    )
    new = _shown_secret(response)
    with committed():
        admin_client.post(
            "/admin/identity/clientwebhookendpoint/",
            {"action": "ping", "_selected_action": [endpoint.pk]},
            follow=True,
        )
    got = receiver.received[0]
    assert verify(got.headers["Uniqc-Signature"], got.body, new)
    log = admin_client.get("/admin/identity/clientwebhookdelivery/")
    assert log.status_code == 200
    assert ClientWebhookDelivery.objects.get().event_id in log.content.decode()


def test_the_payable_vector_of_the_docs_is_what_we_compute():
    from pathlib import Path

    from django.conf import settings as django_settings

    docs = (Path(django_settings.BASE_DIR) / "docs" / "service-webhooks.md").read_text()
    body = re.search(r"Body \(exact bytes\): `([^`]+)`", docs).group(1).encode()
    header = re.search(r"- Header: `([^`]+)`", docs).group(1)
    assert json.loads(body)["type"] == "payable.paid"
    assert (
        signed.signature_header(secrets_=[STORE_VECTOR_SECRET], timestamp=1764518460, body=body)
        == header
    )
    assert verify(header, body, STORE_VECTOR_SECRET, now=1764518460)
    payables_docs = (Path(django_settings.BASE_DIR) / "docs" / "payables.md").read_text()
    assert header.split("v1=")[1] in payables_docs
