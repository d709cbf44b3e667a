"""Every change of stock: a ledger move and the level it moves, in one transaction, under row locks.

The levels a call touches are locked last, in one statement ordered by pk (the domain's lock order, wms.core.db),
so that two transactions always lock in the same order (no deadlock), and quantities are checked against the
locked rows, never a stale read.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from wms.catalog.models import Product
from wms.core.actors import actor_name, actor_user
from wms.core.db import INTEGER_COLUMN_MAX, atomic_with_retry, lock_for_update
from wms.core.errors import DomainValidationError, InsufficientStock
from wms.core.roles import Role, role_require

from .models import AdjustReason, StockLevel, StockMove, Warehouse
from .signals import available_increased_notify, stock_levels_changed

Kind = StockMove.Kind
ADJUST_ROLES = (Role.SUPERVISOR,)  # who may correct stock by hand


@dataclass(frozen=True)
class StockLine:
    """``quantity`` units of a product, for an order line identified by ``reference_id``."""

    product_id: int
    quantity: int
    reference_id: str = ""


@dataclass(frozen=True)
class _Change:
    product_id: int
    kind: str
    quantity: int
    reference_id: str = ""


def _levels_lock(*, warehouse_id: int, product_ids: set[int], create_missing: bool = True) -> dict[int, StockLevel]:
    """Lock (creating if needed, unless not ``create_missing``) the levels of ``product_ids`` in ``warehouse_id``,
    in pk order."""

    def locked() -> dict[int, StockLevel]:
        levels = lock_for_update(StockLevel.objects).filter(warehouse_id=warehouse_id, product_id__in=product_ids)
        return {level.product_id: level for level in levels.order_by("pk")}

    levels = locked()
    missing = product_ids - levels.keys()
    if missing and create_missing:
        # ignore_conflicts: a concurrent transaction may create the same row; the lock below then waits for it.
        StockLevel.objects.bulk_create(
            [StockLevel(warehouse_id=warehouse_id, product_id=pid) for pid in sorted(missing)], ignore_conflicts=True
        )
        levels = locked()
    return levels


def _changes_post(*, warehouse_id: int, changes: list[_Change], reference_type: str, reference_number: str,
                  actor, reason: str = "", levels: dict[int, StockLevel] | None = None,
                  **move_fields) -> list[StockMove]:
    """Write the moves of ``changes`` and move their levels; refuse the whole batch if any level would break.

    ``levels``: the levels of these products, locked already in this transaction (``stock_reserve_levels``), so
    that they are not locked and read again. Each move names ``actor`` (wms.core.actors): the staff member, or the
    system by name."""
    who, user = actor_name(actor), actor_user(actor)
    if not changes:
        return []
    for change in changes:
        if change.quantity == 0:
            raise DomainValidationError("a stock move needs a non-zero quantity")
    if levels is None or not {c.product_id for c in changes} <= levels.keys():
        levels = _levels_lock(warehouse_id=warehouse_id, product_ids={c.product_id for c in changes})
    else:
        levels = {product_id: levels[product_id] for product_id in sorted({c.product_id for c in changes})}
    buckets = set()
    for change in changes:
        level = levels[change.product_id]
        for bucket in StockMove.BUCKETS[change.kind]:
            setattr(level, bucket, getattr(level, bucket) + change.quantity)
            buckets.add(bucket)

    broken = [level for level in levels.values()
              if level.on_hand < 0 or level.reserved < 0 or level.damaged < 0 or level.reserved > level.on_hand]
    if broken:
        product_ids = [level.product_id for level in broken]
        sku_ids = dict(Product.objects.filter(pk__in=product_ids).values_list("pk", "sku_id"))
        shortages = [
            {"sku_id": sku_ids[level.product_id], "on_hand": level.on_hand, "reserved": level.reserved,
             "damaged": level.damaged}
            for level in broken
        ]
        skus = ", ".join(s["sku_id"] for s in shortages)
        raise InsufficientStock(f"not enough stock for {skus}", data={"shortages": shortages})
    overflowing = [level for level in levels.values()
                   if max(level.on_hand, level.reserved, level.damaged) > INTEGER_COLUMN_MAX]
    if overflowing:  # refused by name for every kind of move, not left to the database to fail the write
        sku_ids = dict(Product.objects.filter(pk__in=[level.product_id for level in overflowing])
                       .values_list("pk", "sku_id"))
        skus = ", ".join(sku_ids[level.product_id] for level in overflowing)
        raise DomainValidationError(f"a stock level of {skus} would exceed {INTEGER_COLUMN_MAX} units",
                                    data={"sku_ids": sorted(sku_ids.values())})

    now = timezone.now()
    for level in levels.values():
        level.updated_at = now
    # Only the buckets these kinds move (the rows are locked, so the others cannot have changed).
    StockLevel.objects.bulk_update(levels.values(), [*sorted(buckets), "updated_at"])
    # In this transaction, after the levels (the lock order): a receiver's rows commit with the move or not at all.
    stock_levels_changed.send(sender="wms.inventory", warehouse_id=warehouse_id, product_ids=sorted(levels))
    return StockMove.objects.bulk_create(
        [
            StockMove(
                warehouse_id=warehouse_id, product_id=c.product_id, kind=c.kind, quantity=c.quantity,
                reference_type=reference_type, reference_id=c.reference_id, reference_number=reference_number,
                reason=reason, user=user, actor=who, **move_fields,
            )
            for c in changes
        ]
    )


def _positive(lines: Iterable[StockLine]) -> list[StockLine]:
    lines = list(lines)
    for line in lines:
        if line.quantity <= 0:
            raise DomainValidationError("quantities must be greater than 0", errors={"quantity": [str(line.quantity)]})
    return lines


@atomic_with_retry
def stock_receive(*, warehouse_id: int, good: Iterable[StockLine] = (), damaged: Iterable[StockLine] = (),
                  reference_type: str, reference_number: str, actor) -> list[StockMove]:
    """Goods arrived: good units become on-hand, damaged ones are kept apart."""
    changes = [_Change(ln.product_id, Kind.RECEIPT, ln.quantity, ln.reference_id) for ln in _positive(good)]
    changes += [_Change(ln.product_id, Kind.RECEIPT_DAMAGED, ln.quantity, ln.reference_id) for ln in _positive(damaged)]
    moves = _changes_post(warehouse_id=warehouse_id, changes=changes, reference_type=reference_type,
                          reference_number=reference_number, actor=actor)
    if any(c.kind == Kind.RECEIPT for c in changes):
        available_increased_notify(warehouse_id=warehouse_id)
    return moves


def stock_reserve_levels(*, warehouse_id: int, lines: Iterable[StockLine]) -> dict[int, StockLevel] | None:
    """Lock the levels of ``lines`` (one statement, pk order: the domain's lock order) and decide, before anything
    is written, whether every line can be reserved: the locked levels (for ``stock_reserve(levels=...)``), or None
    when one cannot (nothing written, no level created: the caller backorders without an error to catch).

    Call it inside the transaction that reserves."""
    lines = _positive(lines)
    needed: dict[int, int] = {}
    for line in lines:
        needed[line.product_id] = needed.get(line.product_id, 0) + line.quantity
    levels = _levels_lock(warehouse_id=warehouse_id, product_ids=set(needed), create_missing=False)
    if needed.keys() - levels.keys():
        return None  # no level, no stock
    if any(levels[pid].on_hand - levels[pid].reserved < qty for pid, qty in needed.items()):
        return None
    return levels


@atomic_with_retry
def stock_reserve(*, warehouse_id: int, lines: Iterable[StockLine], reference_type: str, reference_number: str,
                  actor, levels: dict[int, StockLevel] | None = None) -> list[StockMove]:
    """Reserve every line or none: raises ``InsufficientStock`` (with the shortages) if any line cannot be met.
    ``levels``: what ``stock_reserve_levels`` locked in this transaction (then nothing is locked again)."""
    changes = [_Change(ln.product_id, Kind.ALLOCATE, ln.quantity, ln.reference_id) for ln in _positive(lines)]
    return _changes_post(warehouse_id=warehouse_id, changes=changes, reference_type=reference_type,
                         reference_number=reference_number, actor=actor, levels=levels)


@atomic_with_retry
def stock_release(*, warehouse_id: int, lines: Iterable[StockLine], reference_type: str, reference_number: str,
                  actor, reason: str = "") -> list[StockMove]:
    """Give reserved units back to available stock."""
    changes = [_Change(ln.product_id, Kind.DEALLOCATE, -ln.quantity, ln.reference_id) for ln in _positive(lines)]
    moves = _changes_post(warehouse_id=warehouse_id, changes=changes, reference_type=reference_type,
                          reference_number=reference_number, actor=actor, reason=reason)
    if changes:
        available_increased_notify(warehouse_id=warehouse_id)
    return moves


@atomic_with_retry
def stock_ship(*, warehouse_id: int, lines: Iterable[StockLine], reference_type: str, reference_number: str,
               actor) -> list[StockMove]:
    """Reserved units leave the building: on-hand and reserved both go down."""
    changes = [_Change(ln.product_id, Kind.SHIP, -ln.quantity, ln.reference_id) for ln in _positive(lines)]
    return _changes_post(warehouse_id=warehouse_id, changes=changes, reference_type=reference_type,
                         reference_number=reference_number, actor=actor)


@atomic_with_retry
def stock_adjust(*, warehouse_id: int, product_id: int, quantity: int, reason: str, actor, note: str = "",
                 damaged: bool = False) -> StockMove:
    """A counted correction (signed) by a Supervisor: an ADJUST (or ADJUST_DAMAGED) move with the reason code
    (``AdjustReason``), the note (required for OTHER) and the Supervisor (a staff step: never a system actor).
    Refused, naming the bucket, if it would leave the level negative or with fewer units on hand than are reserved
    (checked on the locked row)."""
    role_require(actor=actor, roles=ADJUST_ROLES, action="Adjusting stock")
    note = (note or "").strip()
    if reason not in AdjustReason.values:
        raise DomainValidationError("a stock adjustment needs a reason",
                                    errors={"reason": [f"Choose one of {', '.join(AdjustReason.values)}."]})
    if reason == AdjustReason.OTHER and not note:
        raise DomainValidationError("an adjustment for another reason needs a note",
                                    errors={"note": ["Required when the reason is Other."]})
    if not quantity:
        raise DomainValidationError("a stock adjustment changes at least one unit", errors={"quantity": ["Not 0."]})
    kind = Kind.ADJUST_DAMAGED if damaged else Kind.ADJUST
    level = _levels_lock(warehouse_id=warehouse_id, product_ids={product_id})[product_id]
    bucket = "damaged" if damaged else "on_hand"
    after = getattr(level, bucket) + quantity
    if after < 0:
        raise InsufficientStock(f"{bucket} would become {after}", errors={"quantity": [
            f"{bucket} is {getattr(level, bucket)}: a change of {quantity} would make it negative."]})
    if after > INTEGER_COLUMN_MAX:
        raise DomainValidationError(f"{bucket} would become {after}", errors={"quantity": [
            f"{bucket} would become {after}, more than a level can hold ({INTEGER_COLUMN_MAX})."]})
    if not damaged and after < level.reserved:
        raise InsufficientStock(f"on_hand would become {after}, below reserved {level.reserved}", errors={
            "quantity": [f"on_hand would become {after}, below reserved ({level.reserved} units promised to "
                         "outbound orders)."]})
    (move,) = _changes_post(
        warehouse_id=warehouse_id, changes=[_Change(product_id, kind, quantity)], reference_type="adjustment",
        reference_number="", actor=actor, reason=AdjustReason(reason).label, reason_code=reason, note=note,
    )
    return move


def warehouse_get_or_create(*, code: str, name: str = "") -> Warehouse:
    warehouse, _ = Warehouse.objects.get_or_create(code=code, defaults={"name": name or code})
    return warehouse

