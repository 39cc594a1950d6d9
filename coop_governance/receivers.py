"""What the governance app does when something happens elsewhere: a payment event for a
share purchase, handed on by the marketplace (marketplace.signals)."""

from coop_governance.joining import share_purchase_payment_failed, share_purchase_payment_succeeded
from marketplace.signals import payment_failed, payment_succeeded

payment_succeeded.connect(
    share_purchase_payment_succeeded, dispatch_uid="coop_governance_share_purchase_succeeded"
)
payment_failed.connect(
    share_purchase_payment_failed, dispatch_uid="coop_governance_share_purchase_failed"
)
