"""Celery tasks of payables: the money's moves at the gateway, after the commit, with no
row locked (civic.payables)."""

from celery import shared_task

from marketplace.errors import PaymentGatewayError

GATEWAY_RETRY = {
    "autoretry_for": (PaymentGatewayError, ConnectionError, TimeoutError),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(**GATEWAY_RETRY)
def payable_transfer_send(payable_pk: int) -> str:
    """A paid payable's amount goes to the service's payee account (retried: the stored
    key makes every try the same transfer)."""
    from civic.payables import payable_transfer_send as send

    return send(payable_pk=payable_pk)


@shared_task(**GATEWAY_RETRY)
def payable_refund_send(payable_pk: int) -> None:
    """A refunded payable's money goes back to its payer (retried, keyed the same way)."""
    from civic.payables import payable_refund_send as send

    send(payable_pk=payable_pk)
