import logging
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from wms.catalog.selectors import order_items_check, order_line_for_code, order_lines_owner_check
from wms.catalog.services import owner_get_or_create, product_placeholder_ensure
from wms.core.actors import OUTBOX
from wms.core.coalesce import Coalesced
from wms.core.db import ConcurrentDuplicate, atomic_with_retry, lock_for_update, unique_violation
from wms.core.errors import (
    CancelRefused,
    Conflict,
    DomainValidationError,
    InvalidTransition,
    NotFound,
)
from wms.core.hashing import content_fingerprint, content_fingerprint_matches
from wms.core.models import OrderEvent
from wms.core.roles import Role, role_require
from wms.core.statements import rows_insert_linked
from wms.core.transitions import transition_check
from wms.counts.models import CountTask
from wms.counts.services import count_task_for_short_pick
from wms.inventory.models import Location
from wms.inventory.selectors import (
    location_default,
    location_for_scan,
    location_stock_quantity,
    warehouse_for_order,
)
from wms.inventory.services import (
    StockLine,
    stock_pack_return,
    stock_release,
    stock_reserve,
    stock_reserve_levels,
    stock_ship,
    stock_transfer,
)
from wms.outbox.models import OutboxMessage
from wms.outbox.selectors import SETTLED_STATUSES, outbox_latest_for, outbox_messages_for
from wms.outbox.services import outbox_message_enqueue, outbox_message_retry

from .labels import label_kind_detect, label_kinds_text
from .models import OUTBOUND_FLOW, OutboundOrder, OutboundOrderLine, Package, PackageItem, PutBackTask, ShortPick
from .selectors import (
    PICKABLE_KINDS,
    PickStop,
    outbound_backordered_ids,
    outbound_created_ids,
    outbound_intake_resolve,
    outbound_pick_directions,
)

logger = logging.getLogger(__name__)

Status = OutboundOrder.Status
Aggregate = OutboxMessage.Aggregate
Event = OrderEvent.Kind
# Allocate, pick, pack, fetch the label, ship: the Picker (who packs prints the label and ships) or a Supervisor.
FLOOR_ROLES = (Role.PICKER, Role.SUPERVISOR)
RECIPIENT_FIELDS = ("name", "phone", "email", "country_code", "state", "city", "district", "address1", "address2",
                    "zip_code")


def _locked(order_id: int) -> OutboundOrder:
    return lock_for_update(OutboundOrder.objects.select_related("warehouse")).get(pk=order_id)


@atomic_with_retry
def outbound_order_create(*, outbound_order_no: str, warehouse_code: str, owner_code: str, items: list[dict],
                          recipient: dict, logistics: dict, platform_order_no: str = "",
                          cod_amount: Decimal = Decimal("0"), currency: str = "", remark: str = "",
                          actor, allocate: bool = True, allocate_after_commit: bool = False,
                          unknown_sku_placeholders: bool = False) -> tuple[OutboundOrder, bool]:
    """Create an outbound order and try to allocate it at once, as ``actor`` (a push: ``system:onewarehouse``).
    Returns (order, created).

    ``allocate_after_commit``: the order is written CREATED and allocated right after this transaction commits, by
    a worker that this commit wakes (``outbound_created_sweep``, which takes up every CREATED order; the wakes of a
    process are coalesced, ``OUTBOUND_ALLOCATION_WAKE_SECONDS``, and the beat runs the same sweep for a wake the
    broker lost). Otherwise (``allocate``) the reservation is decided on the locked levels before the order
    is written, and the order is written ALLOCATED (with its lines reserved and the ledger's moves) or BACKORDERED.

    The same content again answers the first order; other content under the same number is a ``Conflict``.
    An unknown sku_id is refused (``UnknownSku``), or with ``unknown_sku_placeholders`` gets a placeholder product
    of the order's merchant (``product_placeholder_ensure``; the order is then backordered until stock arrives).
    """
    content = {
        "platform_order_no": platform_order_no, "warehouse_code": warehouse_code, "owner_code": owner_code,
        "items": items, "recipient": recipient, "logistics": logistics, "cod_amount": str(cod_amount),
        "currency": currency, "remark": remark,
    }
    # The lines are a set (a sku_id at most once): the same lines in another order are the same order.
    fingerprint = content_fingerprint(content, unordered=("items",))
    role_require(actor=actor, roles=FLOOR_ROLES, action="Creating an outbound order", system=True)
    # One statement: the order under this number, the warehouse, the merchant, the products (locked).
    intake = outbound_intake_resolve(outbound_order_no=outbound_order_no, warehouse_code=warehouse_code,
                                     owner_code=owner_code, items=items)
    if intake.existing_id is None:
        warehouse_id = intake.warehouse_id or warehouse_for_order(warehouse_code=warehouse_code).pk
        owner_id = intake.owner_id
        if unknown_sku_placeholders and {item["sku_id"] for item in items} - intake.products.keys():
            product_placeholder_ensure(sku_ids=[item["sku_id"] for item in items], owner_code=owner_code)
            intake = outbound_intake_resolve(outbound_order_no=outbound_order_no, warehouse_code=warehouse_code,
                                             owner_code=owner_code, items=items)
            owner_id = intake.owner_id
        resolved = order_items_check(items=items, products=intake.products, owner_id=owner_id, owner_code=owner_code)
        if owner_id is None:  # a merchant's first order (its products arrived under another code path)
            owner_id = owner_get_or_create(owner_code=owner_code).pk
        order = OutboundOrder(
            outbound_order_no=outbound_order_no, platform_order_no=platform_order_no, warehouse_id=warehouse_id,
            owner_id=owner_id, cod_amount=cod_amount, currency=currency, remark=remark, content_hash=fingerprint,
            **{f"recipient_{name}": recipient.get(name) or "" for name in RECIPIENT_FIELDS},
            logistics_provider_code=logistics.get("provider_code") or "",
            logistics_provider_name=logistics.get("provider_name") or "",
            logistics_service_code=logistics.get("service_code") or "",
            tracking_no=logistics.get("tracking_no") or "",
        )
        wanted = [StockLine(product.pk, quantity) for product, quantity in resolved.values()]
        levels = None
        if allocate and not allocate_after_commit:
            # Decided before anything is written (no savepoint, no error to catch): the order is new and nobody
            # can see it, so its levels may be locked before it is written (wms.core.db, lock order).
            levels = stock_reserve_levels(warehouse_id=warehouse_id, lines=wanted)
            OUTBOUND_FLOW.move(order, Status.ALLOCATED if levels is not None else Status.BACKORDERED, save=False,
                               actor=actor, note="stock reserved" if levels is not None
                               else "not enough stock; waiting for it")
        # The order and its lines in one statement (and below the ledger's levels and moves in another), built once
        # (wms.core.statements): the push's hot path.
        lines = [OutboundOrderLine(order=order, product=product, quantity=quantity,
                                   reserved_qty=quantity if levels is not None else 0)
                 for product, quantity in resolved.values()]
        try:
            rows_insert_linked(order, lines, link="order")
        except IntegrityError as exc:
            if unique_violation(exc):  # the same number committed by a concurrent push: run again, find it
                raise ConcurrentDuplicate(f"outbound order {outbound_order_no} was created concurrently") from exc
            raise
        if levels is not None:
            stock_reserve(warehouse_id=warehouse_id, levels=levels,
                          lines=[StockLine(ln.product_id, ln.quantity, str(ln.pk)) for ln in lines],
                          reference_type="outbound_line", reference_number=outbound_order_no, actor=actor)
        elif allocate and allocate_after_commit:
            transaction.on_commit(_allocation_wake.request)
        OUTBOUND_FLOW.created(order, actor=actor, summary=(  # with its allocation: one INSERT
            f"{len(lines)} line(s), {sum(ln.quantity for ln in lines)} unit(s), "
            f"to {order.recipient_city}, carrier {order.logistics_provider_code}"))
        return order, True
    existing = OutboundOrder.objects.get(pk=intake.existing_id)
    if not content_fingerprint_matches(existing.content_hash, content, unordered=("items",)):
        raise Conflict(
            f"Outbound order {outbound_order_no} exists with different content and cannot change",
            data={"outbound_order_no": outbound_order_no, "status": existing.status},
        )
    return existing, False


def _allocation_wake_send() -> None:
    """Wake the worker: it allocates every order still CREATED (``outbound_created_sweep``). Broker down: the orders
    wait, CREATED, for the beat's sweep."""
    from kombu.exceptions import OperationalError as BrokerError

    from .tasks import outbound_created_sweep

    try:
        outbound_created_sweep.delay()
    except (BrokerError, OSError) as exc:
        logger.warning("broker unavailable, orders to allocate wait for the allocation sweep: %s", exc)


def _allocation_wake_window() -> float:
    """``OUTBOUND_ALLOCATION_WAKE_SECONDS``; 0 where tasks run eagerly (no broker): each wake is the sweep itself."""
    from .tasks import outbound_created_sweep

    return 0.0 if outbound_created_sweep.app.conf.task_always_eager else settings.OUTBOUND_ALLOCATION_WAKE_SECONDS


# One wake per window per process instead of one task per order: a burst of pushes pays for a few publishes, and the
# worker takes up the orders of a window together.
_allocation_wake = Coalesced(_allocation_wake_send, window=_allocation_wake_window)


@atomic_with_retry
def outbound_order_allocate(*, order_id: int, actor) -> OutboundOrder:
    """Reserve every line or none. Not enough stock: BACKORDERED, tried again when stock arrives.

    Staff (the list's "Allocate" action) and the backorder task (``system:backorders``) both call it, by id."""
    role_require(actor=actor, roles=FLOOR_ROLES, action="Allocating an order", system=True)
    order = _locked(order_id)
    if not OUTBOUND_FLOW.allows(order, "allocate"):
        OUTBOUND_FLOW.check(order, Status.ALLOCATED)
    _allocate_checked(order=order, actor=actor)
    return order


def _allocate_checked(*, order: OutboundOrder, actor) -> None:
    # Stock is reserved by product: an order written before the rule, or around the services, must not take
    # another merchant's stock.
    order_lines_owner_check(order=order)
    _allocate(order=order, lines=list(order.lines.order_by("pk")), actor=actor)


@atomic_with_retry
def outbound_order_allocate_created(*, order_id: int, actor) -> OutboundOrder | None:
    """Allocate an order created for allocation after its answer (``allocate_after_commit``), if it is still
    CREATED: the wakes, the beat's sweep and staff may all reach it. Returns the order it allocated (or
    backordered), None if there was nothing to do: no longer CREATED (allocated or cancelled since), or held by
    another transaction right now (another worker's sweep allocating it: skipped, not waited for, so that two
    sweeps share the orders instead of queueing on the same one; an order a staff step held is taken up by the next
    wake or the beat's sweep)."""
    role_require(actor=actor, roles=FLOOR_ROLES, action="Allocating an order", system=True)
    order = lock_for_update(OutboundOrder.objects.select_related("warehouse").filter(
        pk=order_id, status=Status.CREATED), skip_locked=True).first()
    if order is None:
        return None
    _allocate_checked(order=order, actor=actor)
    return order


def outbound_created_sweep(*, actor) -> list[str]:
    """Allocate every order still CREATED (oldest first, each in its own transaction): those whose allocation task
    was lost (the broker was down when they were pushed). Returns the numbers it allocated or backordered."""
    done = []
    for order_id in outbound_created_ids():
        order = outbound_order_allocate_created(order_id=order_id, actor=actor)
        if order is not None:
            done.append(order.outbound_order_no)
    return done


def _allocate(*, order: OutboundOrder, lines: list[OutboundOrderLine], actor) -> None:
    """Reserve the unreserved rest of ``lines`` of the locked ``order``, or backorder it (decided on the locked
    levels before anything is written)."""
    wanted = [StockLine(ln.product_id, ln.quantity - ln.reserved_qty, str(ln.pk)) for ln in lines
              if ln.quantity > ln.reserved_qty]
    levels = stock_reserve_levels(warehouse_id=order.warehouse_id, lines=wanted)
    if levels is None:
        if order.status != Status.BACKORDERED:
            OUTBOUND_FLOW.move(order, Status.BACKORDERED, actor=actor, note="not enough stock; waiting for it")
        return
    stock_reserve(warehouse_id=order.warehouse_id, lines=wanted, levels=levels, reference_type="outbound_line",
                  reference_number=order.outbound_order_no, actor=actor)
    OutboundOrderLine.objects.filter(pk__in=[ln.pk for ln in lines]).update(reserved_qty=F("quantity"))
    for line in lines:
        line.reserved_qty = line.quantity
    OUTBOUND_FLOW.move(order, Status.ALLOCATED, actor=actor, note="stock reserved")


def outbound_backorders_allocate(*, warehouse_id: int, actor) -> list[str]:
    """Give arriving stock to backordered orders, oldest first, each in its own transaction.

    Returns the numbers of the orders that got allocated. An order that still cannot be met stays backordered and
    does not stop younger, smaller orders from being served. One order per transaction is also the domain's lock
    order (wms.core.db): this never holds one order while waiting for another; a transaction that still meets a
    deadlock is run again.
    """
    allocated = []
    for order_id in outbound_backordered_ids(warehouse_id=warehouse_id):
        try:
            order = outbound_order_allocate(order_id=order_id, actor=actor)
        except InvalidTransition:
            continue  # cancelled (intercepted) since the list was read
        if order.status == Status.ALLOCATED:
            allocated.append(order.outbound_order_no)
    return allocated


def outbound_backorders_sweep(*, actor) -> dict[str, list[str]]:
    """Try every warehouse's backorders (the beat's safety net when a stock-arrival task was lost)."""
    warehouse_codes = dict(
        OutboundOrder.objects.filter(status=Status.BACKORDERED).order_by()
        .values_list("warehouse_id", "warehouse__code").distinct()
    )
    return {code: outbound_backorders_allocate(warehouse_id=wid, actor=actor)
            for wid, code in sorted(warehouse_codes.items())}


@atomic_with_retry
def outbound_order_cancel(*, outbound_order_no: str, actor, reason: str = "") -> OutboundOrder:
    """OneWarehouse intercepts the parcel: possible until it ships.

    Reservations not yet picked are released at once; picked or packed units get a put-back task, and their
    reservation is released when staff confirm it (``put_back_confirm``). ``actor``: a push's is
    ``system:onewarehouse``.
    """
    role_require(actor=actor, roles=FLOOR_ROLES, action="Intercepting an order", system=True)
    order = lock_for_update(OutboundOrder.objects).filter(outbound_order_no=outbound_order_no).first()
    if order is None:
        raise NotFound(f"outbound order {outbound_order_no} does not exist",
                       data={"outbound_order_no": outbound_order_no, "intercepted": False})
    if order.status == Status.CANCELLED:
        OUTBOUND_FLOW.record(order, kind=Event.CANCEL_ASKED, actor=actor,
                             summary="interception asked again: answered that it is cancelled already")
        return order
    if order.status == Status.SHIPPED:
        raise CancelRefused(
            f"Order {outbound_order_no} has already shipped and cannot be intercepted",
            data={"outbound_order_no": outbound_order_no, "intercepted": False, "status": order.status,
                  "reason": "already shipped"},
        )
    lines = list(order.lines.order_by("pk"))
    release = [StockLine(ln.product_id, ln.reserved_qty - ln.picked_qty, str(ln.pk)) for ln in lines
               if ln.reserved_qty > ln.picked_qty]
    stock_release(warehouse_id=order.warehouse_id, lines=release, reference_type="outbound_line",
                  reference_number=order.outbound_order_no, actor=actor, reason=f"intercepted: {reason}"[:255])
    for line in lines:
        line.reserved_qty = line.picked_qty
    OutboundOrderLine.objects.bulk_update(lines, ["reserved_qty"])
    # Picked (or packed) units are off the shelf and stay reserved until staff confirm they are back.
    PutBackTask.objects.bulk_create(
        [PutBackTask(order=order, line=ln, product_id=ln.product_id, warehouse_id=order.warehouse_id,
                     quantity=ln.picked_qty) for ln in lines if ln.picked_qty]
    )
    # A label fetched already stays on the order, for audit; no label can be fetched any more (OUTBOUND_FLOW).
    order.cancel_reason = (reason or "")[:255]
    OUTBOUND_FLOW.move(order, Status.CANCELLED, actor=actor, fields=("cancel_reason",), note="intercepted" + (
        f" ({order.cancel_reason})" if order.cancel_reason else "") + (
        "; picked goods are to be put back" if any(ln.picked_qty for ln in lines) else ""))
    return order


# --- Picking (directed, bin by bin) ----------------------------------------------------------------------

@dataclass(frozen=True)
class PickTaken:
    """``quantity`` units of ``line`` taken from ``location`` to the packing location."""

    line: OutboundOrderLine
    location: Location
    quantity: int


def _picking_start(order: OutboundOrder, *, actor) -> None:
    OUTBOUND_FLOW.action_check(order, "pick", doing="Picking")
    if order.status == Status.ALLOCATED:
        OUTBOUND_FLOW.move(order, Status.PICKING, actor=actor)


def _refuse(why: str, field: str = "code"):
    raise DomainValidationError(why, errors={field: [why]})


def _pick_location(order: OutboundOrder, code: str) -> Location:
    """The bin a picker scanned, refused by name unless picking may take units from it."""
    if not (code or "").strip():
        _refuse("Scan the bin first" + _next_bin_hint(order))
    location = location_for_scan(warehouse_id=order.warehouse_id, code=code)
    if location is None:
        _refuse(f"Unknown bin {code.strip()!r}: no location of {order.warehouse.code} has this barcode")
    if location.kind not in PICKABLE_KINDS:
        _refuse(f"{location.code} is a {location.get_kind_display().lower()}, not a bin to pick from")
    if not location.is_active:
        _refuse(f"Bin {location.code} is not in use")
    if location.is_blocked:
        _refuse(f"Bin {location.code} is blocked ({location.blocked_reason or 'no reason given'}); "
                "picking is directed elsewhere")
    return location


def _stops_at(directions: list[PickStop], location: Location) -> list[PickStop]:
    return [stop for stop in directions if stop.location is not None and stop.location.pk == location.pk]


def _next_bin_hint(order: OutboundOrder, directions: list[PickStop] | None = None) -> str:
    """"; next: bin X" from the order's pick path (``directions``, when the caller has it already)."""
    if directions is None:
        directions = outbound_pick_directions(order_ids=[order.pk])
    stop = next((s for s in directions if s.location is not None), None)
    return f"; next: bin {stop.location.code}" if stop else ""


def outbound_order_pick_bin(*, order: OutboundOrder, code: str, actor) -> Location:
    """The picker scanned a bin: accepted if the order's pick path has units to take from it (the page then
    expects the items of that bin); a bin with nothing for this order is refused, naming the next bin. Writes
    nothing."""
    role_require(actor=actor, roles=FLOOR_ROLES, action="Picking")
    OUTBOUND_FLOW.action_check(order, "pick", doing="Picking")
    location = _pick_location(order, code)
    directions = outbound_pick_directions(order_ids=[order.pk])
    if not _stops_at(directions, location):
        _refuse(f"Wrong bin {location.code}: nothing of {order.outbound_order_no} is to be taken from it"
                + _next_bin_hint(order, directions))
    return location


@atomic_with_retry
def outbound_order_pick_confirm(*, order: OutboundOrder, location_code: str, code: str, actor,
                                quantity: int = 1) -> PickTaken:
    """The picker, at the bin ``location_code``, scanned an item: ``quantity`` units of that line move from the bin
    to the packing location (a TRANSFER with the order's number) and count as picked; the first pick moves an
    ALLOCATED order to PICKING. A code not on the order, an item the bin does not hold, or more than the line needs
    is refused by name."""
    role_require(actor=actor, roles=FLOOR_ROLES, action="Picking")
    if quantity <= 0:
        _refuse("a scan takes at least one unit", "quantity")
    order = _locked(order.pk)
    OUTBOUND_FLOW.action_check(order, "pick", doing="Picking")
    location = _pick_location(order, location_code)
    line = order_line_for_code(lines=list(order.lines.select_related("product").order_by("pk")), code=code,
                               order_label=f"outbound order {order.outbound_order_no}")
    sku = line.product.sku_id
    if line.picked_qty + quantity > line.quantity:
        _refuse(f"{sku}: {line.picked_qty} of {line.quantity} picked already; {quantity} more would be more than "
                "the order needs")
    held = location_stock_quantity(location_id=location.pk, product_id=line.product_id)
    if held < quantity:
        directed = [s.location.code for s in outbound_pick_directions(order_ids=[order.pk])
                    if s.product.pk == line.product_id and s.location is not None]
        where = f"; take it from bin {', '.join(directed)}" if directed else ""
        _refuse((f"Wrong item: {sku} is not in bin {location.code}" if not held
                 else f"Bin {location.code} holds {held} of {sku}, not {quantity}") + where)
    _picking_start(order, actor=actor)
    pack = location_default(warehouse_id=order.warehouse_id, kind=Location.Kind.PACKING)
    stock_transfer(warehouse_id=order.warehouse_id, product_id=line.product_id, quantity=quantity,
                   from_location_id=location.pk, to_location_id=pack.pk, reference_type="outbound_line",
                   reference_number=order.outbound_order_no, reason="picked", actor=actor)
    line.picked_qty += quantity
    line.save(update_fields=["picked_qty"])
    OUTBOUND_FLOW.record(order, kind=Event.PICKS_SAVED, actor=actor, summary=(
        f"{sku}: {quantity} taken from bin {location.code} ({line.picked_qty} of {line.quantity} picked)"))
    return PickTaken(line=line, location=location, quantity=quantity)


@atomic_with_retry
def outbound_order_pick_bin_short(*, order: OutboundOrder, location_code: str, actor, note: str = "") -> CountTask:
    """The bin holds fewer units than the system says: it is blocked and a count task opened for it
    (wms.counts), and the order's pick path goes on to the next bin that holds the product, if there is one."""
    role_require(actor=actor, roles=FLOOR_ROLES, action="Reporting a short bin")
    order = _locked(order.pk)
    OUTBOUND_FLOW.action_check(order, "pick", doing="Reporting a short bin")
    location = _pick_location(order, location_code)
    directions = outbound_pick_directions(order_ids=[order.pk])
    stops = _stops_at(directions, location)
    if not stops:
        _refuse(f"Nothing of {order.outbound_order_no} is directed to bin {location.code}"
                + _next_bin_hint(order, directions))
    what = ", ".join(f"{stop.product.sku_id} (needs {stop.quantity})" for stop in stops)
    why = f"short pick of {order.outbound_order_no} at {location.code}: {what}" + (f"; {note.strip()}"
                                                                                     if note.strip() else "")
    task = count_task_for_short_pick(location_id=location.pk, product_ids=[stop.product.pk for stop in stops],
                                     note=why[:255], actor=actor)
    OUTBOUND_FLOW.record(order, kind=Event.BIN_SHORT, actor=actor,
                         summary=f"bin {location.code} short of {what}: blocked, count task #{task.pk} opened")
    return task


@transaction.atomic
def outbound_order_short_pick_report(*, order: OutboundOrder, actor, note: str = "") -> list[ShortPick]:
    """The picker cannot find every unit: each short line is reported to Supervisors (one open report a line)."""
    role_require(actor=actor, roles=FLOOR_ROLES, action="Reporting a short pick")
    order = _locked(order.pk)
    OUTBOUND_FLOW.action_check(order, "pick", doing="Reporting a short pick")
    short = [line for line in order.lines.select_related("product").order_by("pk") if line.picked_qty < line.quantity]
    if not short:
        raise DomainValidationError(f"every line of {order.outbound_order_no} is fully picked; nothing is short")
    reports = []
    for line in short:
        report, _ = ShortPick.objects.update_or_create(
            line=line, status=ShortPick.Status.OPEN,
            defaults={"order": order, "product_id": line.product_id, "ordered_qty": line.quantity,
                      "picked_qty": line.picked_qty, "note": (note or "")[:255], "reported_by": actor},
        )
        reports.append(report)
    OUTBOUND_FLOW.record(order, kind=Event.SHORT_PICK_REPORTED, actor=actor, summary="; ".join(
        f"{ln.product.sku_id} {ln.picked_qty} of {ln.quantity} found" for ln in short) + (f" ({note})" if note else ""))
    return reports


@transaction.atomic
def short_pick_resolve(*, short_pick: ShortPick, actor, resolution: str) -> ShortPick:
    """A Supervisor closes a short-pick report, saying what was done (found, stock adjusted, intercepted...)."""
    role_require(actor=actor, roles=(Role.SUPERVISOR,), action="Resolving a short pick")
    if not (resolution or "").strip():
        raise DomainValidationError("say how the short pick was resolved",
                                    errors={"resolution": ["This field is required."]})
    short_pick = lock_for_update(ShortPick.objects.select_related("order", "product")).get(pk=short_pick.pk)
    if short_pick.status != ShortPick.Status.OPEN:
        raise InvalidTransition("this short pick is resolved already", data={"status": short_pick.status})
    short_pick.status = ShortPick.Status.RESOLVED
    short_pick.resolved_at, short_pick.resolved_by = timezone.now(), actor
    short_pick.resolution = resolution.strip()[:255]
    short_pick.save(update_fields=["status", "resolved_at", "resolved_by", "resolution"])
    OUTBOUND_FLOW.record(short_pick.order, kind=Event.SHORT_PICK_RESOLVED, actor=actor,
                         summary=f"{short_pick.product.sku_id}: {short_pick.resolution}")
    return short_pick


# --- Packing ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PackageSpec:
    """A parcel as staff weigh and measure it; ``items`` maps order line id -> units in it."""

    weight_kg: Decimal
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal
    items: dict[int, int] = field(default_factory=dict)


def _measure(value, places: str, name: str, errors: dict, key: str) -> Decimal | None:
    try:
        number = Decimal(str(value)).quantize(Decimal(places))
    except (InvalidOperation, ValueError, TypeError):
        errors[f"{key}.{name}"] = ["Enter a number."]
        return None
    if number <= 0:
        errors[f"{key}.{name}"] = ["Must be greater than 0."]
        return None
    return number


@transaction.atomic
def outbound_order_pack(*, order: OutboundOrder, packages: list[PackageSpec], actor) -> OutboundOrder:
    """Close picking into one or more weighed, measured packages holding exactly the picked units: PACKED."""
    role_require(actor=actor, roles=FLOOR_ROLES, action="Packing")
    order = _locked(order.pk)
    OUTBOUND_FLOW.check(order, Status.PACKED)
    lines = {line.pk: line for line in order.lines.select_related("product").order_by("pk")}
    unpicked = [f"{ln.product.sku_id} {ln.picked_qty}/{ln.quantity}"
                for ln in lines.values() if ln.picked_qty < ln.quantity]
    if unpicked:
        raise InvalidTransition(
            f"Outbound order {order.outbound_order_no} is not fully picked ({', '.join(unpicked)}); "
            "report the short pick to a Supervisor", data={"status": order.status})
    if not packages:
        raise DomainValidationError("a packed order has at least one package", errors={"packages": ["Required."]})
    errors, measured, packed = {}, [], dict.fromkeys(lines, 0)
    for index, spec in enumerate(packages):
        key = f"packages.{index}"
        values = [_measure(spec.weight_kg, "0.001", "weight_kg", errors, key)] + [
            _measure(getattr(spec, name), "0.1", name, errors, key) for name in ("length_cm", "width_cm", "height_cm")]
        items = {line_id: qty for line_id, qty in spec.items.items() if qty}
        if not items:
            errors[f"{key}.items"] = ["A package holds at least one item."]
        for line_id, qty in items.items():
            if line_id not in lines or qty < 0:
                errors[f"{key}.items.{line_id}"] = ["Not a line of this order." if line_id not in lines
                                                   else "Cannot be negative."]
            else:
                packed[line_id] += qty
        measured.append((values, items))
    for line_id, line in lines.items():
        if packed[line_id] != line.picked_qty:
            errors[f"line.{line_id}"] = [f"{line.product.sku_id}: {packed[line_id]} packed, {line.picked_qty} picked."]
    if errors:
        raise DomainValidationError("the packages do not match the picked goods", errors=errors)
    for index, ((weight, length, width, height), items) in enumerate(measured, start=1):
        package = Package.objects.create(order=order, package_no=f"PKG-{index}", weight_kg=weight, length_cm=length,
                                         width_cm=width, height_cm=height)
        PackageItem.objects.bulk_create([
            PackageItem(package=package, line=lines[line_id], product_id=lines[line_id].product_id, quantity=qty)
            for line_id, qty in items.items()
        ])
    OUTBOUND_FLOW.move(order, Status.PACKED, actor=actor, note=f"{len(measured)} package(s)")
    if settings.OUTBOUND_LABEL_ON_PACK:
        _label_message_enqueue(order)
    return order


# --- Shipping label ---------------------------------------------------------------------------------------

def _label_message_enqueue(order: OutboundOrder, *, reason: str = "") -> OutboxMessage:
    """At most one label request of an order is unsent at a time: a failed one is retried, not duplicated."""
    latest = outbox_latest_for(aggregate_type=Aggregate.OUTBOUND_ORDER, aggregate_id=order.pk,
                               kind=OutboxMessage.Kind.SHIPPING_LABEL)
    if latest is not None and latest.status in (OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING):
        return latest
    if latest is not None and latest.status in (OutboxMessage.Status.FAILED, OutboxMessage.Status.DEAD,
                                                OutboxMessage.Status.HELD):
        return outbox_message_retry(message=latest)  # a held one is refused: a Supervisor decides where it goes
    return outbox_message_enqueue(kind=OutboxMessage.Kind.SHIPPING_LABEL, aggregate_type=Aggregate.OUTBOUND_ORDER,
                                  aggregate_id=order.pk, payload={"outbound_order_no": order.outbound_order_no,
                                                                  **({"refetch_reason": reason} if reason else {})})


def _label_fetchable_check(order: OutboundOrder, action: str) -> None:
    OUTBOUND_FLOW.action_check(order, "label", doing=action, otherwise="it is not packed yet")


@transaction.atomic
def outbound_order_label_request(*, order: OutboundOrder, actor, reason: str = "") -> OutboxMessage:
    """Queue "get shipping label" (PACKED, or LABELLED to fetch it again, which needs a ``reason``, kept on the
    request's outbox row). Never once shipped or cancelled."""
    role_require(actor=actor, roles=FLOOR_ROLES, action="Requesting a shipping label")
    order = _locked(order.pk)
    _label_fetchable_check(order, "A label request")
    reason = reason.strip()
    if order.status == Status.LABELLED and not reason:
        why = (f"{order.outbound_order_no} has its label already; fetching a new one needs a reason "
               "(from the order's page)")
        raise DomainValidationError(why, errors={"reason": ["Required to fetch the label again."]})
    message = _label_message_enqueue(order, reason=reason)
    if reason:
        OUTBOUND_FLOW.record(order, kind=Event.LABEL_REFETCH_REQUESTED, actor=actor,
                             summary=f"a new label asked of OneWarehouse because: {reason}")
    else:
        OUTBOUND_FLOW.record(order, kind=Event.LABEL_REQUESTED, actor=actor, summary="asked of OneWarehouse")
    return message


def _label_already_stored(order: OutboundOrder, *, content: bytes, tracking_no: str) -> bool:
    """The order already holds this very label (same file, same tracking number)."""
    if order.status != Status.LABELLED or not order.label_file:
        return False
    if (tracking_no or order.tracking_no) != order.tracking_no:
        return False
    with order.label_file.open("rb") as stored:
        return stored.read() == content


@transaction.atomic
def outbound_order_label_store(*, order_id: int, content: bytes, tracking_no: str,
                               label_format: str = "") -> OutboundOrder:
    """Keep the fetched label file on the order with its tracking number: LABELLED. Refused after ship/cancel.

    The file's kind comes from its bytes (PDF, PNG, JPEG or ZPL; anything else is refused), never from the
    peer's ``label_format``, which only names what the peer claimed in the refusal. The stored name is ours.
    """
    order = _locked(order_id)
    _label_fetchable_check(order, "Storing a label")
    if not content:
        raise DomainValidationError("the label file is empty")
    kind = label_kind_detect(content)
    if kind is None:
        claimed = f" (OneWarehouse calls it {label_format[:20]!r})" if label_format else ""
        raise DomainValidationError(f"the label file is not a {label_kinds_text()} file{claimed}",
                                    data={"outbound_order_no": order.outbound_order_no})
    if _label_already_stored(order, content=content, tracking_no=tracking_no):
        return order  # a re-delivered answer (at-least-once outbox): one file, not one per delivery
    # Never from the order number (OneWarehouse's text: "../" or "/" in it) nor from the peer's format.
    order.label_file.save(f"label-{order.pk}-{uuid.uuid4().hex[:12]}.{kind.extension}", ContentFile(content),
                          save=False)
    order.label_format = kind.name
    if tracking_no:
        order.tracking_no = tracking_no
    order.labelled_at = timezone.now()
    got = f"{kind.name} label" + (f", tracking number {order.tracking_no}" if order.tracking_no else "")
    if order.status != Status.LABELLED:
        OUTBOUND_FLOW.move(order, Status.LABELLED, actor=OUTBOX, note=got, save=False)  # saved below, with the file
    else:
        OUTBOUND_FLOW.record(order, kind=Event.LABEL_STORED, actor=OUTBOX, summary=f"{got} replaces the previous one")
    order.save(update_fields=["label_file", "label_format", "tracking_no", "labelled_at", "status", "updated_at"])
    return order


# --- Shipping ---------------------------------------------------------------------------------------------

@atomic_with_retry
def outbound_order_ship(*, order: OutboundOrder, actor) -> OutboundOrder:
    """The parcel leaves: SHIP moves, SHIPPED, and the outbound callback queued, all in this transaction."""
    role_require(actor=actor, roles=FLOOR_ROLES, action="Shipping")
    order = _locked(order.pk)
    OUTBOUND_FLOW.check(order, Status.SHIPPED)
    if not order.label_file:
        raise InvalidTransition(f"Outbound order {order.outbound_order_no} has no label", data={"status": order.status})
    label_in_flight = outbox_messages_for(aggregate_type=Aggregate.OUTBOUND_ORDER, aggregate_id=order.pk).filter(
        kind=OutboxMessage.Kind.SHIPPING_LABEL).exclude(status__in=SETTLED_STATUSES)
    if label_in_flight.exists():
        raise InvalidTransition(
            f"A label request for {order.outbound_order_no} is still open; ship once it is done",
            data={"status": order.status})
    lines = list(order.lines.select_related("product").order_by("pk"))
    stock_ship(warehouse_id=order.warehouse_id,
               lines=[StockLine(ln.product_id, ln.quantity, str(ln.pk)) for ln in lines],
               reference_type="outbound_line", reference_number=order.outbound_order_no, actor=actor)
    for line in lines:
        line.reserved_qty = 0
    OutboundOrderLine.objects.bulk_update(lines, ["reserved_qty"])
    OUTBOUND_FLOW.move(order, Status.SHIPPED, actor=actor, note="stock shipped; the outbound callback is queued")
    packages = list(order.packages.prefetch_related("items__product").order_by("pk"))
    outbox_message_enqueue(
        kind=OutboxMessage.Kind.OUTBOUND_CALLBACK, aggregate_type=Aggregate.OUTBOUND_ORDER, aggregate_id=order.pk,
        payload={
            "outbound_order_no": order.outbound_order_no,
            "shipped_at": order.shipped_at.isoformat(),
            "tracking_no": order.tracking_no,
            "packages": [
                {"package_no": p.package_no, "weight_kg": str(p.weight_kg), "length_cm": str(p.length_cm),
                 "width_cm": str(p.width_cm), "height_cm": str(p.height_cm),
                 "items": [{"sku_id": i.product.sku_id, "quantity": i.quantity} for i in p.items.all()]}
                for p in packages
            ],
        },
    )
    return order


# --- Put-back after interception --------------------------------------------------------------------------

@atomic_with_retry
def put_back_confirm(*, task: PutBackTask, actor) -> PutBackTask:
    """Staff put the goods of an intercepted order back on the shelf: their reservation is released."""
    role_require(actor=actor, roles=FLOOR_ROLES, action="Confirming a put-back")
    # The domain's lock order (wms.core.db): the order first, then its task and line, then the stock level.
    order = _locked(PutBackTask.objects.filter(pk=task.pk).values_list("order_id", flat=True).get())
    task = lock_for_update(PutBackTask.objects.select_related("product")).get(pk=task.pk)
    task.order = order
    transition_check(table=PutBackTask.TRANSITIONS, entity="Put-back", number=str(task.pk), current=task.status,
                     target=PutBackTask.Status.DONE)
    line = lock_for_update(OutboundOrderLine.objects).get(pk=task.line_id)
    stock_pack_return(warehouse_id=task.warehouse_id, lines=[StockLine(task.product_id, task.quantity, str(line.pk))],
                      reference_type="outbound_line", reference_number=order.outbound_order_no, actor=actor,
                      reason="put back after interception")
    stock_release(warehouse_id=task.warehouse_id, lines=[StockLine(task.product_id, task.quantity, str(line.pk))],
                  reference_type="outbound_line", reference_number=order.outbound_order_no, actor=actor,
                  reason="put back after interception")
    line.reserved_qty -= task.quantity
    line.save(update_fields=["reserved_qty"])
    task.status = PutBackTask.Status.DONE
    task.confirmed_at, task.confirmed_by = timezone.now(), actor
    task.save(update_fields=["status", "confirmed_at", "confirmed_by"])
    OUTBOUND_FLOW.record(order, kind=Event.PUT_BACK_CONFIRMED, actor=actor,
                         summary=f"{task.quantity} unit(s) of {task.product.sku_id} back on the shelf")
    return task


@transaction.atomic
def outbound_order_callback_retry(*, order: OutboundOrder, actor) -> OutboxMessage:
    """Staff's "retry the ship callback now" (a failed or dead one)."""
    role_require(actor=actor, roles=FLOOR_ROLES, action="Retrying the outbound callback")
    message = outbox_latest_for(aggregate_type=Aggregate.OUTBOUND_ORDER, aggregate_id=order.pk,
                                kind=OutboxMessage.Kind.OUTBOUND_CALLBACK)
    if message is None:
        raise NotFound(f"outbound order {order.outbound_order_no} has no callback yet",
                       data={"outbound_order_no": order.outbound_order_no, "status": order.status})
    message = outbox_message_retry(message=message)
    OUTBOUND_FLOW.record(order, kind=Event.CALLBACK_RETRIED, actor=actor,
                         summary=f"ship callback (outbox message #{message.pk}) to be sent again now")
    return message
