"""Signals catalog sends so that other apps can react without catalog importing them."""

from django.dispatch import Signal

# Whether or how products are published to ONE changed (their ``sync_to_one`` flag or their ONE sku), with
# ``product_ids``. Sent INSIDE the transaction of the change, so that a receiver's writes commit with it.
products_publication_changed = Signal()
