"""Signals lockers sends to the apps above it (ARCHITECTURE.md: a lower app tells a higher
one through its own signals). Every one is sent after the transaction that made the change
commits, with `sender=Parcel` (or `Site`), and names the parcel by its object: a receiver
finds its own row through `parcel.external_reference`.
"""

from django.dispatch import Signal

# A courier took the parcel at its store (custody: courier). kwargs: parcel.
parcel_collected = Signal()

# The parcel is in its compartment. kwargs: parcel, site, compartment, pickup_code (the
# 6 plain digits, sent this once and never stored), expires_at.
parcel_in_locker = Signal()

# The shopper took the parcel (the door closed on an empty compartment). kwargs: parcel, at.
parcel_picked_up = Signal()

# The destination was full at deposit time and the parcel goes elsewhere. kwargs: parcel,
# from_site, to_site, reason (a code: "site_full" or "compartment_jammed"), distance_km.
parcel_redirected = Signal()

# The parcel has waited LOCKERS_REMINDER_HOURS. kwargs: parcel, expires_at.
parcel_pickup_reminder = Signal()

# The parcel's deadline moved once by LOCKERS_EXTENSION_HOURS. kwargs: parcel, expires_at.
parcel_extended = Signal()

# Not picked up in time: marked for retrieval. kwargs: parcel.
parcel_expired = Signal()

# The courier brought the parcel back to its store. kwargs: parcel.
parcel_returned = Signal()

# A hold ended without a deposit (payment failed or timed out). kwargs: reservation, parcel.
reservation_lapsed = Signal()

# Five wrong codes in a row locked a kiosk. sender=Site; kwargs: site, until.
kiosk_locked = Signal()
