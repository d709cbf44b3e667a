"""The outbox senders of OneWarehouse's message kinds (registered in ``apps.py``).

Each takes an ``OutboxMessage`` and returns what the peer answered (the call's path and body are the active
profile's; its path may name the order's warehouse); the client raises ``CallFailed`` (retried
with backoff) or ``RequestRejected`` (dead at once, shown to staff).
"""

from wms.core.errors import DomainError
from wms.inbound.selectors import inbound_order_by_pk
from wms.outbound.models import OUTBOUND_FLOW
from wms.outbound.selectors import outbound_order_by_pk
from wms.outbound.services import outbound_order_label_store
from wms.outbox.models import OutboxMessage
from wms.outbox.registry import PermanentSendError

from .client import OneWarehouseClient


def inbound_callback_send(message: OutboxMessage) -> dict:
    order = inbound_order_by_pk(pk=message.aggregate_id)
    if order is None:
        raise PermanentSendError(f"inbound order #{message.aggregate_id} does not exist")
    return OneWarehouseClient().inbound_callback_send(payload=message.payload, outbox_message_id=message.pk,
                                                      warehouse_code=order.warehouse.code)


def shipping_label_send(message: OutboxMessage) -> dict:
    """Fetch the label and store it on the order. The order's state is checked again before the peer is asked:
    OneWarehouse must never get a label request for a shipped order."""
    order = outbound_order_by_pk(pk=message.aggregate_id)
    if order is None:
        raise PermanentSendError(f"outbound order #{message.aggregate_id} does not exist")
    if not OUTBOUND_FLOW.allows(order, "label"):
        raise PermanentSendError(f"outbound order {order.outbound_order_no} is {order.status}; "
                                 "a label can no longer be fetched")
    answer, content = OneWarehouseClient().label_fetch(outbound_order_no=order.outbound_order_no,
                                                       outbox_message_id=message.pk,
                                                       warehouse_code=order.warehouse.code)
    try:
        order = outbound_order_label_store(order_id=order.pk, content=content, label_format=answer.label_format,
                                           tracking_no=answer.tracking_no)
    except DomainError as exc:  # shipped or cancelled meanwhile, or a file that is no label: asking again won't help
        raise PermanentSendError(str(exc)) from exc
    return {"tracking_no": answer.tracking_no, "label_format": order.label_format,
            "source": "label_base64" if answer.label_base64 else "label_url", "bytes": len(content)}


def outbound_callback_send(message: OutboxMessage) -> dict:
    order = outbound_order_by_pk(pk=message.aggregate_id)
    if order is None:
        raise PermanentSendError(f"outbound order #{message.aggregate_id} does not exist")
    return OneWarehouseClient().outbound_callback_send(payload=message.payload, outbox_message_id=message.pk,
                                                       warehouse_code=order.warehouse.code)


SENDERS = {
    OutboxMessage.Kind.INBOUND_CALLBACK: inbound_callback_send,
    OutboxMessage.Kind.SHIPPING_LABEL: shipping_label_send,
    OutboxMessage.Kind.OUTBOUND_CALLBACK: outbound_callback_send,
}
