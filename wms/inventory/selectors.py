
from django.db.models import Q, Sum, Value
from django.db.models.functions import Abs, Coalesce

from wms.core.errors import DomainValidationError

from .models import Location, LocationStock, StockLevel, StockMove, Warehouse


def _bucket_sum(bucket: str):
    kinds = [kind for kind, buckets in StockMove.BUCKETS.items() if bucket in buckets]
    return Coalesce(Sum("quantity", filter=Q(kind__in=kinds)), Value(0))


def stock_ledger_drift() -> list[dict]:
    """Every product x warehouse whose level differs from the sum of its ledger moves (empty: all in step)."""
    ledger = {
        (row["product_id"], row["warehouse_id"]): row
        for row in StockMove.objects.order_by()
        .values("product_id", "warehouse_id")
        .annotate(on_hand=_bucket_sum("on_hand"), reserved=_bucket_sum("reserved"), damaged=_bucket_sum("damaged"))
    }
    drift = []
    seen = set()
    for level in StockLevel.objects.select_related("product", "warehouse").order_by("pk").iterator(chunk_size=2000):
        key = (level.product_id, level.warehouse_id)
        seen.add(key)
        expected = ledger.get(key, {"on_hand": 0, "reserved": 0, "damaged": 0})
        for bucket in ("on_hand", "reserved", "damaged"):
            if getattr(level, bucket) != expected[bucket]:
                drift.append({"sku_id": level.product.sku_id, "warehouse": level.warehouse.code, "bucket": bucket,
                              "level": getattr(level, bucket), "ledger": expected[bucket]})
    for key, row in ledger.items():
        if key not in seen and any(row[b] for b in ("on_hand", "reserved", "damaged")):
            for bucket in ("on_hand", "reserved", "damaged"):
                if row[bucket]:
                    drift.append({"product_id": key[0], "warehouse_id": key[1], "bucket": bucket, "level": None,
                                  "ledger": row[bucket]})
    return drift


def stock_location_drift() -> list[dict]:
    """What breaks the locations' invariant (empty: all in step):

    - per product x warehouse, the units in its non-quarantine locations differ from the level's on-hand, or those in
      its quarantine locations from the level's damaged (``bucket`` on_hand / damaged, ``level`` vs ``locations``);
    - per product x location, the location's stock differs from its ledger: |quantity| of the moves into it minus
      those out of it (``bucket`` location, ``stock`` vs ``ledger``).
    """
    quarantine = Q(location__kind=Location.Kind.QUARANTINE)
    sums = {
        (row["product_id"], row["location__warehouse_id"]): row
        for row in LocationStock.objects.order_by().values("product_id", "location__warehouse_id").annotate(
            on_hand=Coalesce(Sum("quantity", filter=~quarantine), Value(0)),
            damaged=Coalesce(Sum("quantity", filter=quarantine), Value(0)))
    }
    drift = []
    seen = set()
    for level in StockLevel.objects.select_related("product", "warehouse").order_by("pk").iterator(chunk_size=2000):
        key = (level.product_id, level.warehouse_id)
        seen.add(key)
        row = sums.get(key, {"on_hand": 0, "damaged": 0})
        for bucket in ("on_hand", "damaged"):
            if getattr(level, bucket) != row[bucket]:
                drift.append({"sku_id": level.product.sku_id, "warehouse": level.warehouse.code, "bucket": bucket,
                              "level": getattr(level, bucket), "locations": row[bucket]})
    for key, row in sums.items():
        for bucket in ("on_hand", "damaged"):
            if key not in seen and row[bucket]:
                drift.append({"product_id": key[0], "warehouse_id": key[1], "bucket": bucket, "level": None,
                              "locations": row[bucket]})

    ledger: dict[tuple[int, int], int] = {}
    for side, sign in (("to_location_id", 1), ("from_location_id", -1)):
        for row in (StockMove.objects.order_by().filter(**{f"{side}__isnull": False})
                    .values("product_id", side).annotate(units=Sum(Abs("quantity")))):
            key = (row["product_id"], row[side])
            ledger[key] = ledger.get(key, 0) + sign * row["units"]
    stocks = {(s.product_id, s.location_id): s for s in
              LocationStock.objects.select_related("product", "location__warehouse").order_by("pk")}
    for key in sorted(ledger.keys() | stocks.keys()):
        stock = stocks.get(key)
        held, expected = (stock.quantity if stock else 0), ledger.get(key, 0)
        if held != expected:
            drift.append({"sku_id": stock.product.sku_id if stock else key[0],
                          "warehouse": stock.location.warehouse.code if stock else None,
                          "location": stock.location.code if stock else key[1], "bucket": "location",
                          "stock": held, "ledger": expected})
    return drift


def location_stocks_for(*, warehouse_id: int, product_id: int) -> list[LocationStock]:
    """Where a product is in a warehouse: its non-empty location stocks in pick-path order."""
    return list(LocationStock.objects.filter(location__warehouse_id=warehouse_id, product_id=product_id,
                                             quantity__gt=0).select_related("location")
                .order_by("location__pick_sequence", "location__code"))


def warehouse_for_order(*, warehouse_code: str) -> Warehouse:
    warehouse = Warehouse.objects.filter(code=warehouse_code, is_active=True).first()
    if warehouse is None:
        raise DomainValidationError(f"unknown warehouse {warehouse_code}",
                                    errors={"warehouse_code": [f"Unknown or inactive warehouse {warehouse_code!r}."]})
    return warehouse


def location_default(*, warehouse_id: int, kind: str):
    """The warehouse's default location of ``kind`` (``Location.DEFAULT_CODES``), else its first of that kind in
    pick-path order; None if it has none (``location_defaults_ensure`` makes them)."""
    locations = Location.objects.filter(warehouse_id=warehouse_id, kind=kind)
    code = Location.DEFAULT_CODES.get(kind)
    return (locations.filter(code=code).first() if code else None) or \
        locations.order_by("pick_sequence", "code", "pk").first()


def _putaway_bins(warehouse_id: int):
    """Bins units may be put into: active, unblocked storage bins and pick faces holding no other location (a zone
    or an aisle is a location too, the parent of its bins)."""
    parents = Location.objects.filter(warehouse_id=warehouse_id, parent__isnull=False).values("parent_id")
    return Location.objects.filter(warehouse_id=warehouse_id, kind__in=Location.BIN_KINDS, is_active=True,
                                   is_blocked=False).exclude(pk__in=parents)


def putaway_bin_suggest(*, warehouse_id: int, product_id: int, taken_ids=()) -> Location | None:
    """Where to put a product away: a bin already holding it (pick-path order); else an empty bin (active, not
    blocked, not in ``taken_ids``: bins proposed to other open putaways) of the zone where the product's merchant
    keeps most units, else of any zone; else the default bin (A-DEFAULT)."""
    bins = _putaway_bins(warehouse_id)
    holding = bins.filter(stocks__product_id=product_id, stocks__quantity__gt=0).order_by("pick_sequence", "code")
    if location := holding.first():
        return location
    # The default bin (A-DEFAULT, the catch-all the locations' migration filled) is the last resort, not a free bin.
    empty = (bins.exclude(stocks__quantity__gt=0).exclude(pk__in=list(taken_ids))
             .exclude(code=Location.DEFAULT_CODES[Location.Kind.STORAGE]).order_by("pick_sequence", "code"))
    owner_zone = (LocationStock.objects.filter(location__in=bins, quantity__gt=0, product__owner__products=product_id)
                  .exclude(location__zone="").values("location__zone").annotate(units=Sum("quantity"))
                  .order_by("-units", "location__zone").values_list("location__zone", flat=True).first())
    if owner_zone and (location := empty.filter(zone=owner_zone).first()):
        return location
    return empty.first() or location_default(warehouse_id=warehouse_id, kind=Location.Kind.STORAGE)


def location_for_scan(*, warehouse_id: int, code: str) -> Location | None:
    """The warehouse's location whose barcode (else code) is ``code``, as a scanner reads it."""
    code = (code or "").strip()
    if not code:
        return None
    locations = Location.objects.filter(warehouse_id=warehouse_id)
    return locations.filter(barcode=code).first() or locations.filter(code__iexact=code).first()


def location_id_for(*, warehouse_id: int, code: str) -> int | None:
    """A typed location (code or barcode) of a form: its id, None when left empty; refused by name if unknown."""
    if not (code or "").strip():
        return None
    location = location_for_scan(warehouse_id=warehouse_id, code=code)
    if location is None:
        raise DomainValidationError(f"no location {code.strip()!r} in this warehouse",
                                    errors={"location": [f"No location {code.strip()!r} in this warehouse."]})
    return location.pk


def location_stock_quantity(*, location_id: int, product_id: int) -> int:
    """Units of a product in one location (0 if none)."""
    return (LocationStock.objects.filter(location_id=location_id, product_id=product_id)
            .values_list("quantity", flat=True).first() or 0)
