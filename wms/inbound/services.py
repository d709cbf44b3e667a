from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from wms.catalog.selectors import order_items_resolve, order_line_for_code, order_lines_owner_check
from wms.catalog.services import owner_get_or_create, product_placeholder_ensure
from wms.core.actors import ONEWAREHOUSE, actor_user
from wms.core.db import INTEGER_COLUMN_MAX as POSITIVE_INT_MAX
from wms.core.db import atomic_with_retry, lock_for_update
from wms.core.errors import CancelRefused, Conflict, DomainValidationError, InvalidTransition, NotFound
from wms.core.events import order_event_record
from wms.core.hashing import content_fingerprint, content_fingerprint_matches
from wms.core.models import OrderEvent
from wms.core.roles import Role, role_require, user_has_role
from wms.core.transitions import transition_check
from wms.inventory.models import Location
from wms.inventory.selectors import location_for_scan, putaway_bin_suggest, warehouse_for_order
from wms.inventory.services import StockLine, stock_receive, stock_transfer
from wms.outbox.models import OutboxMessage
from wms.outbox.selectors import outbox_latest_for
from wms.outbox.services import outbox_message_enqueue, outbox_message_retry

from .models import INBOUND_FLOW, InboundOrder, InboundOrderLine, PutawayTask

Status = InboundOrder.Status
Aggregate = OutboxMessage.Aggregate
Event = OrderEvent.Kind
RECEIVING_ROLES = (Role.RECEIVER, Role.SUPERVISOR)


@dataclass(frozen=True)
class LineCount:
    """What staff counted on a line so far (absolute, not added)."""

    line_id: int
    good: int
    damaged: int = 0


@transaction.atomic
def inbound_order_upsert(*, inbound_order_no: str, order_type: str, warehouse_code: str, owner_code: str,
                         items: list[dict], expected_arrival_at: datetime | None = None, tracking_no: str = "",
                         carrier: str = "", remark: str = "", original_order_no: str = "",
                         platform_order_no: str = "", unknown_sku_placeholders: bool = False
                         ) -> tuple[InboundOrder, bool]:
    """Create an inbound order, or update it while nothing has been counted. Returns (order, created).

    The same content again changes nothing; an update after receiving started is refused (``invalid_state``).
    An unknown sku_id is refused (``UnknownSku``), or with ``unknown_sku_placeholders`` gets a placeholder product
    of the order's merchant (``product_placeholder_ensure``), completed by its product sync.
    """
    header = {"expected_arrival_at": expected_arrival_at, "tracking_no": tracking_no, "carrier": carrier,
              "remark": remark, "original_order_no": original_order_no, "platform_order_no": platform_order_no}
    content = {"order_type": order_type, "warehouse_code": warehouse_code, "owner_code": owner_code,
               "items": items, **header}
    # The lines are a set (a sku_id at most once): the same lines in another order are the same order.
    fingerprint = content_fingerprint(content, unordered=("items",))
    warehouse = warehouse_for_order(warehouse_code=warehouse_code)
    if unknown_sku_placeholders:
        product_placeholder_ensure(sku_ids=[item["sku_id"] for item in items], owner_code=owner_code)
    resolved = order_items_resolve(items=items, owner_code=owner_code)
    owner = owner_get_or_create(owner_code=owner_code)

    order = lock_for_update(InboundOrder.objects).filter(inbound_order_no=inbound_order_no).first()
    if order is None:
        try:
            with transaction.atomic():
                order = InboundOrder.objects.create(
                    inbound_order_no=inbound_order_no, order_type=order_type, warehouse=warehouse, owner=owner,
                    content_hash=fingerprint, **header,
                )
        except IntegrityError:
            # A concurrent delivery created it first: continue as an update of that order.
            order = lock_for_update(InboundOrder.objects).get(inbound_order_no=inbound_order_no)
        else:
            InboundOrderLine.objects.bulk_create(
                [InboundOrderLine(order=order, product=p, expected_qty=q) for p, q in resolved.values()]
            )
            INBOUND_FLOW.record(order, kind=Event.CREATED, actor=ONEWAREHOUSE, to_status=order.status,
                                summary=f"{order.get_order_type_display()} order, {_units(resolved)}")
            return order, True

    if content_fingerprint_matches(order.content_hash, content, unordered=("items",)):
        return order, False
    if order.order_type != order_type:
        raise Conflict(f"inbound order {inbound_order_no} exists as a {order.order_type} order",
                       data={"inbound_order_no": inbound_order_no, "status": order.status})
    if not INBOUND_FLOW.allows(order, "update"):
        raise InvalidTransition(
            f"inbound order {inbound_order_no} is {order.status} and can no longer be changed",
            data={"inbound_order_no": inbound_order_no, "status": order.status},
        )
    for name, value in header.items():
        setattr(order, name, value)
    order.warehouse, order.owner, order.content_hash = warehouse, owner, fingerprint
    order.save()
    order.lines.all().delete()
    InboundOrderLine.objects.bulk_create(
        [InboundOrderLine(order=order, product=p, expected_qty=q) for p, q in resolved.values()]
    )
    INBOUND_FLOW.record(order, kind=Event.UPDATED, actor=ONEWAREHOUSE, summary=f"now {_units(resolved)}")
    return order, False


def _units(resolved: dict) -> str:
    """An order's lines in words: "2 lines, 15 units"."""
    return f"{len(resolved)} line(s), {sum(qty for _, qty in resolved.values())} unit(s)"


@transaction.atomic
def inbound_order_cancel(*, inbound_order_no: str, reason: str = "") -> InboundOrder:
    """OneWarehouse asks to cancel: allowed while nothing has been counted; cancelling twice answers the same."""
    order = lock_for_update(InboundOrder.objects).filter(inbound_order_no=inbound_order_no).first()
    if order is None:
        raise NotFound(f"inbound order {inbound_order_no} does not exist",
                       data={"inbound_order_no": inbound_order_no, "cancelled": False})
    if order.status == Status.CANCELLED:
        INBOUND_FLOW.record(order, kind=Event.CANCEL_ASKED, actor=ONEWAREHOUSE,
                            summary="OneWarehouse asked to cancel again: answered that it is cancelled already")
        return order
    if not INBOUND_FLOW.allows(order, "cancel"):
        why = INBOUND_FLOW.refusal(order)
        raise CancelRefused(
            f"Inbound order {inbound_order_no} is {order.status}: {why}, it can no longer be cancelled",
            data={"inbound_order_no": inbound_order_no, "cancelled": False, "status": order.status, "reason": why},
        )
    order.cancel_reason = (reason or "")[:255]
    INBOUND_FLOW.move(order, Status.CANCELLED, actor=ONEWAREHOUSE, fields=("cancel_reason",),
                      note="cancelled at OneWarehouse's request" + (f" ({order.cancel_reason})" if reason else ""))
    return order


def over_receipt_limit(*, expected: int) -> int:
    """The most units a Receiver may count on a line; above it a Supervisor must."""
    return expected + (expected * settings.INBOUND_OVER_RECEIPT_TOLERANCE_PERCENT) // 100


@transaction.atomic
def inbound_order_record_counts(*, order: InboundOrder, counts: list[LineCount], actor) -> InboundOrder:
    """Save what staff counted so far (can be called many times); the order is RECEIVING from the first save."""
    role_require(actor=actor, roles=RECEIVING_ROLES, action="Receiving goods")
    order = lock_for_update(InboundOrder.objects).get(pk=order.pk)
    if not INBOUND_FLOW.allows(order, "receive"):
        raise InvalidTransition(f"inbound order {order.inbound_order_no} is {order.status}; counts are closed",
                                data={"status": order.status})
    lines = {line.pk: line for line in order.lines.select_related("product")}
    errors = {}
    for count in counts:
        line = lines.get(count.line_id)
        if line is None:
            errors[f"line.{count.line_id}"] = ["Not a line of this order."]
        elif count.good < 0 or count.damaged < 0:
            errors[f"line.{count.line_id}"] = ["Counts cannot be negative."]
        elif max(count.good, count.damaged) > POSITIVE_INT_MAX:
            # A scan adds to the saved count, so a typed quantity within limits can still overflow the column.
            errors[f"line.{count.line_id}"] = [f"{line.product.sku_id}: a count cannot exceed {POSITIVE_INT_MAX}."]
        elif count.good + count.damaged > over_receipt_limit(expected=line.expected_qty) and not user_has_role(
            actor, Role.SUPERVISOR
        ):
            errors[f"line.{count.line_id}"] = [
                f"{line.product.sku_id}: {count.good + count.damaged} counted, {line.expected_qty} expected; "
                f"over-receipt beyond {settings.INBOUND_OVER_RECEIPT_TOLERANCE_PERCENT}% needs a Supervisor."
            ]
    if errors:
        raise DomainValidationError("some counts were refused", errors=errors)
    changed, words = [], []
    for count in counts:
        line = lines[count.line_id]
        if (line.received_good, line.received_damaged) != (count.good, count.damaged):
            words.append(f"{line.product.sku_id} {count.good} good + {count.damaged} damaged "
                         f"(was {line.received_good} + {line.received_damaged})")
            line.received_good, line.received_damaged = count.good, count.damaged
            changed.append(line)
    InboundOrderLine.objects.bulk_update(changed, ["received_good", "received_damaged"])
    if words:
        INBOUND_FLOW.record(order, kind=Event.COUNTS_SAVED, actor=actor, summary="; ".join(words))
    if order.status == Status.CREATED:
        INBOUND_FLOW.move(order, Status.RECEIVING, actor=actor)
    return order


@atomic_with_retry
def inbound_order_complete(*, order: InboundOrder, actor) -> InboundOrder:
    """Close the receipt: stock moves for what was counted, RECEIVED, and the inbound callback queued."""
    role_require(actor=actor, roles=RECEIVING_ROLES, action="Completing a receipt")
    order = lock_for_update(InboundOrder.objects).get(pk=order.pk)
    INBOUND_FLOW.check(order, Status.RECEIVED)
    order_lines_owner_check(order=order)  # an order written before the rule, or around the services
    lines = list(order.lines.select_related("product").order_by("pk"))
    moves = stock_receive(
        warehouse_id=order.warehouse_id,
        good=[StockLine(ln.product_id, ln.received_good, str(ln.pk)) for ln in lines if ln.received_good],
        damaged=[StockLine(ln.product_id, ln.received_damaged, str(ln.pk)) for ln in lines if ln.received_damaged],
        reference_type="inbound_line", reference_number=order.inbound_order_no, actor=actor,
    )
    _putaway_tasks_create(order=order, lines=lines, moves=moves)
    order.received_by = actor
    INBOUND_FLOW.move(order, Status.RECEIVED, actor=actor, fields=("received_by",), note=(
        f"{sum(ln.received_good for ln in lines)} good and {sum(ln.received_damaged for ln in lines)} damaged "
        "unit(s) into stock; the inbound callback is queued"))
    outbox_message_enqueue(
        kind=OutboxMessage.Kind.INBOUND_CALLBACK, aggregate_type=Aggregate.INBOUND_ORDER, aggregate_id=order.pk,
        payload={
            "inbound_order_no": order.inbound_order_no,
            "order_type": order.order_type,
            "completed_at": order.received_at.isoformat(),
            "items": [
                {"sku_id": ln.product.sku_id, "expected_qty": ln.expected_qty, "received_qty": ln.received_qty,
                 "good_qty": ln.received_good, "damaged_qty": ln.received_damaged}
                for ln in lines
            ],
        },
    )
    return order


@transaction.atomic
def inbound_order_scan(*, order: InboundOrder, code: str, actor, damaged: bool = False,
                       quantity: int = 1) -> InboundOrderLine:
    """A scanner read ``code`` (barcode, sku_code or sku_id): that line's good (or damaged) count goes up.

    A code that is not a product of this order is refused by name; the over-receipt rule is the one of
    ``inbound_order_record_counts``. Returns the line, with its new counts.
    """
    role_require(actor=actor, roles=RECEIVING_ROLES, action="Receiving goods")
    order = lock_for_update(InboundOrder.objects).get(pk=order.pk)
    if quantity <= 0:
        raise DomainValidationError("a scan adds at least one unit", errors={"quantity": [str(quantity)]})
    line = order_line_for_code(lines=list(order.lines.select_related("product").order_by("pk")), code=code,
                               order_label=f"inbound order {order.inbound_order_no}")
    good = line.received_good + (0 if damaged else quantity)
    bad = line.received_damaged + (quantity if damaged else 0)
    inbound_order_record_counts(order=order, counts=[LineCount(line.pk, good, bad)], actor=actor)
    line.refresh_from_db()
    return line


@transaction.atomic
def inbound_order_callback_retry(*, order: InboundOrder, actor) -> None:
    """Staff's "retry the callback": the order's last inbound callback is due again at once."""
    role_require(actor=actor, roles=RECEIVING_ROLES, action="Retrying the inbound callback")
    message = outbox_latest_for(aggregate_type=Aggregate.INBOUND_ORDER, aggregate_id=order.pk,
                                kind=OutboxMessage.Kind.INBOUND_CALLBACK)
    if message is None:
        raise NotFound(f"inbound order {order.inbound_order_no} has no callback yet",
                       data={"inbound_order_no": order.inbound_order_no, "status": order.status})
    outbox_message_retry(message=message)
    INBOUND_FLOW.record(order, kind=Event.CALLBACK_RETRIED, actor=actor,
                        summary=f"inbound callback (outbox message #{message.pk}) to be sent again now")


# --- Putaway ----------------------------------------------------------------------------------------------

def _putaway_tasks_create(*, order: InboundOrder, lines: list[InboundOrderLine], moves) -> list[PutawayTask]:
    """One putaway task per line with good units (now on the dock), each with a suggested bin. Damaged units went
    to quarantine with the receipt (``stock_receive``) and need no task."""
    dock_of = {move.reference_id: move.to_location_id for move in moves if move.kind == "RECEIPT"}
    taken = set(PutawayTask.objects.filter(warehouse_id=order.warehouse_id, status=PutawayTask.Status.OPEN)
                .exclude(suggested_location=None).values_list("suggested_location_id", flat=True))
    tasks = []
    for line in lines:
        if not line.received_good:
            continue
        suggested = putaway_bin_suggest(warehouse_id=order.warehouse_id, product_id=line.product_id,
                                        taken_ids=taken)
        if suggested is not None:
            taken.add(suggested.pk)
        tasks.append(PutawayTask(order=order, line=line, warehouse_id=order.warehouse_id, product_id=line.product_id,
                                 quantity=line.received_good, from_location_id=dock_of[str(line.pk)],
                                 suggested_location=suggested))
    return PutawayTask.objects.bulk_create(tasks)


@atomic_with_retry
def putaway_task_complete(*, task: PutawayTask, location_barcode: str, quantity: int, actor) -> PutawayTask:
    """The receiver scanned the bin and put ``quantity`` units there: a TRANSFER from the dock to that bin.

    Any active, unblocked storage bin or pick face may be scanned (another than suggested is recorded as such);
    fewer units than the task holds split it, the rest staying an open task. Refused, naming the field, for an
    unknown or unsuitable bin, a quantity out of range, or a dock holding fewer units (picked from the dock)."""
    role_require(actor=actor, roles=RECEIVING_ROLES, action="Putting away")
    # The task is the root (wms.core.db); then the stock level and location stocks, in stock_transfer.
    task = lock_for_update(PutawayTask.objects).get(pk=task.pk)
    transition_check(table=PutawayTask.TRANSITIONS, entity="Putaway task", number=str(task.pk), current=task.status,
                     target=PutawayTask.Status.DONE)
    errors = {}
    location = location_for_scan(warehouse_id=task.warehouse_id, code=location_barcode)
    if location is None:
        errors["location_barcode"] = [f"No location {location_barcode.strip()!r} in this warehouse."]
    elif location.kind not in Location.BIN_KINDS:
        errors["location_barcode"] = [f"{location.code} is a {location.get_kind_display().lower()}: put away into a "
                                      "storage bin or a pick face."]
    elif location.children.exists():
        errors["location_barcode"] = [f"{location.code} is an area holding other locations: scan a bin in it."]
    elif location.is_blocked or not location.is_active:
        why = f"blocked ({location.blocked_reason})" if location.is_blocked and location.blocked_reason else \
            "blocked" if location.is_blocked else "not active"
        errors["location_barcode"] = [f"{location.code} is {why}: choose another bin."]
    if not isinstance(quantity, int) or not 1 <= quantity <= task.quantity:
        errors["quantity"] = [f"Between 1 and {task.quantity}."]
    if errors:
        raise DomainValidationError("the putaway was refused", errors=errors)
    order_no = InboundOrder.objects.filter(pk=task.order_id).values_list("inbound_order_no", flat=True).get()
    stock_transfer(warehouse_id=task.warehouse_id, product_id=task.product_id, quantity=quantity,
                   from_location_id=task.from_location_id, to_location_id=location.pk,
                   reference_type="putaway_task", reference_number=order_no, reason=f"putaway task {task.pk}",
                   actor=actor)
    if quantity < task.quantity:
        PutawayTask.objects.create(order_id=task.order_id, line_id=task.line_id, warehouse_id=task.warehouse_id,
                                   product_id=task.product_id, quantity=task.quantity - quantity,
                                   from_location_id=task.from_location_id,
                                   suggested_location_id=task.suggested_location_id, split_from=task)
        task.quantity = quantity
    task.status, task.location = PutawayTask.Status.DONE, location
    task.completed_at, task.completed_by = timezone.now(), actor_user(actor)
    task.save(update_fields=["quantity", "status", "location", "completed_at", "completed_by"])
    suggested = task.suggested_location_id
    order_event_record(order_type=INBOUND_FLOW.order_type, order_id=task.order_id, order_no=order_no,
                       kind=Event.PUT_AWAY, actor=actor, summary=(
                           f"{task.product.sku_id}: {quantity} put away into {location.code}"
                           + ("" if suggested in (None, location.pk) else " (another bin than suggested)")))
    return task
