"""Signals inventory sends so that other apps can react without inventory importing them."""

from django.dispatch import Signal

# Sellable units became available in a warehouse (goods received, a reservation given back). Sent after commit,
# with ``warehouse_id``. wms.outbound listens and re-runs allocation of its backordered orders.
stock_available_increased = Signal()


def available_increased_notify(*, warehouse_id: int) -> None:
    from django.db import transaction

    transaction.on_commit(
        lambda: stock_available_increased.send(sender="wms.inventory", warehouse_id=warehouse_id)
    )


# Stock levels of ``product_ids`` in ``warehouse_id`` moved. Sent INSIDE the move's transaction (not after commit),
# so that a receiver's writes (e.g. the ONE sync's change capture) commit or roll back with the move.
stock_levels_changed = Signal()
