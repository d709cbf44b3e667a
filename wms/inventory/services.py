"""Every change of stock: a ledger move and the level it moves, in one transaction, under row locks.

The levels a call touches are locked last, in one statement ordered by pk (the domain's lock order, wms.core.db),
so that two transactions always lock in the same order (no deadlock), and quantities are checked against the
locked rows, never a stale read. A move that names a location (``from_location`` / ``to_location``) also moves
that location's ``LocationStock``, locked after the levels, in pk order; reservations never name one (they stay
per warehouse), so reserving and releasing do no location work.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from wms.catalog.models import Product
from wms.core.actors import actor_check, actor_name, actor_user
from wms.core.db import INTEGER_COLUMN_MAX, atomic_with_retry, lock_for_update
from wms.core.errors import DomainValidationError, InsufficientStock
from wms.core.roles import Role, role_require
from wms.core.statements import lock_clause, quoted, rows_update_insert, statement_text, table

from .models import AdjustReason, Location, LocationStock, StockLevel, StockMove, Warehouse
from .selectors import location_default
from .signals import available_increased_notify, stock_levels_changed

Kind = StockMove.Kind
ADJUST_ROLES = (Role.SUPERVISOR,)  # who may correct stock by hand
LOCATION_ROLES = (Role.SUPERVISOR,)  # who may create, change, block and import locations


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
    from_location_id: int | None = None
    to_location_id: int | None = None


def _levels_locked_sql(count: int) -> str:
    """``SELECT`` the levels of one warehouse and ``count`` products, locked in pk order (``lock_for_update``):
    the hottest read of every move, so its text is built once (``wms.core.statements``)."""

    def build() -> str:
        meta = StockLevel._meta
        columns = ", ".join(quoted(f.column) for f in meta.concrete_fields)
        warehouse, product = (quoted(meta.get_field(name).column) for name in ("warehouse", "product"))
        keys = ", ".join(["%s"] * count)
        return (f"SELECT {columns} FROM {table(StockLevel)} WHERE {warehouse} = %s AND {product} IN ({keys}) "
                f"ORDER BY {quoted(meta.pk.column)}{lock_clause(StockLevel)}")

    return statement_text(("stock_levels_locked", count), build, rows=count)


def _levels_lock(*, warehouse_id: int, product_ids: set[int], create_missing: bool = True) -> dict[int, StockLevel]:
    """Lock (creating if needed, unless not ``create_missing``) the levels of ``product_ids`` in ``warehouse_id``,
    in pk order."""

    ordered = sorted(product_ids)

    def locked() -> dict[int, StockLevel]:
        if not ordered:
            return {}
        return {level.product_id: level for level in StockLevel.objects.raw(
            _levels_locked_sql(len(ordered)), [warehouse_id, *ordered])}

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

    # After the levels (the lock order): the location stocks the moves name.
    _location_stocks_move(warehouse_id=warehouse_id, changes=changes)
    changed = sorted({c.product_id for c in changes if StockMove.BUCKETS[c.kind]})
    moved = [levels[product_id] for product_id in changed]
    now = timezone.now()
    for level in moved:
        level.updated_at = now
    # The levels (only the buckets these kinds move: the rows are locked, so the others cannot have changed) and the
    # ledger's moves, in one statement where the database can (wms.core.statements).
    moves = rows_update_insert(moved, [*sorted(buckets), "updated_at"], [
        StockMove(
            warehouse_id=warehouse_id, product_id=c.product_id, kind=c.kind, quantity=c.quantity,
            reference_type=reference_type, reference_id=c.reference_id, reference_number=reference_number,
            from_location_id=c.from_location_id, to_location_id=c.to_location_id,
            reason=reason, user=user, actor=who, **move_fields,
        )
        for c in changes
    ])
    if changed:
        # In this transaction, after the levels (the lock order): a receiver's rows commit with the move or not.
        stock_levels_changed.send(sender="wms.inventory", warehouse_id=warehouse_id, product_ids=changed)
    return moves


# --- Locations ----------------------------------------------------------------------------------------------

def location_defaults_ensure(*, warehouse_id: int) -> dict[str, Location]:
    """Give the warehouse its default locations (``Location.DEFAULT_CODES``) if missing; returns them by kind.

    Idempotent and safe to run concurrently (a location made meanwhile by another transaction is kept)."""
    Location.objects.bulk_create(
        [Location(warehouse_id=warehouse_id, code=code, barcode=code, kind=kind, name=Location.Kind(kind).label,
                  zone="", pick_sequence=0)
         for kind, code in Location.DEFAULT_CODES.items()],
        ignore_conflicts=True,
    )
    return {kind: location_default(warehouse_id=warehouse_id, kind=kind) for kind in Location.DEFAULT_CODES}


@atomic_with_retry
def location_save(*, location: Location, actor) -> Location:
    """Create or change a location (admin's form, a CSV row) after its own rules (``Location.clean``, the unique
    code and barcode in the warehouse); a Supervisor's step, or a command's (the demo data). Refused with the fields
    named (``DomainValidationError.errors``)."""
    role_require(actor=actor, roles=LOCATION_ROLES, action="Changing locations", system=True)
    try:
        location.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
        raise DomainValidationError("the location was refused: " + "; ".join(
            f"{field}: {' '.join(texts)}" for field, texts in errors.items()), errors=errors) from exc
    location.save()
    return location


def _default_location_id(*, warehouse_id: int, kind: str) -> int:
    location = location_default(warehouse_id=warehouse_id, kind=kind)
    if location is None:
        location = location_defaults_ensure(warehouse_id=warehouse_id)[kind]
    return location.pk


def _location_deltas(changes: list[_Change]) -> dict[tuple[int, int], int]:
    """(product, location) -> signed change: |quantity| into ``to_location``, out of ``from_location``."""
    deltas: dict[tuple[int, int], int] = defaultdict(int)
    for change in changes:
        if change.to_location_id is not None:
            deltas[(change.product_id, change.to_location_id)] += abs(change.quantity)
        if change.from_location_id is not None:
            deltas[(change.product_id, change.from_location_id)] -= abs(change.quantity)
    return deltas


def _location_changes_check(*, warehouse_id: int, changes: list[_Change], locations: dict[int, Location]) -> None:
    """A move's locations are the warehouse's; sellable units never sit in quarantine nor damaged ones outside it."""
    for change in changes:
        if change.kind in StockMove.RESERVATION_KINDS:
            if change.from_location_id or change.to_location_id:
                raise DomainValidationError("a reservation is kept per warehouse and names no location")
            continue
        named = [locations[pk] for pk in (change.from_location_id, change.to_location_id) if pk is not None]
        for location in named:
            if location.warehouse_id != warehouse_id:
                raise DomainValidationError(f"location {location.code} is not in this warehouse",
                                            errors={"location": [f"{location.code} belongs to another warehouse."]})
        buckets = StockMove.BUCKETS[change.kind]
        if "damaged" in buckets and any(not loc.is_quarantine for loc in named):
            raise DomainValidationError("damaged units are kept in a quarantine location", errors={
                "location": ["Damaged units go to a quarantine location."]})
        if "on_hand" in buckets and any(loc.is_quarantine for loc in named):
            raise DomainValidationError("sellable units are never kept in quarantine", errors={
                "location": ["Quarantine holds damaged units only; adjust the damaged units instead."]})
        if change.kind == Kind.TRANSFER and len({loc.is_quarantine for loc in named}) > 1:
            raise DomainValidationError("a transfer keeps units sellable or damaged: quarantine to quarantine, or "
                                        "between other locations", errors={
                                            "to_location": ["Quarantine and sellable locations do not mix."]})


def _location_stocks_lock(*, warehouse_id: int, keys: Iterable[tuple[int, int]] = (),
                          product_ids: Iterable[int] = ()) -> dict[tuple[int, int], LocationStock]:
    """Lock the location stocks of ``keys`` ((product, location), created at 0 if missing) and of every location of
    ``product_ids`` in the warehouse, in one statement ordered by pk. Call after the levels (wms.core.db)."""
    keys, product_ids = set(keys), set(product_ids)

    def locked() -> dict[tuple[int, int], LocationStock]:
        # Two IN lists (not one condition per key: a receipt of thousands of products); the pairs they cross that
        # were not asked for are locked too, in the same statement and order, which is harmless.
        wanted = Q(pk__in=[])
        if product_ids:
            wanted |= Q(product_id__in=product_ids, location__warehouse_id=warehouse_id)
        if keys:
            wanted |= Q(product_id__in={p for p, _ in keys}, location_id__in={loc for _, loc in keys})
        rows = lock_for_update(LocationStock.objects.select_related("location")).filter(wanted).order_by("pk")
        return {(row.product_id, row.location_id): row for row in rows}

    stocks = locked()
    missing = keys - stocks.keys()
    if missing:
        # ignore_conflicts: a concurrent transaction may create the same row; the lock below then waits for it.
        LocationStock.objects.bulk_create([LocationStock(product_id=p, location_id=loc, quantity=0)
                                           for p, loc in sorted(missing)], ignore_conflicts=True)
        stocks = locked()
    return stocks


def _location_stocks_move(*, warehouse_id: int, changes: list[_Change]) -> None:
    deltas = _location_deltas(changes)
    if not deltas and not any(c.from_location_id or c.to_location_id for c in changes):
        return
    locations = Location.objects.in_bulk({loc for _, loc in deltas} | {
        pk for c in changes for pk in (c.from_location_id, c.to_location_id) if pk is not None})
    _location_changes_check(warehouse_id=warehouse_id, changes=changes, locations=locations)
    stocks = _location_stocks_lock(warehouse_id=warehouse_id, keys=deltas)
    short = []
    for key, delta in deltas.items():
        stock = stocks[key]
        stock.quantity += delta
        if stock.quantity < 0:
            short.append(stock)
        elif stock.quantity > INTEGER_COLUMN_MAX:
            raise DomainValidationError(f"location {stock.location.code} would hold more than {INTEGER_COLUMN_MAX}",
                                        errors={"quantity": [f"More than {INTEGER_COLUMN_MAX} units."]})
    if short:
        sku_ids = dict(Product.objects.filter(pk__in=[s.product_id for s in short]).values_list("pk", "sku_id"))
        shortages = [{"sku_id": sku_ids[s.product_id], "location": s.location.code,
                      "quantity": s.quantity - deltas[(s.product_id, s.location_id)],
                      "wanted": -deltas[(s.product_id, s.location_id)]} for s in short]
        text = "; ".join(f"{row['location']} holds {row['quantity']} of {row['sku_id']}, {row['wanted']} wanted"
                         for row in shortages)
        raise InsufficientStock(f"not enough stock in the location: {text}", data={"shortages": shortages},
                                errors={"quantity": [text]})
    now = timezone.now()
    touched = [stocks[key] for key in deltas]
    for stock in touched:
        stock.updated_at = now
    LocationStock.objects.bulk_update(touched, ["quantity", "updated_at"])


# Where units are taken from when the caller names no location, in this order (kinds; then pick path).
_SHIP_ORDER = (Location.Kind.PACKING, Location.Kind.PICK_FACE, Location.Kind.STORAGE, Location.Kind.RECEIVING)


def _sources(stocks: dict[tuple[int, int], LocationStock], *, product_id: int, quantity: int, kinds: tuple,
             prefer_id: int | None = None) -> list[tuple[int, int]]:
    """(location, units) to take ``quantity`` of a product from (locked ``stocks``): ``prefer_id`` first, then the
    locations of ``kinds`` in that order, each kind in pick-path order. Returns what there is (maybe less)."""
    rank = {kind: index for index, kind in enumerate(kinds)}
    candidates = [s for (pid, _), s in stocks.items() if pid == product_id and s.quantity > 0
                  and (s.location.kind in rank or s.location_id == prefer_id)]
    candidates.sort(key=lambda s: (s.location_id != prefer_id, rank.get(s.location.kind, -1),
                                   s.location.pick_sequence, s.location.code))
    taken, rest = [], quantity
    for stock in candidates:
        if rest <= 0:
            break
        units = min(rest, stock.quantity)
        taken.append((stock.location_id, units))
        stock.quantity -= units  # a later line of the same call plans on what is left
        rest -= units
    return taken


def _putaway_bin_id(stocks: dict[tuple[int, int], LocationStock], *, warehouse_id: int, product_id: int) -> int:
    """Where units going back to the shelf go: the first bin (pick path) holding the product, else the default bin."""
    bins = sorted((s for (pid, _), s in stocks.items() if pid == product_id and s.quantity > 0
                   and s.location.kind in Location.BIN_KINDS and s.location.is_active and not s.location.is_blocked),
                  key=lambda s: (s.location.pick_sequence, s.location.code))
    if bins:
        return bins[0].location_id
    return _default_location_id(warehouse_id=warehouse_id, kind=Location.Kind.STORAGE)


def _positive(lines: Iterable[StockLine]) -> list[StockLine]:
    lines = list(lines)
    for line in lines:
        if line.quantity <= 0:
            raise DomainValidationError("quantities must be greater than 0", errors={"quantity": [str(line.quantity)]})
    return lines


@atomic_with_retry
def stock_receive(*, warehouse_id: int, good: Iterable[StockLine] = (), damaged: Iterable[StockLine] = (),
                  reference_type: str, reference_number: str, actor) -> list[StockMove]:
    """Goods arrived: good units become on-hand on the receiving dock (to be put away), damaged ones are kept apart
    in quarantine."""
    good, damaged = _positive(good), _positive(damaged)
    dock = _default_location_id(warehouse_id=warehouse_id, kind=Location.Kind.RECEIVING) if good else None
    quarantine = _default_location_id(warehouse_id=warehouse_id, kind=Location.Kind.QUARANTINE) if damaged else None
    changes = [_Change(ln.product_id, Kind.RECEIPT, ln.quantity, ln.reference_id, to_location_id=dock)
               for ln in good]
    changes += [_Change(ln.product_id, Kind.RECEIPT_DAMAGED, ln.quantity, ln.reference_id, to_location_id=quarantine)
                for ln in damaged]
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
    Per warehouse only: no location is touched. ``levels``: what ``stock_reserve_levels`` locked in this
    transaction (then nothing is locked again)."""
    changes = [_Change(ln.product_id, Kind.ALLOCATE, ln.quantity, ln.reference_id) for ln in _positive(lines)]
    return _changes_post(warehouse_id=warehouse_id, changes=changes, reference_type=reference_type,
                         reference_number=reference_number, actor=actor, levels=levels)


@atomic_with_retry
def stock_release(*, warehouse_id: int, lines: Iterable[StockLine], reference_type: str, reference_number: str,
                  actor, reason: str = "") -> list[StockMove]:
    """Give reserved units back to available stock (per warehouse: no location is touched)."""
    changes = [_Change(ln.product_id, Kind.DEALLOCATE, -ln.quantity, ln.reference_id) for ln in _positive(lines)]
    moves = _changes_post(warehouse_id=warehouse_id, changes=changes, reference_type=reference_type,
                          reference_number=reference_number, actor=actor, reason=reason)
    if changes:
        available_increased_notify(warehouse_id=warehouse_id)
    return moves


def _planned(*, warehouse_id: int, lines: list[StockLine], kinds: tuple,
             what: str) -> list[tuple[StockLine, list[tuple[int, int]]]]:
    """Lock the levels then the location stocks of ``lines``' products and plan where each line's units come
    from; refused (``InsufficientStock``, naming the SKUs) if the locations of ``kinds`` hold too few."""
    product_ids = {ln.product_id for ln in lines}
    _levels_lock(warehouse_id=warehouse_id, product_ids=product_ids)
    stocks = _location_stocks_lock(warehouse_id=warehouse_id, product_ids=product_ids)
    plans, short = [], []
    for line in lines:
        taken = _sources(stocks, product_id=line.product_id, quantity=line.quantity, kinds=kinds)
        missing = line.quantity - sum(units for _, units in taken)
        if missing:
            short.append((line.product_id, missing))
        plans.append((line, taken))
    if short:
        sku_ids = dict(Product.objects.filter(pk__in=[pid for pid, _ in short]).values_list("pk", "sku_id"))
        text = ", ".join(f"{sku_ids[pid]} ({missing} short)" for pid, missing in short)
        raise InsufficientStock(f"not enough stock {what}: {text}", data={"shortages": [
            {"sku_id": sku_ids[pid], "missing": missing} for pid, missing in short]})
    return plans


@atomic_with_retry
def stock_ship(*, warehouse_id: int, lines: Iterable[StockLine], reference_type: str, reference_number: str,
               actor) -> list[StockMove]:
    """Reserved units leave the building: on-hand and reserved both go down.

    The units are taken from the packing location (picking moved them there); units not there (an order picked
    before locations existed) from where they are: pick faces and storage bins in pick-path order, then the dock.
    A line taken from several locations is one SHIP move per location."""
    lines = _positive(lines)
    plans = _planned(warehouse_id=warehouse_id, lines=lines, kinds=_SHIP_ORDER, what="to ship")
    changes = [_Change(line.product_id, Kind.SHIP, -units, line.reference_id, from_location_id=location_id)
               for line, taken in plans for location_id, units in taken]
    return _changes_post(warehouse_id=warehouse_id, changes=changes, reference_type=reference_type,
                         reference_number=reference_number, actor=actor)


@atomic_with_retry
def stock_pack_return(*, warehouse_id: int, lines: Iterable[StockLine], reference_type: str, reference_number: str,
                      actor, reason: str = "back to the shelf") -> list[StockMove]:
    """Picked units go back to the shelf (a lowered pick count, a put-back after interception): from the packing
    location to the first bin holding the product in pick-path order, else the default bin. Only what the packing
    location holds moves (an order picked before locations existed left its units in their bin)."""
    lines = _positive(lines)
    product_ids = {ln.product_id for ln in lines}
    _levels_lock(warehouse_id=warehouse_id, product_ids=product_ids)
    stocks = _location_stocks_lock(warehouse_id=warehouse_id, product_ids=product_ids)
    changes = []
    for line in lines:
        bin_id = _putaway_bin_id(stocks, warehouse_id=warehouse_id, product_id=line.product_id)
        for location_id, units in _sources(stocks, product_id=line.product_id, quantity=line.quantity,
                                           kinds=(Location.Kind.PACKING,)):
            changes.append(_Change(line.product_id, Kind.TRANSFER, units, line.reference_id,
                                   from_location_id=location_id, to_location_id=bin_id))
    return _changes_post(warehouse_id=warehouse_id, changes=changes, reference_type=reference_type,
                         reference_number=reference_number, actor=actor, reason=reason)


def _location_of(*, warehouse_id: int, location_id: int, field: str) -> Location:
    location = Location.objects.filter(pk=location_id).first()
    if location is None or location.warehouse_id != warehouse_id:
        raise DomainValidationError(f"no such location in this warehouse: {location_id}",
                                    errors={field: ["Not a location of this warehouse."]})
    return location


@atomic_with_retry
def stock_transfer(*, warehouse_id: int, product_id: int, quantity: int, from_location_id: int,
                   to_location_id: int, reference_type: str = "", reference_number: str = "", reason: str = "",
                   actor) -> StockMove:
    """Move units between two locations of a warehouse (a TRANSFER move; the warehouse's buckets do not change).

    Refused (``InsufficientStock``) if the source holds too few, checked on its locked row; refused if the
    destination is inactive or blocked, or if it would mix quarantine and sellable locations."""
    if quantity <= 0:
        raise DomainValidationError("a transfer moves at least one unit", errors={"quantity": ["At least 1."]})
    if from_location_id == to_location_id:
        raise DomainValidationError("a transfer goes to another location",
                                    errors={"to_location": ["The same location as the source."]})
    source = _location_of(warehouse_id=warehouse_id, location_id=from_location_id, field="from_location")
    target = _location_of(warehouse_id=warehouse_id, location_id=to_location_id, field="to_location")
    if not target.is_active or target.is_blocked:
        why = f"{target.code} is blocked ({target.blocked_reason or 'no reason given'})" if target.is_blocked \
            else f"{target.code} is not active"
        raise DomainValidationError(why, errors={"to_location": [why]})
    (move,) = _changes_post(
        warehouse_id=warehouse_id, reference_type=reference_type, reference_number=reference_number, actor=actor,
        reason=reason, changes=[_Change(product_id, Kind.TRANSFER, quantity, from_location_id=source.pk,
                                        to_location_id=target.pk)])
    return move


@atomic_with_retry
def stock_adjust(*, warehouse_id: int, product_id: int, quantity: int, reason: str, actor, note: str = "",
                 damaged: bool = False, location_id: int | None = None) -> StockMove:
    """A counted correction (signed) by a Supervisor: an ADJUST (or ADJUST_DAMAGED) move with the reason code
    (``AdjustReason``), the note (required for OTHER) and the Supervisor (a staff step: never a system actor).
    Refused, naming the bucket, if it would leave the level negative or with fewer units on hand than are reserved
    (checked on the locked row).

    With ``location_id`` the correction is of that location (refused if it would hold fewer than 0). Without, units
    found go to the default bin (damaged: quarantine) and units lost are taken from the default bin, then the other
    bins in pick-path order, then the dock (damaged: quarantine locations); such a loss may be split into one move per
    location (the first is returned)."""
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
    if location_id is not None:
        location = _location_of(warehouse_id=warehouse_id, location_id=location_id, field="location")
        if location.is_quarantine != damaged:
            why = ("Damaged units are adjusted in a quarantine location." if damaged
                   else "A quarantine location holds damaged units: adjust the damaged units there.")
            raise DomainValidationError(why, errors={"location": [why]})
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
    default_kind = Location.Kind.QUARANTINE if damaged else Location.Kind.STORAGE
    if quantity > 0:
        target = location_id or _default_location_id(warehouse_id=warehouse_id, kind=default_kind)
        changes = [_Change(product_id, kind, quantity, to_location_id=target)]
    elif location_id is not None:
        changes = [_Change(product_id, kind, quantity, from_location_id=location_id)]
    else:
        default_id = _default_location_id(warehouse_id=warehouse_id, kind=default_kind)
        stocks = _location_stocks_lock(warehouse_id=warehouse_id, product_ids={product_id})
        kinds = (Location.Kind.QUARANTINE,) if damaged else (*Location.BIN_KINDS, Location.Kind.RECEIVING)
        taken = _sources(stocks, product_id=product_id, quantity=-quantity, kinds=kinds, prefer_id=default_id)
        if sum(units for _, units in taken) < -quantity:
            why = (f"the {'quarantine' if damaged else 'bins and the dock'} hold fewer than {-quantity} units "
                   "(the rest is picked, at packing): adjust a named location")
            raise InsufficientStock(why, errors={"quantity": [why]})
        changes = [_Change(product_id, kind, -units, from_location_id=loc) for loc, units in taken]
    moves = _changes_post(
        warehouse_id=warehouse_id, changes=changes, reference_type="adjustment",
        reference_number="", actor=actor, reason=AdjustReason(reason).label, reason_code=reason, note=note,
    )
    return moves[0]


def warehouse_get_or_create(*, code: str, name: str = "") -> Warehouse:
    warehouse, _ = Warehouse.objects.get_or_create(code=code, defaults={"name": name or code})
    location_defaults_ensure(warehouse_id=warehouse.pk)
    return warehouse



# --- Blocking bins and counting them -----------------------------------------------------------------------------

def _location_locked(location_id: int) -> Location:
    return lock_for_update(Location.objects).get(pk=location_id)


@atomic_with_retry
def location_block(*, location_id: int, reason: str, actor) -> Location:
    """No picking or putaway is directed to the bin until it is counted (a short pick found fewer units than the
    system holds). Locks the Location row: after the caller's root, before any level (wms.core.db)."""
    actor_check(actor)
    location = _location_locked(location_id)
    location.is_blocked, location.blocked_reason = True, (reason or "blocked")[:255]
    location.save(update_fields=["is_blocked", "blocked_reason"])
    return location


@atomic_with_retry
def location_count_close(*, location_id: int, counted_at, actor) -> Location:
    """A count of the bin was closed: the bin is unblocked and marked counted at ``counted_at``."""
    actor_check(actor)
    location = _location_locked(location_id)
    location.is_blocked, location.blocked_reason, location.last_counted_at = False, "", counted_at
    location.save(update_fields=["is_blocked", "blocked_reason", "last_counted_at"])
    return location
