"""Writes of the fake ONE stock API, with the semantics of ONE's published page (shared/seeds/one-stock-api.txt):
PUT replaces a warehouse's stock (rows not sent become 0), POST incremental *sets* the sent quantities and drops
the rows named in ``stocksToRemove``."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from simulators.faults import services as simfaults
from wms.core.db import lock_for_update

from .models import SimFault, SimRequest, SimReservation, SimStock, SimWarehouse


@dataclass(frozen=True)
class StockLine:
    stock_id: str
    sku: str
    quantity: Decimal


@dataclass(frozen=True)
class WriteResult:
    warehouse_id: str
    updated: int
    zeroed: int = 0
    removed: int = 0

    def as_dict(self) -> dict:
        return {"warehouseId": self.warehouse_id, "updated": self.updated, "zeroed": self.zeroed,
                "removed": self.removed}


def warehouse_get_or_create(*, warehouse_id: str, label: str = "") -> SimWarehouse:
    warehouse, created = SimWarehouse.objects.get_or_create(warehouse_id=warehouse_id,
                                                            defaults={"label": label or warehouse_id})
    if label and not created and warehouse.label != label:
        warehouse.label = label
        warehouse.save(update_fields=["label"])
    return warehouse


def _upsert(warehouse: SimWarehouse, lines: list[StockLine]) -> int:
    latest = {line.stock_id: line for line in lines}  # a stock id sent twice: the last line counts
    existing = {s.stock_id: s for s in lock_for_update(SimStock.objects).filter(
        warehouse=warehouse, stock_id__in=list(latest))}
    changed, created = [], []
    for stock_id, line in latest.items():
        row = existing.get(stock_id)
        if row is None:
            created.append(SimStock(warehouse=warehouse, stock_id=stock_id, sku=line.sku, quantity=line.quantity))
        else:
            row.sku, row.quantity = line.sku, line.quantity
            changed.append(row)
    SimStock.objects.bulk_create(created, batch_size=1000)
    SimStock.objects.bulk_update(changed, ["sku", "quantity", "updated_at"], batch_size=1000)
    return len(latest)


@transaction.atomic
def stock_replace(*, warehouse_id: str, lines: list[StockLine]) -> WriteResult:
    """PUT: the warehouse's stock becomes exactly ``lines``; every other row of it is set to 0."""
    warehouse = warehouse_get_or_create(warehouse_id=warehouse_id)
    updated = _upsert(warehouse, lines)
    zeroed = (SimStock.objects.filter(warehouse=warehouse).exclude(stock_id__in=[line.stock_id for line in lines])
              .exclude(quantity=0).update(quantity=0))
    return WriteResult(warehouse_id=warehouse_id, updated=updated, zeroed=zeroed)


@transaction.atomic
def stock_incremental_apply(*, warehouse_id: str, lines: list[StockLine], remove_ids: list[str]) -> WriteResult:
    """POST incremental: each line sets its row's quantity (absolute, not added); ``remove_ids`` rows go."""
    warehouse = warehouse_get_or_create(warehouse_id=warehouse_id)
    updated = _upsert(warehouse, lines)
    removed, _ = SimStock.objects.filter(warehouse=warehouse, stock_id__in=remove_ids).delete()
    return WriteResult(warehouse_id=warehouse_id, updated=updated, removed=removed)


@transaction.atomic
def reservation_set(*, warehouse_id: str, sku: str, quantity: Decimal, cart_id: str = "") -> SimReservation | None:
    """Sets how many units of ``sku`` a cart holds in a warehouse (0 removes the reservation)."""
    warehouse = warehouse_get_or_create(warehouse_id=warehouse_id)
    if quantity < 0:
        raise ValueError("a reservation cannot be negative")
    if quantity == 0:
        SimReservation.objects.filter(warehouse=warehouse, sku=sku, cart_id=cart_id).delete()
        return None
    reservation, _ = SimReservation.objects.update_or_create(warehouse=warehouse, sku=sku, cart_id=cart_id,
                                                             defaults={"quantity": quantity})
    return reservation


def request_record(*, endpoint: str, method: str, path: str, query: str, body: bytes, status_code: int,
                   response_body: str, fault: str = "") -> SimRequest:
    return SimRequest.objects.create(
        endpoint=endpoint, method=method, path=path[:500], query=query,
        body=body.decode("utf-8", "replace")[:200_000], status_code=status_code,
        response_body=response_body[:200_000], fault=fault,
    )


def fault_arm(*, endpoint: str, kind: str, count: int, delay_seconds: float = 0.0) -> SimFault:
    return simfaults.fault_arm(model=SimFault, endpoint=endpoint, kind=kind, count=count, delay_seconds=delay_seconds)


def fault_take(*, endpoint: str) -> SimFault | None:
    """The fault the current call of ``endpoint`` gets (oldest armed first), counted down; None if none."""
    return simfaults.fault_take(model=SimFault, endpoint=endpoint)


def faults_clear() -> int:
    return simfaults.faults_clear(model=SimFault)
