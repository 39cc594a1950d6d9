"""What payables do when the marketplace hands on a payment event whose intent is not an
order's (marketplace.signals): the payable's own settle, idempotent."""

from civic import payable_tasks  # noqa: F401 - registers the tasks in every worker
from civic.payables import payable_payment_failed, payable_payment_succeeded
from marketplace.signals import payment_failed, payment_succeeded

payment_succeeded.connect(payable_payment_succeeded, dispatch_uid="civic_payable_succeeded")
payment_failed.connect(payable_payment_failed, dispatch_uid="civic_payable_failed")
