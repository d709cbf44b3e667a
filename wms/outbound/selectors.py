from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, QuerySet

from wms.catalog.models import Owner, Product
from wms.core.statements import lock_clause, quoted, statement_text, table
from wms.inventory.models import Location, LocationStock, StockLevel, Warehouse
from wms.outbox.models import OutboxMessage
from wms.outbox.selectors import CallbackState, outbox_callback_state, outbox_latest_for, outbox_messages_for

from .models import OutboundOrder, OutboundOrderLine, PutBackTask, ShortPick

Status = OutboundOrder.Status
Aggregate = OutboxMessage.Aggregate


def outbound_backordered_ids(*, warehouse_id: int) -> list[int]:
    """Backordered orders of a warehouse, oldest first: the order in which arriving stock is given out.

    An order holding a line of another merchant's product (written before that rule) is left out: allocating it
    is refused, and it must not stop the orders behind it."""
    foreign_line = OutboundOrderLine.objects.filter(order=OuterRef("pk")).exclude(product__owner=OuterRef("owner"))
    return list(
        OutboundOrder.objects.filter(warehouse_id=warehouse_id, status=OutboundOrder.Status.BACKORDERED)
        .exclude(Exists(foreign_line))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )


def outbound_created_ids() -> list[int]:
    """Orders still CREATED (waiting for their allocation after the answer), oldest first."""
    return list(OutboundOrder.objects.filter(status=OutboundOrder.Status.CREATED).order_by("created_at", "pk")
                .values_list("pk", flat=True))


def outbound_order_lines(*, order: OutboundOrder) -> QuerySet:
    return order.lines.select_related("product").order_by("product__sku_id")


def outbound_order_by_pk(*, pk) -> OutboundOrder | None:
    return OutboundOrder.objects.select_related("warehouse", "owner").filter(pk=pk).first()


# Where picking takes units from (active, unblocked): storage bins and pick faces on the pick path, then the
# receiving dock for goods not put away yet.
PICKABLE_KINDS = (Location.Kind.STORAGE, Location.Kind.PICK_FACE, Location.Kind.RECEIVING)


def _path_key(location: Location) -> tuple:
    """Where a location comes on the pick path: bins by ``pick_sequence`` then code, the dock last."""
    return (location.kind == Location.Kind.RECEIVING, location.pick_sequence, location.code)


@dataclass
class PickStop:
    """One stop of a pick path: take ``quantity`` units of ``product`` from ``location`` (None: no bin holds them;
    the picker reports a short pick) for ``orders`` ("OB-1 ×2")."""

    location: Location | None
    product: Product
    quantity: int = 0
    orders: list[str] = field(default_factory=list)
    order_ids: set[int] = field(default_factory=set)


def pickable_stock(*, warehouse_ids, product_ids) -> list[LocationStock]:
    """The units picking may take (``PICKABLE_KINDS``, active and unblocked), in pick-path order."""
    stocks = (LocationStock.objects.filter(location__warehouse_id__in=list(warehouse_ids),
                                           product_id__in=list(product_ids), quantity__gt=0,
                                           location__is_active=True, location__is_blocked=False,
                                           location__kind__in=PICKABLE_KINDS).select_related("location"))
    return sorted(stocks, key=lambda stock: (*_path_key(stock.location), stock.pk))


def outbound_pick_directions(*, order_ids) -> list[PickStop]:
    """The pick path for these orders (one order, or a wave): what is still to pick, bin by bin in pick-path order
    (``pick_sequence``, then the bin's code; the dock last), each bin's units shared out to the orders' lines,
    oldest order first. Units no pickable location holds any more come last, without a bin."""
    lines = list(
        OutboundOrderLine.objects.filter(order_id__in=list(order_ids), order__status__in=[Status.ALLOCATED,
                                                                                           Status.PICKING])
        .filter(picked_qty__lt=F("quantity"))
        .select_related("product", "order").order_by("order__created_at", "order__pk", "pk"))
    bins: dict[tuple[int, int], list[list]] = {}
    for stock in pickable_stock(warehouse_ids={ln.order.warehouse_id for ln in lines},
                                product_ids={ln.product_id for ln in lines}):
        bins.setdefault((stock.location.warehouse_id, stock.product_id), []).append([stock.location, stock.quantity])
    stops: dict[tuple, PickStop] = {}
    for line in lines:
        need = line.quantity - line.picked_qty
        for place in bins.get((line.order.warehouse_id, line.product_id), []):
            take = min(need, place[1])
            if take:
                _stop_add(stops, place[0], line, take)
                place[1] -= take
                need -= take
        if need:
            _stop_add(stops, None, line, need)
    return sorted(stops.values(), key=lambda stop: (
        stop.location is None, *(_path_key(stop.location) if stop.location else (False, 0, "")), stop.product.sku_id))


def _stop_add(stops: dict, location, line, quantity: int) -> None:
    key = (location.pk if location else None, line.product_id)
    stop = stops.setdefault(key, PickStop(location=location, product=line.product))
    stop.quantity += quantity
    stop.orders.append(f"{line.order.outbound_order_no} ×{quantity}")
    stop.order_ids.add(line.order_id)


def outbound_labels_for_print(*, order_ids) -> list[OutboundOrder]:
    return list(OutboundOrder.objects.filter(pk__in=list(order_ids)).exclude(label_file="").order_by("pk"))


# The piles of orders on the admin home, in the order the work flows.
DASHBOARD_ORDER_PILES = (
    ("To allocate", Status.CREATED), ("Backordered", Status.BACKORDERED), ("To pick", Status.ALLOCATED),
    ("To pack (picking)", Status.PICKING), ("Awaiting label", Status.PACKED), ("Ready to ship", Status.LABELLED),
)


def outbound_dashboard_counts() -> list[dict]:
    """The shift lead's view of the day's work: each pile of work, its count and where it is listed."""
    by_status = dict(OutboundOrder.objects.order_by().values_list("status").annotate(n=Count("pk")))
    rows = [
        {"label": label, "count": by_status.get(status, 0), "model": "outboundorder",
         "query": f"status__exact={status}"}
        for label, status in DASHBOARD_ORDER_PILES
    ]
    rows += [
        {"label": label, "count": model.objects.filter(status=model.Status.OPEN).count(),
         "model": model._meta.model_name, "query": f"status__exact={model.Status.OPEN}", "alert": True}
        for label, model in (("To put back", PutBackTask), ("Short picks open", ShortPick))
    ]
    for row in rows:
        row["app"] = "outbound"
    failed = OutboxMessage.objects.filter(
        status__in=[OutboxMessage.Status.FAILED, OutboxMessage.Status.DEAD, OutboxMessage.Status.HELD],
        kind__in=[OutboxMessage.Kind.INBOUND_CALLBACK, OutboxMessage.Kind.SHIPPING_LABEL,
                  OutboxMessage.Kind.OUTBOUND_CALLBACK])
    rows.append({"label": "Failed or held callbacks / label requests", "count": failed.count(), "app": "outbox",
                 "model": "outboxmessage", "query": "status__in=FAILED,DEAD,HELD", "alert": True})
    return rows


def outbound_shipped_today_count() -> int:
    from django.utils import timezone

    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return OutboundOrder.objects.filter(status=OutboundOrder.Status.SHIPPED, shipped_at__gte=start).count()


def outbound_outbox_states(*, order: OutboundOrder) -> list[OutboxMessage]:
    """The order's calls to OneWarehouse (label requests, ship callback), oldest first, for staff to read."""
    return list(outbox_messages_for(aggregate_type=Aggregate.OUTBOUND_ORDER, aggregate_id=order.pk))


def outbound_callback_state(*, order: OutboundOrder) -> CallbackState:
    return outbox_callback_state(aggregate_type=Aggregate.OUTBOUND_ORDER, aggregate_id=order.pk,
                                 kind=OutboxMessage.Kind.OUTBOUND_CALLBACK)


def outbound_label_pending(*, order: OutboundOrder) -> bool:
    """A label request of the order is queued or on its way (the page offers no second one meanwhile)."""
    latest = outbox_latest_for(aggregate_type=OutboxMessage.Aggregate.OUTBOUND_ORDER, aggregate_id=order.pk,
                               kind=OutboxMessage.Kind.SHIPPING_LABEL)
    return latest is not None and latest.status in (OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING)


def outbound_order_shortages(*, order: OutboundOrder) -> list[str]:
    """Why a backordered order waits, line by line: "<sku_id>: needs N, M available" for each line that its
    warehouse cannot reserve now (what is still unreserved of the line against the level's available units)."""
    lines = [line for line in order.lines.select_related("product").order_by("pk") if line.quantity > line.reserved_qty]
    available = {level.product_id: level.available for level in StockLevel.objects.filter(
        warehouse_id=order.warehouse_id, product_id__in=[line.product_id for line in lines])}
    return [f"{line.product.sku_id}: needs {line.quantity - line.reserved_qty}, {available.get(line.product_id, 0)} "
            "available" for line in lines if line.quantity - line.reserved_qty > available.get(line.product_id, 0)]


FLOOR_LIST_LIMIT = 20  # big buttons on the floor home per pile; the rest are in the admin's list


def outbound_orders_in(*, statuses, fully_picked: bool | None = None, limit: int = FLOOR_LIST_LIMIT,
                       newest_first: bool = False) -> list[OutboundOrder]:
    """Orders in ``statuses``, oldest first (``fully_picked``: only those whose every line is picked, or only those
    with a line still to pick)."""
    queryset = OutboundOrder.objects.filter(status__in=list(statuses))
    if fully_picked is not None:
        open_line = OutboundOrderLine.objects.filter(order=OuterRef("pk"), picked_qty__lt=F("quantity"))
        queryset = queryset.exclude(Exists(open_line)) if fully_picked else queryset.filter(Exists(open_line))
    ordering = ("-created_at", "-pk") if newest_first else ("created_at", "pk")
    return list(queryset.order_by(*ordering)[:limit])


def outbound_order_by_code(*, code: str) -> OutboundOrder | None:
    """The order a scanned code names: its number, its parcel's tracking number, or its platform order number."""
    if not code:
        return None
    for lookup in ("outbound_order_no", "tracking_no", "platform_order_no"):
        order = (OutboundOrder.objects.select_related("warehouse", "owner").filter(**{lookup: code})
                 .order_by("-created_at", "-pk").first())
        if order is not None:
            return order
    return None


def outbound_order_fully_picked(*, order: OutboundOrder) -> bool:
    return not order.lines.filter(picked_qty__lt=F("quantity")).exists()


def outbound_ship_dock_counts() -> dict[str, int]:
    """The ship dock's progress today: parcels shipped today against those plus the labelled ones waiting."""
    shipped = outbound_shipped_today_count()
    return {"shipped": shipped, "waiting": OutboundOrder.objects.filter(status=Status.LABELLED).count()}


@dataclass(frozen=True)
class OrderIntake:
    """What creating an outbound order must know before it writes: the order already under its number (its id),
    the warehouse, the merchant, and the products its lines name (locked, by sku_id). None: there is none."""

    existing_id: int | None
    warehouse_id: int | None
    owner_id: int | None
    products: dict


def _intake_sql(count: int) -> str:
    """The intake's one read (``outbound_intake_resolve``) for ``count`` sku_ids, built once
    (``wms.core.statements``): the products, share-locked in sku_id order, each row carrying the three ids."""

    def build() -> str:
        product, products = Product._meta, table(Product)
        columns = ", ".join(f"{products}.{quoted(f.column)}" for f in product.concrete_fields)

        def first_id(model, *conditions: str) -> str:
            where = " AND ".join(f"{quoted(model._meta.get_field(name).column)} = %s" for name in conditions)
            return f"(SELECT {quoted(model._meta.pk.column)} FROM {table(model)} WHERE {where} LIMIT 1)"

        sku = quoted(product.get_field("sku_id").column)
        return (f"SELECT {columns}, {first_id(OutboundOrder, 'outbound_order_no')} AS intake_existing_id, "
                f"{first_id(Warehouse, 'code', 'is_active')} AS intake_warehouse_id, "
                f"{first_id(Owner, 'owner_code')} AS intake_owner_id "
                f"FROM {products} WHERE {products}.{sku} IN ({', '.join(['%s'] * count)}) ORDER BY {products}.{sku}"
                + lock_clause(Product, share=True))

    return statement_text(("outbound_intake", count), build, rows=count)


def outbound_intake_resolve(*, outbound_order_no: str, warehouse_code: str, owner_code: str,
                            items: list[dict]) -> OrderIntake:
    """The order under ``outbound_order_no``, the active warehouse ``warehouse_code``, merchant ``owner_code`` and
    the products of ``items``, in one statement: the three ids ride on each product row. Only when no product
    matches are they read on their own.

    The products are locked ``FOR SHARE`` (``wms.core.db``'s lock order), in sku_id order: no product sync may move
    one to another merchant before the order commits (it waits for the lock), while concurrent pushes naming the
    same products do not wait for each other."""
    sku_ids = sorted({item["sku_id"] for item in items})
    products = list(Product.objects.raw(_intake_sql(len(sku_ids)),
                                        [outbound_order_no, warehouse_code, True, owner_code, *sku_ids]))
    names = ("intake_existing_id", "intake_warehouse_id", "intake_owner_id")
    if products:
        found = {name: getattr(products[0], name) for name in names}
    else:  # no product row to carry them
        found = dict(zip(names, (query.values_list("pk", flat=True).first() for query in (
            OutboundOrder.objects.filter(outbound_order_no=outbound_order_no),
            Warehouse.objects.filter(code=warehouse_code, is_active=True),
            Owner.objects.filter(owner_code=owner_code))), strict=True))
    return OrderIntake(existing_id=found["intake_existing_id"], warehouse_id=found["intake_warehouse_id"],
                       owner_id=found["intake_owner_id"], products={p.sku_id: p for p in products})
