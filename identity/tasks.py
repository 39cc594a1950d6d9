"""Celery tasks of identity: they take ids, load rows, and mail or call a service."""

import logging
import smtplib
from typing import Any

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from identity import services
from identity.card.issuance import CHECK_LIFETIME
from identity.card.services import cards_pending_abandon
from identity.models import User
from identity.oidc.services import oidc_tokens_prune
from identity.tokens import email_verification_token

logger = logging.getLogger(__name__)

MAIL_RETRY = {
    "autoretry_for": (smtplib.SMTPException, ConnectionError, TimeoutError),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 5,
}


def _link(url_name: str, user: User, token: str) -> str:
    """An absolute link on SITE_URL, never on the Host header a request happened to carry."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse(url_name, kwargs={"uidb64": uidb64, "token": token})
    return f"{settings.SITE_URL}{path}"


def mail_user(user: User, template_prefix: str, context: dict[str, Any]) -> None:
    """Render `<prefix>_subject.txt` and `<prefix>_body.txt` in the person's language and send."""
    context = {"user": user, "site_url": settings.SITE_URL, **context}
    with translation.override(user.preferred_language):
        subject = render_to_string(f"{template_prefix}_subject.txt", context)
        body = render_to_string(f"{template_prefix}_body.txt", context)
    subject = " ".join(subject.split())
    send_mail(subject, body, None, [user.email])


@shared_task(**MAIL_RETRY)
def send_email_verification(user_id: int) -> None:
    """Mail the person a link that verifies their address, unless it is verified already."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.email_verified:
        return
    link = _link("identity:verify_email", user, email_verification_token.make_token(user))
    mail_user(
        user,
        "identity/email/verify_email",
        {"link": link, "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
    )


@shared_task(**MAIL_RETRY)
def send_sign_up_attempt_email(user_id: int) -> None:
    """Tell the owner of an address that someone tried to open an account with it.

    Sign-up answers the same whether or not the address has an account; this mail is how
    the person who typed it learns the difference, in their own inbox.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    mail_user(
        user,
        "identity/email/sign_up_attempt",
        {
            "sign_in_link": f"{settings.SITE_URL}{reverse('identity:login')}",
            "reset_link": f"{settings.SITE_URL}{reverse('identity:password_reset')}",
        },
    )


@shared_task(**MAIL_RETRY)
def send_password_reset_email(user_id: int) -> None:
    """Mail the person a link to choose a new password, if they may still reset one.

    The token is made here, not where the reset was asked for, so that it never travels
    through the broker.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    link = _link("identity:password_reset_confirm", user, default_token_generator.make_token(user))
    mail_user(
        user,
        "identity/email/password_reset",
        {"link": link, "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600},
    )


@shared_task
def prune_unverified_accounts() -> int:
    """Nightly (CELERY_BEAT_SCHEDULE): delete accounts never verified and left unused."""
    return services.user_prune_unverified()


@shared_task
def prune_oidc_tokens() -> dict:
    """Hourly (CELERY_BEAT_SCHEDULE): delete expired and revoked tokens, old codes, and
    the grants they leave empty; a service asking for a token a second keeps the tables
    no larger than an hour of its tokens."""
    counts = oidc_tokens_prune()
    logger.info("OpenID Connect rows pruned: %s", counts)
    return counts


@shared_task(name="identity.tasks.cards_pending_abandon")
def cards_pending_abandon_task() -> int:
    """Every ten minutes (CELERY_BEAT_SCHEDULE): revoke, as abandoned, the certificates the
    card CA signed that no registrar confirmed within the issuance's lifetime."""
    return cards_pending_abandon(older_than=CHECK_LIFETIME)


# --- Webhooks to services (identity/webhooks.py) ------------------------------------------


@shared_task
def client_webhook_delivery_send(delivery_id: int) -> None:
    """The first attempt of a service's delivery, right after its commit; a failure waits
    for the sweep (no Celery retry: the row says when)."""
    from identity.webhooks import client_webhook_attempt

    client_webhook_attempt(delivery_id=delivery_id)


@shared_task
def client_webhook_deliveries_sweep() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): attempt the services' deliveries that are due."""
    from identity.webhooks import client_webhook_deliveries_sweep as sweep

    return sweep()


@shared_task
def signature_requests_expire() -> int:
    """Every five minutes (CELERY_BEAT_SCHEDULE): close the signature requests past their
    expiry; each service hears signature_request.expired."""
    from identity.signing.services import signature_requests_expire as expire

    return expire()
