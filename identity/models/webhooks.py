"""Signed webhooks to services (OIDC clients): signature requests and payables.

Shaped like the stores' WebhookEndpoint/WebhookDelivery (marketplace), signed with the
same scheme (core/webhooks.py, docs/store-webhooks.md).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity.models.oidc import OidcClient


class ClientWebhookEvent(models.TextChoices):
    PING = "ping", "ping"
    SIGNATURE_REQUEST_SIGNED = "signature_request.signed", "signature_request.signed"
    SIGNATURE_REQUEST_DECLINED = "signature_request.declined", "signature_request.declined"
    SIGNATURE_REQUEST_EXPIRED = "signature_request.expired", "signature_request.expired"
    SIGNATURE_REQUEST_CANCELLED = "signature_request.cancelled", "signature_request.cancelled"
    PAYABLE_PAID = "payable.paid", "payable.paid"
    PAYABLE_REFUNDED = "payable.refunded", "payable.refunded"
    PAYABLE_CANCELLED = "payable.cancelled", "payable.cancelled"
    DOCUMENT_SHARED = "document.shared", "document.shared"


class ClientWebhookEndpoint(models.Model):
    """Where a service hears about its requests: one URL per client, signed with a secret
    kept sealed (Fernet under KEY_ENCRYPTION_KEY); after a rotation the previous one also
    signs until `previous_secret_expires_at`."""

    client = models.OneToOneField(
        OidcClient,
        on_delete=models.CASCADE,
        related_name="webhook_endpoint",
        verbose_name=_("service"),
    )
    url = models.CharField(_("URL"), max_length=500)
    secret_sealed = models.TextField(_("signing secret (sealed)"))
    previous_secret_sealed = models.TextField(_("previous signing secret (sealed)"), blank=True)
    previous_secret_expires_at = models.DateTimeField(
        _("previous secret signs until"), null=True, blank=True
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("service webhook endpoint")
        verbose_name_plural = _("service webhook endpoints")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(previous_secret_sealed="")
                | models.Q(previous_secret_expires_at__isnull=False),
                name="identity_clientwebhookendpoint_previous_secret_expires",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} → {self.url}"


class ClientWebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class ClientWebhookDelivery(models.Model):
    """One event for one service: the exact bytes sent, the same on every attempt."""

    endpoint = models.ForeignKey(
        ClientWebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    event_id = models.CharField(_("event id"), max_length=40)
    event_type = models.CharField(_("event"), max_length=40, choices=ClientWebhookEvent.choices)
    # What the event is about (a request's or payable's id): one event of a type per subject.
    subject = models.CharField(_("about"), max_length=40, blank=True)
    payload = models.TextField(_("body sent"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ClientWebhookDeliveryStatus.choices,
        default=ClientWebhookDeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # A worker's claim on the delivery while it sends it.
    leased_until = models.DateTimeField(_("leased until"), null=True, blank=True)
    last_response_status = models.PositiveSmallIntegerField(
        _("last response status"), null=True, blank=True
    )
    last_response_excerpt = models.CharField(_("last response"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("service webhook delivery")
        verbose_name_plural = _("service webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event_id"], name="identity_clientwebhookdelivery_event"
            ),
            models.UniqueConstraint(
                fields=["endpoint", "event_type", "subject"],
                condition=~models.Q(event_type="ping"),
                name="identity_clientwebhookdelivery_one_per_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ClientWebhookDeliveryStatus.values),
                name="identity_clientwebhookdelivery_status_valid",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status="pending", next_attempt_at__isnull=False)
                    | (~models.Q(status="pending") & models.Q(next_attempt_at__isnull=True))
                ),
                name="identity_clientwebhookdelivery_pending_has_next_attempt",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="identity_cwebhook_due"),
            models.Index(fields=["endpoint", "-created_at"], name="identity_cwebhook_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.event_type}"
