"""Signals the locker controllers send once a site's event is applied (once, in order).

compartment_door_event: sender=Site, kwargs site, compartment_label, kind ("opened" or
    "closed"), occupied (bool, or None when the door has no sensor or opened), at (aware
    datetime), sequence (int), command_id (UUID or None).
compartment_jammed: sender=Site, kwargs site, compartment_label, at, sequence, command_id:
    the lock was driven and the door did not open.

Receivers run inside the transaction that applies the event: if one raises, the event
stays unapplied and is tried again.
"""

from django.dispatch import Signal

compartment_door_event = Signal()
compartment_jammed = Signal()
